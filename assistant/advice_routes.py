"""POST /api/advice (JSON, ?format=docx|md), POST /api/advice/export for an edited draft, and the /advice page."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from . import advice
from .deps import AssistantDep, ComputeDep
from .docx_export import DOCX_MEDIA_TYPE, to_docx

router = APIRouter()
Format = Literal["json", "docx", "md"]


class Enterprise(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: StrictStr = Field(min_length=1, max_length=300)
    province: StrictStr = Field(min_length=1, max_length=100)
    sector: StrictStr | None = Field(default=None, max_length=300)


class AdviceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enterprise: Enterprise
    request: StrictStr = Field(min_length=1, max_length=4000, description="what the enterprise asks, in its words")
    mark: StrictStr | None = Field(default=None, max_length=200)
    goods: StrictStr | None = Field(default=None, max_length=2000)
    nice_classes: list[StrictInt] | None = Field(default=None, max_length=45)
    as_of: date | None = Field(default=None, description="the date whose rules apply (default today)")
    station: StrictStr | None = Field(default=None, max_length=200)


class Paragraph(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: StrictStr = Field(max_length=8000)
    cites: list[StrictInt] = Field(default_factory=list, max_length=100)


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: StrictStr = Field(max_length=50)
    number: StrictInt
    title: StrictStr = Field(max_length=300)
    paragraphs: list[Paragraph] = Field(max_length=200)


class CitationOut(BaseModel):
    model_config = ConfigDict(extra="ignore")
    n: StrictInt
    source_id: StrictStr = Field(max_length=500)
    title: StrictStr = Field(max_length=1000)
    kind: StrictStr = Field(max_length=20)
    locator: StrictStr = Field(max_length=500)
    snippet: StrictStr = Field(default="", max_length=2000)
    url: StrictStr | None = None


class AdviceDraft(BaseModel):
    model_config = ConfigDict(extra="ignore")
    title: StrictStr = Field(max_length=500)
    sections: list[Section] = Field(min_length=1, max_length=30)
    citations: list[CitationOut] = Field(max_length=300)
    as_of: StrictStr = Field(max_length=20)
    warnings: list[StrictStr] = Field(default_factory=list, max_length=50)


def _file(d: dict[str, Any], fmt: str) -> Response:
    name = f"van-ban-tu-van-{d.get('as_of', '')}"
    if fmt == "docx":
        return Response(to_docx(d), media_type=DOCX_MEDIA_TYPE,
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}.docx"})
    return Response(advice.to_markdown(d), media_type="text/markdown; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}.md"})


@router.post("/api/advice", response_model=AdviceDraft, tags=["advice"],
             responses={200: {"content": {DOCX_MEDIA_TYPE: {}, "text/markdown": {}}}})
async def post_advice(body: AdviceRequest, assistant: AssistantDep, compute: ComputeDep,
                      format: Format = Query("json")) -> Any:
    """A structured advice letter draft with numbered citations; `format=docx` or `md` returns the file."""
    d = await compute.run(advice.draft, assistant, body.enterprise.model_dump(), body.request, mark=body.mark,
                          goods=body.goods, nice_classes=body.nice_classes, as_of=body.as_of, station=body.station)
    return d if format == "json" else await compute.run(_file, d, format)


@router.post("/api/advice/export", tags=["advice"], response_class=Response,
             responses={200: {"content": {DOCX_MEDIA_TYPE: {}, "text/markdown": {}}}})
def export_advice(body: AdviceDraft, format: Literal["docx", "md"] = Query("docx")) -> Response:
    """A (possibly edited) draft as .docx or .md: the /advice page's edit-before-download step."""
    return _file(body.model_dump(), format)


@router.get("/advice", response_class=HTMLResponse, include_in_schema=False)
def advice_page(request: Request):
    from .web import render

    return render(request, "advice.html", page="advice")
