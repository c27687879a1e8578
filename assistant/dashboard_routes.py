"""HTTP for the IP-asset dashboard: ``/api/dashboard`` (JSON and CSV), ``/api/enterprise``, and the pages
``/dashboard`` and ``/enterprise/{owner}``. Thin over :mod:`assistant.dashboard`; bad filters raise BadInput,
which api.py turns into a JSON 422 (pages render their own 422 with the message)."""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from . import charts
from . import dashboard as dash
from .errors import AssistantError, NotFound

DATA = Path(__file__).resolve().parent / "data"

Kind = Literal["trademark", "patent", "utility_solution", "design", "gi"]
Scheme = Literal["63", "34"]
Section = Literal["by_kind", "by_status", "filings_per_year", "top_classes", "top_owners", "gis", "renewals_due"]
ProvinceQ = Annotated[str | None, Query(max_length=80, description="one of the 63 provinces (the records' list) or, "
                                                                     "with scheme=34, of the 34 after the 2025 merger")]
FromQ = Annotated[str | None, Query(alias="from", max_length=10, description="filing date from: YYYY[-MM[-DD]]")]
ToQ = Annotated[str | None, Query(alias="to", max_length=10, description="filing date to: YYYY[-MM[-DD]]")]


# --------------------------------------------------------------------------- response models (the OpenAPI truth)
class ProvinceOut(BaseModel):
    name: str
    scheme: Scheme
    members: list[str] = Field(description="the pre-merger provinces covered")
    merged_into: str | None = Field(description="scheme 63: the province it belongs to since 1 July 2025")


class PeriodOut(BaseModel):
    from_: str | None = Field(alias="from", serialization_alias="from")
    to: str | None
    as_of: str = Field(description="the date renewals are counted from (IPA_AS_OF, default the server's today)")


class YearN(BaseModel):
    year: int
    n: int


class ClassN(BaseModel):
    class_: int = Field(alias="class", serialization_alias="class")
    n: int


class OwnerN(BaseModel):
    owner: str
    n: int
    by_kind: dict[str, int]


class GiOut(BaseModel):
    record_id: str
    name: str | None
    product: str | None
    province: str | None
    registration_number: str | None
    registration_year: int | None


class RenewalOut(BaseModel):
    record_id: str
    mark: str
    owner: str | None
    expiry: str
    ip_type: str
    phase: Literal["before_expiry", "grace_period"]
    late_until: str = Field(description="last day of the late-filing (grace) period")
    owner_province: str | None


class DashboardOut(BaseModel):
    province: ProvinceOut | None
    period: PeriodOut
    by_kind: dict[str, int]
    by_status: dict[str, int]
    filings_per_year: list[YearN]
    top_classes: list[ClassN]
    top_owners: list[OwnerN]
    gis: list[GiOut]
    renewals_due: list[RenewalOut]


class EnterpriseRecord(BaseModel):
    record_id: str
    ip_type: str
    mark: str
    status: str | None
    filing_date: str | None
    grant_date: str | None
    expiry_date: str | None
    nice_classes: list[int]
    owner_province: str | None
    sample: bool


class EnterpriseOut(BaseModel):
    owner: str
    addresses: list[str]
    by_kind: dict[str, int]
    records: list[EnterpriseRecord]
    renewals_due: list[RenewalOut]


# --------------------------------------------------------------------------- helpers
@lru_cache(maxsize=1)
def strings() -> dict[str, dict[str, str]]:
    return json.loads((DATA / "dashboard_strings.json").read_text(encoding="utf-8"))


def records(request: Request) -> list[dict[str, Any]]:
    """All records of the catalog, read once per index generation (a re-ingest swaps in a new catalog)."""
    catalog = request.app.state.assistant.catalog
    cached = getattr(request.app.state, "dashboard_records", None)
    if cached is None or cached[0] is not catalog:
        cached = (catalog, list(catalog.records()))
        request.app.state.dashboard_records = cached
    return cached[1]


def as_of(request: Request) -> date:
    return request.app.state.assistant.settings.as_of or date.today()


def build(request: Request, province: str | None, scheme: str | None, kind: str | None, start: str | None,
          end: str | None) -> dict[str, Any]:
    sel = dash.resolve_province(province, scheme)
    a, b = dash.parse_period(start, end)
    return dash.dashboard(records(request), sel, dash.check_kind(kind), a, b, as_of(request))


def csv_response(text: str, filename: str) -> Response:
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


def _filename(province: str | None, section: str) -> str:
    slug = dash.owner_key(province or "all").replace(" ", "-") or "all"
    return f"dashboard-{slug}-{section}.csv"


# --------------------------------------------------------------------------- API
router = APIRouter(tags=["dashboard"])


@router.get("/api/dashboard", response_model=DashboardOut, response_model_by_alias=True)
def api_dashboard(request: Request, province: ProvinceQ = None, scheme: Scheme | None = None,
                  kind: Kind | None = None, start: FromQ = None, end: ToQ = None) -> dict[str, Any]:
    """A province's IP assets (or all provinces'): counts by kind and status, filings per year, top Nice classes and
    owners, its GIs, and the registrations due for renewal. Trademark, patent and design records are sample data."""
    return build(request, province, scheme, kind, start, end)


@router.get("/api/dashboard.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}, "description": "one section of the dashboard as CSV"}})
def api_dashboard_csv(request: Request, section: Section, province: ProvinceQ = None, scheme: Scheme | None = None,
                      kind: Kind | None = None, start: FromQ = None, end: ToQ = None) -> Response:
    payload = build(request, province, scheme, kind, start, end)
    return csv_response(dash.to_csv(dash.section_rows(payload, section), dash.COLUMNS[section]),
                        _filename(province, section))


@router.get("/api/dashboard/provinces")
def api_provinces() -> dict[str, Any]:
    """The 63 provinces before the 2025 merger and the 34 after it, mapped both ways."""
    p = dash.provinces()
    return {"provinces_63": [{"name": o, "since_2025": p["old_to_new"][o]} for o in p["old"]],
            "provinces_34": [{"name": n, "merged_from": list(p["new"][n])} for n in p["new_sorted"]]}


@router.get("/api/enterprise", response_model=EnterpriseOut, responses={404: {"description": "no records for this owner"}})
def api_enterprise(request: Request, owner: Annotated[str, Query(min_length=1, max_length=200)]) -> dict[str, Any]:
    """All the records of one owner, across kinds (names match regardless of accents and case); unknown → 404."""
    return dash.enterprise(records(request), owner, as_of(request))


@router.get("/api/enterprise.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}, "description": "the owner's records as CSV"},
                       404: {"description": "no records for this owner"}})
def api_enterprise_csv(request: Request, owner: Annotated[str, Query(min_length=1, max_length=200)]) -> Response:
    data = dash.enterprise(records(request), owner, as_of(request))
    return csv_response(dash.to_csv(data["records"], dash.COLUMNS["records"]),
                        f"enterprise-{dash.owner_key(owner).replace(' ', '-')[:60]}.csv")


# --------------------------------------------------------------------------- pages
pages = APIRouter(include_in_schema=False)


def _render(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    from .web import render, resolve_lang

    return render(request, name, status, d=strings()[resolve_lang(request)], **ctx)


def _chart_points(rows: list[dict[str, Any]], label: str, value: str = "n") -> list[tuple[str, float]]:
    return [(str(r[label]), float(r[value])) for r in rows]


@pages.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, province: str | None = Query(None, max_length=80),
                   scheme: str | None = Query(None, max_length=4), kind: str | None = Query(None, max_length=30),
                   start: str | None = Query(None, alias="from", max_length=10),
                   end: str | None = Query(None, alias="to", max_length=10)):
    from .web import resolve_lang, ui_strings

    d, t = strings()[resolve_lang(request)], ui_strings()[resolve_lang(request)]
    form = {"province": province or "", "scheme": scheme or "", "kind": kind or "", "from": start or "",
            "to": end or ""}
    p = dash.provinces()
    choices = {"old": p["old"], "new": p["new_sorted"]}
    try:
        data = build(request, province, scheme, kind, start, end)
    except AssistantError as exc:
        return _render(request, "dashboard.html", exc.status, page="dashboard", form=form, choices=choices,
                       data=None, error=exc.message)
    query = {k: v for k, v in form.items() if v}
    kinds = [(d.get(f"kind_{k}", k), float(n)) for k, n in data["by_kind"].items()]
    figures = {
        "by_kind": charts.bar_chart(kinds, d["by_kind"], "chart-by-kind"),
        "by_status": charts.bar_chart([(t.get(f"status_{s}", s), float(n)) for s, n in data["by_status"].items()],
                                      d["by_status"],
                                      "chart-by-status", color=charts.PALETTE[2]),
        "filings_per_year": charts.bar_chart(_chart_points(data["filings_per_year"], "year"), d["filings_per_year"],
                                             "chart-filings-per-year"),
        "top_classes": charts.hbar_chart([(f"{d['col_class']} {r['class']}", float(r["n"]))
                                          for r in data["top_classes"]], d["top_classes"], "chart-top-classes"),
        "top_owners": charts.hbar_chart(_chart_points(data["top_owners"], "owner"), d["top_owners"],
                                        "chart-top-owners", color=charts.PALETTE[3]),
    }
    csv_href = {s: "/api/dashboard.csv?" + urlencode({**query, "section": s}) for s in dash.SECTIONS}
    return _render(request, "dashboard.html", page="dashboard", form=form, choices=choices, data=data,
                   figures=figures, csv_href=csv_href, error=None, rules=dash.renewal_rules(),
                   enterprise_href=lambda o: "/enterprise/" + quote(o, safe=""))


@pages.get("/enterprise", response_class=HTMLResponse)
def enterprise_search(request: Request, owner: str | None = Query(None, max_length=200)):
    return _enterprise(request, owner)


@pages.get("/enterprise/{owner}", response_class=HTMLResponse)
def enterprise_page(request: Request, owner: str):
    return _enterprise(request, owner[:200])


def _enterprise(request: Request, owner: str | None):
    owner = (owner or "").strip()
    href = lambda o: "/enterprise/" + quote(o, safe="")  # noqa: E731
    if not owner:
        return _render(request, "enterprise.html", page="enterprise", owner="", data=None, suggestions=[],
                       error=None, enterprise_href=href)
    try:
        data = dash.enterprise(records(request), owner, as_of(request))
    except NotFound:
        return _render(request, "enterprise.html", 404, page="enterprise", owner=owner, data=None,
                       suggestions=dash.find_owners(records(request), owner), error=None, enterprise_href=href)
    except AssistantError as exc:
        return _render(request, "enterprise.html", exc.status, page="enterprise", owner=owner, data=None,
                       suggestions=[], error=exc.message, enterprise_href=href)
    return _render(request, "enterprise.html", page="enterprise", owner=owner, data=data, suggestions=[],
                   error=None, enterprise_href=href,
                   csv_href="/api/enterprise.csv?" + urlencode({"owner": data["owner"]}))


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.include_router(pages)
