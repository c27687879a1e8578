"""HTTP API. Routers stay thin over the Assistant service; errors map to JSON in one place."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr
from starlette.exceptions import HTTPException as StarletteHTTPException

from .deps import AssistantDep, Compute, ComputeDep
from .errors import AssistantError
from .guard import RequestGuard
from .models import KINDS
from .retrieve import parse_filters
from .service import RECORD_STATUSES, RECORD_TYPES, Assistant

# Allowed filter values, as the schema states them (corpus/README.md lists ip_type; records add their own).
KindName = Literal[KINDS]  # type: ignore[valid-type]
IP_TYPES = ("general", "copyright", "patent", "utility_solution", "design", "layout_design", "trademark",
            "trade_name", "gi", "trade_secret", "enforcement", "procedure")
IpTypeName = Literal[IP_TYPES]  # type: ignore[valid-type]
RecordType = Literal[RECORD_TYPES]  # type: ignore[valid-type]
RecordStatus = Literal[RECORD_STATUSES]  # type: ignore[valid-type]
# SQLite integers are signed 64-bit; every paging number stays far below that.
MAX_OFFSET = 1_000_000


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(BaseModel):
    """The body of every error response: a stable machine code and a message for people."""

    error: str = Field(examples=["invalid_input"])
    detail: str = Field(examples=["question: String should have at least 1 character"])
    errors: list[FieldError] | None = Field(default=None, description="422 only: which fields, and why")


_ERROR_TEXT = {400: "Malformed request", 401: "Authentication required", 403: "Not allowed",
               404: "Not found", 413: "Request body too large", 422: "Invalid input",
               429: "Too many requests: retry after the `Retry-After` seconds", 503: "Store not built or not available"}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorOut, "description": _ERROR_TEXT[code]} for code in codes}


# What any route can answer besides its own result: bad parameters, and a store that is not there.
COMMON = (422, 503)
BODY = (400, 413, 422, 503)


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant"]
    content: StrictStr = Field(max_length=8000)


class ChatFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: KindName | list[KindName] | None = None
    ip_type: IpTypeName | list[IpTypeName] | None = None
    source_id: StrictStr | list[StrictStr] | None = Field(default=None, description="only these sources' chunks")
    event: StrictStr | list[StrictStr] | None = Field(default=None, description="only these training events' decks "
                                                       "(event ids from GET /api/training)")


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: StrictStr = Field(min_length=1, max_length=2000)
    history: list[Turn] = Field(default_factory=list, max_length=40)
    filters: ChatFilters | None = None
    as_of: date | None = Field(default=None, description="answer under the law in force on this date "
                               "(2006-07-01 … today; default today, or IPA_AS_OF)")


class Understood(BaseModel):
    objects: list[str]
    facets: list[str]
    jurisdiction: Literal["vn", "abroad", "foreign"]
    language: Literal["vi", "en"]
    marks: list[str]
    core: str


class CitationOut(BaseModel):
    n: int
    source_id: str
    title: str
    kind: str
    locator: str
    snippet: str
    url: str | None
    score: float
    valid_from: str | None = None  # the cited text holds from … to … (None: open-ended)
    valid_to: str | None = None
    legal_version: str | None = None
    language: str | None = None  # "vi" when an English answer quotes a Vietnamese passage


class GenerationOut(BaseModel):
    status: Literal["ok", "rejected", "error"]  # rejected: the guard refused the model's text; error: the server
    reason: str | None = None  # e.g. "figure 1 năm not in [1]"


class ChatResponse(BaseModel):
    answer: str
    citations: list[CitationOut]
    grounded: bool
    mode: str
    took_ms: float
    language: Literal["vi", "en"]
    as_of: str = Field(description="the date whose law the answer states")
    understood: Understood
    refusal: Literal["out_of_domain", "foreign_law", "not_covered"] | None = None
    notice: str = Field(description="not legal advice, and where to ask: shown by the client beside the answer")
    generation: GenerationOut | None = None  # set when generative mode ran; mode says whose text it is


class MarkCheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mark: StrictStr = Field(min_length=1, max_length=200)
    nice_classes: list[Annotated[StrictInt, Field(ge=1, le=45)]] | None = Field(default=None, max_length=45)
    goods: StrictStr | None = Field(default=None, max_length=2000)
    limit: StrictInt = Field(default=10, ge=1, le=50)


router = APIRouter()


def _filters(body: ChatRequest):
    f = body.filters
    return parse_filters(f.kind, f.ip_type, source_id=f.source_id, event=f.event) if f else None


@router.post("/api/chat", response_model=ChatResponse, tags=["chat"], responses=error_responses(*BODY))
async def chat(body: ChatRequest, assistant: AssistantDep, compute: ComputeDep) -> dict[str, Any]:
    """Answer a question with numbered citations; `grounded: false` when the sources have no answer."""
    answer = await compute.run(assistant.chat, body.question, [t.model_dump() for t in body.history],
                               _filters(body), as_of=body.as_of)
    return answer.to_dict()


class EventStreamResponse(StreamingResponse):
    media_type = "text/event-stream"


# OpenAPI 3.1 reads an event stream's `schema` as the schema of one event (3.2 would say `itemSchema`).
_SSE_EVENT = {"type": "object", "required": ["event", "data"], "properties": {
    "event": {"type": "string", "enum": ["citations", "token", "fallback", "done"]},
    "data": {"type": "string", "contentMediaType": "application/json",
             "description": "citations: {citations}; token: {t}; fallback: why the extractive answer follows; "
                            "done: the answer's other fields"}}}
_SSE_DOC = {200: {"description": "Server-Sent Events: `citations`, then `token`s, then `done` (generative mode may "
                                 "send `fallback` before the extractive answer); each `data:` line is JSON",
                  "content": {"text/event-stream": {"schema": _SSE_EVENT}}}}


@router.post("/api/chat/stream", tags=["chat"], response_class=EventStreamResponse,
             responses={**_SSE_DOC, **error_responses(*BODY)})
async def chat_stream(body: ChatRequest, assistant: AssistantDep, compute: ComputeDep) -> StreamingResponse:
    """Server-Sent Events: `citations`, then `token`s, then `done`."""
    events = iter(assistant.stream_chat(body.question, [t.model_dump() for t in body.history], _filters(body),
                                          as_of=body.as_of))
    # Validation and retrieval run before the first event, so bad input still gets a JSON 4xx; the rest is
    # sent as it comes (a generative answer sentence by sentence, as the guard passes them).
    first = await compute.run(next, events)

    def sse(name: str, data: Any) -> str:
        return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"

    def gen():
        yield sse(*first)
        for name, data in events:
            yield sse(name, data)

    return EventStreamResponse(gen(), headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.get("/api/search", tags=["search"], responses=error_responses(*COMMON))
async def search(assistant: AssistantDep, compute: ComputeDep,
                 q: Annotated[str, Query(min_length=1, max_length=2000)],
                 k: Annotated[int, Query(ge=1, le=50)] = 10, kind: KindName | None = None,
                 ip_type: IpTypeName | None = None) -> dict[str, Any]:
    return {"q": q, "results": await compute.run(assistant.search, q, k, parse_filters(kind, ip_type))}


@router.get("/api/sources", tags=["sources"], responses=error_responses(*COMMON))
def list_sources(assistant: AssistantDep, kind: KindName | None = None,
                 q: Annotated[str | None, Query(max_length=200)] = None,
                 limit: Annotated[int, Query(ge=1, le=500)] = 200,
                 offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> dict[str, Any]:
    if kind:
        parse_filters(kind)
    return {"sources": assistant.list_sources(kind, q, limit, offset)}


@router.get("/api/sources/{source_id:path}", tags=["sources"], responses=error_responses(404, *COMMON))
def get_source(source_id: str, assistant: AssistantDep) -> dict[str, Any]:
    # Ids are looked up in the catalog, never joined to a filesystem path: no traversal possible.
    return assistant.source(source_id)


@router.post("/api/trademark/check", tags=["records"], responses=error_responses(*BODY))
async def trademark_check(body: MarkCheckRequest, assistant: AssistantDep, compute: ComputeDep) -> dict[str, Any]:
    return await compute.run(assistant.check_mark, body.mark, body.nice_classes, body.goods, body.limit)


@router.get("/api/records/search", tags=["records"], responses=error_responses(*COMMON))
def records_search(assistant: AssistantDep, q: Annotated[str, Query(max_length=200)] = "",
                   kind: RecordType | None = None,
                   classes: Annotated[str | None, Query(pattern=r"^[\d, ]*$", max_length=200)] = None,
                   status: RecordStatus | None = None,
                   limit: Annotated[int, Query(ge=1, le=100)] = 20) -> dict[str, Any]:
    cls = [int(x) for x in classes.replace(" ", "").split(",") if x] if classes else None
    return {"results": assistant.records_search(q, kind, cls, status, limit)}


@router.get("/api/records/{record_id}", tags=["records"], responses=error_responses(404, *COMMON))
def record(record_id: Annotated[str, Path(max_length=300)], assistant: AssistantDep) -> dict[str, Any]:
    return assistant.record(record_id)


@router.get("/healthz", tags=["ops"], responses=error_responses(503))
def healthz(assistant: AssistantDep) -> dict[str, Any]:
    return assistant.health()


def clean_text(value: Any, limit: int = 300) -> str:
    """Text that is safe to send back: unpaired surrogates replaced (they cannot be encoded), length capped.
    Error messages never carry the request's input, but field names and ids can come from the client."""
    text = str(value).encode("utf-8", "replace").decode("utf-8")
    return text if len(text) <= limit else text[:limit] + "…"


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Only where and why: pydantic's "input" and "ctx" would echo the request (1 MB of it, or a lone surrogate).
    return [{"loc": [x if isinstance(x, int) else clean_text(x, 60) for x in err.get("loc", ()) if x != "body"][:8],
             "msg": clean_text(err.get("msg", "invalid")), "type": clean_text(err.get("type", "invalid"), 60)}
            for err in exc.errors()[:20]]


def _validation_message(errors: list[dict[str, Any]]) -> str:
    parts = []
    for err in errors:
        if err["type"] == "json_invalid":
            return "request body is not valid JSON"
        loc = ".".join(str(x) for x in err["loc"])
        parts.append(f"{loc}: {err['msg']}" if loc else err["msg"])
    return clean_text("; ".join(parts) or "invalid request", 1000)


def _document_app_errors(app: FastAPI) -> None:
    """State in the schema the errors that come from the guard and the handlers rather than from one route:
    every validation error has the ErrorOut shape (not FastAPI's default), and every request body can be too
    large (413), malformed (400) or refused by the guard (422)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        own = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(own.pop("$defs", {}))
        components["ErrorOut"] = own
        for ops in schema.get("paths", {}).values():
            for op in ops.values():
                responses = op.setdefault("responses", {})
                for code, resp in responses.items():
                    # FastAPI gives error models the route's media type (SSE, docx, csv): errors are JSON.
                    # Every error leaves through create_app's handlers, so a bare one has the ErrorOut body too.
                    content = resp.get("content") or {}
                    if code[0] in "45" and (not content or "ErrorOut" in json.dumps(content)) \
                            and set(content) != {"application/json"}:
                        resp["content"] = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
                codes = ["422"] if "422" in responses else []
                if "requestBody" in op:
                    codes = ["400", "413", "422"]
                for code in codes:
                    if code not in responses or "HTTPValidationError" in json.dumps(responses[code]):
                        responses[code] = {"description": _ERROR_TEXT[int(code)], "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
        if "HTTPValidationError" not in json.dumps(schema["paths"]):
            components.pop("HTTPValidationError", None)
            components.pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(assistant: Assistant) -> FastAPI:
    from . import web

    # The interactive docs are served by web.py from vendored Swagger UI assets: the default pages load a CDN.
    app = FastAPI(title="Trợ lý SHTT — IP assistant", version="0.1.0", docs_url=None, redoc_url=None,
                  description="Cited answers to Vietnamese intellectual-property questions. Every error body is "
                              "`{\"error\": code, \"detail\": message}`.")
    app.state.assistant = assistant
    app.state.compute = Compute.for_settings(assistant.settings)

    def error(request: Request, status: int, code: str, detail: Any, headers: dict[str, str] | None = None):
        """The one place an error becomes a response: an HTML page for the web pages, JSON everywhere else."""
        detail = clean_text(detail, 1000)
        if web.is_page_path(request.url.path):
            return web.error_page(request, status, detail, headers)
        return JSONResponse({"error": code, "detail": detail}, status_code=status, headers=headers)

    async def guard_error(scope, status: int, code: str, detail: str):
        return error(Request(scope), status, code, detail, {"Connection": "close"} if status == 413 else None)

    app.add_middleware(RequestGuard, max_body=assistant.settings.max_body_bytes, respond=guard_error)

    @app.exception_handler(AssistantError)
    async def assistant_error(request: Request, exc: AssistantError):
        return error(request, exc.status, exc.code, exc.message, exc.headers or None)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        errors = _field_errors(exc)
        if web.is_page_path(request.url.path):
            return error(request, 422, "invalid_input", _validation_message(errors))
        return JSONResponse({"error": "invalid_input", "detail": _validation_message(errors), "errors": errors},
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return error(request, exc.status_code, "http_error", exc.detail, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        # A bug, not bad input: say so, keep details in the server log.
        import logging

        logging.getLogger("assistant").exception("unhandled error", exc_info=exc)
        return error(request, 500, "internal_error", "unexpected server error")

    app.include_router(router)
    from . import advice_routes, fees_routes, training_routes

    app.include_router(fees_routes.router)
    app.include_router(training_routes.router)
    app.include_router(advice_routes.router)
    web.install(app)
    from . import dashboard_routes, stats_routes

    dashboard_routes.install(app)
    stats_routes.install(app)  # after web: its counting middleware is outermost and sees final responses
    from . import generations

    generations.install(app)  # swaps in the index generation a re-ingest stamps, without a restart
    _document_app_errors(app)  # last: it describes every router's routes
    return app
