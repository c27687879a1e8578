"""HTTP API. Routers stay thin over the Assistant service; errors map to JSON in one place."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr
from starlette.exceptions import HTTPException as StarletteHTTPException

from .deps import AssistantDep
from .errors import AssistantError
from .retrieve import parse_filters
from .service import Assistant


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant"]
    content: StrictStr = Field(max_length=8000)


class ChatFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: StrictStr | list[StrictStr] | None = None
    ip_type: StrictStr | list[StrictStr] | None = None
    source_id: StrictStr | list[StrictStr] | None = Field(default=None, description="only these sources' chunks")
    event: StrictStr | list[StrictStr] | None = Field(default=None, description="only these training events' decks "
                                                       "(event ids from GET /api/training)")


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: StrictStr = Field(min_length=1, max_length=2000)
    history: list[Turn] = Field(default_factory=list, max_length=40)
    filters: ChatFilters | None = None


class CitationOut(BaseModel):
    n: int
    source_id: str
    title: str
    kind: str
    locator: str
    snippet: str
    url: str | None
    score: float


class ChatResponse(BaseModel):
    answer: str
    citations: list[CitationOut]
    grounded: bool
    mode: str
    took_ms: float


class MarkCheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mark: StrictStr = Field(min_length=1, max_length=200)
    nice_classes: list[StrictInt] | None = Field(default=None, max_length=45)
    goods: StrictStr | None = Field(default=None, max_length=2000)
    limit: StrictInt = Field(default=10, ge=1, le=50)


router = APIRouter()


def _filters(body: ChatRequest):
    f = body.filters
    return parse_filters(f.kind, f.ip_type, source_id=f.source_id, event=f.event) if f else None


@router.post("/api/chat", response_model=ChatResponse, tags=["chat"])
def chat(body: ChatRequest, assistant: AssistantDep) -> dict[str, Any]:
    """Answer a question with numbered citations; `grounded: false` when the sources have no answer."""
    answer = assistant.chat(body.question, [t.model_dump() for t in body.history], _filters(body))
    return answer.to_dict()


@router.post("/api/chat/stream", tags=["chat"])
def chat_stream(body: ChatRequest, assistant: AssistantDep) -> StreamingResponse:
    """Server-Sent Events: `citations`, then `token`s, then `done`."""
    events = list(assistant.stream_chat(body.question, [t.model_dump() for t in body.history], _filters(body)))

    def gen():
        for name, data in events:
            yield f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"

    return StreamingResponse(gen(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.get("/api/search", tags=["search"])
def search(assistant: AssistantDep, q: Annotated[str, Query(min_length=1, max_length=2000)],
           k: Annotated[int, Query(ge=1, le=50)] = 10, kind: str | None = None,
           ip_type: str | None = None) -> dict[str, Any]:
    return {"q": q, "results": assistant.search(q, k, parse_filters(kind, ip_type))}


@router.get("/api/sources", tags=["sources"])
def list_sources(assistant: AssistantDep, kind: str | None = None,
                 q: Annotated[str | None, Query(max_length=200)] = None,
                 limit: Annotated[int, Query(ge=1, le=500)] = 200,
                 offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
    if kind:
        parse_filters(kind)
    return {"sources": assistant.list_sources(kind, q, limit, offset)}


@router.get("/api/sources/{source_id:path}", tags=["sources"])
def get_source(source_id: str, assistant: AssistantDep) -> dict[str, Any]:
    # Ids are looked up in the catalog, never joined to a filesystem path: no traversal possible.
    return assistant.source(source_id)


@router.post("/api/trademark/check", tags=["records"])
def trademark_check(body: MarkCheckRequest, assistant: AssistantDep) -> dict[str, Any]:
    return assistant.check_mark(body.mark, body.nice_classes, body.goods, body.limit)


@router.get("/api/records/search", tags=["records"])
def records_search(assistant: AssistantDep, q: Annotated[str, Query(max_length=200)] = "",
                   kind: str | None = None, classes: Annotated[str | None, Query(pattern=r"^[\d, ]*$")] = None,
                   status: str | None = None, limit: Annotated[int, Query(ge=1, le=100)] = 20) -> dict[str, Any]:
    cls = [int(x) for x in classes.replace(" ", "").split(",") if x] if classes else None
    return {"results": assistant.records_search(q, kind, cls, status, limit)}


@router.get("/api/records/{record_id}", tags=["records"])
def record(record_id: str, assistant: AssistantDep) -> dict[str, Any]:
    return assistant.record(record_id)


@router.get("/healthz", tags=["ops"])
def healthz(assistant: AssistantDep) -> dict[str, Any]:
    return assistant.health()


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err.get("loc", ()) if x != "body")
        msg = err.get("msg", "invalid")
        if err.get("type") == "json_invalid":
            return "request body is not valid JSON"
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts) or "invalid request"


def create_app(assistant: Assistant) -> FastAPI:
    app = FastAPI(title="Trợ lý SHTT — IP assistant", version="0.1.0",
                  description="Cited answers to Vietnamese intellectual-property questions.")
    app.state.assistant = assistant
    max_body = assistant.settings.max_body_bytes

    @app.middleware("http")
    async def limit_body(request: Request, call_next):
        length = request.headers.get("content-length")
        if length and (not length.isdigit() or int(length) > max_body):
            return JSONResponse({"error": "payload_too_large", "detail": f"request body over {max_body} bytes"},
                                status_code=413)
        return await call_next(request)

    @app.exception_handler(AssistantError)
    async def assistant_error(_: Request, exc: AssistantError):
        return JSONResponse({"error": exc.code, "detail": exc.message}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError):
        return JSONResponse({"error": "invalid_input", "detail": _validation_message(exc),
                             "errors": json.loads(json.dumps(exc.errors(), default=str))}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException):
        return JSONResponse({"error": "http_error", "detail": exc.detail}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception):
        # A bug, not bad input: say so in JSON, keep details in the server log.
        import logging

        logging.getLogger("assistant").exception("unhandled error", exc_info=exc)
        return JSONResponse({"error": "internal_error", "detail": "unexpected server error"}, status_code=500)

    app.include_router(router)
    from . import advice_routes, fees_routes, training_routes

    app.include_router(fees_routes.router)
    app.include_router(training_routes.router)
    app.include_router(advice_routes.router)
    from . import web

    web.install(app)
    from . import dashboard_routes, stats_routes

    dashboard_routes.install(app)
    stats_routes.install(app)  # after web: its counting middleware is outermost and sees final responses
    from . import generations

    generations.install(app)  # swaps in the index generation a re-ingest stamps, without a restart
    return app
