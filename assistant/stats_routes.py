"""Usage statistics over HTTP: the counting middleware, ``GET /api/stats`` (staff token), and the ``/stats`` page.

The middleware is pure ASGI so streamed answers pass straight through. It looks at what a request *was* (route,
status, content type) and, for answers, at the JSON or SSE body the client receives (``grounded``, ``understood``),
then records one event after the response is complete. It never stores the client address or the cookie id: a
visitor is reduced to a keyed hash at once (see :mod:`assistant.stats`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import time
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.datastructures import MutableHeaders

from . import charts
from .dashboard import parse_day, to_csv
from .errors import AssistantError, StoreMissing, Unauthorized
from .stats import StatsStore

log = logging.getLogger(__name__)

VISITOR_COOKIE = "ipa_vid"
STAFF_COOKIE = "ipa_staff"
NOT_COUNTED = ("/static/", "/api/stats", "/stats", "/healthz", "/favicon", "/docs", "/redoc", "/openapi.json")
QUESTION_PATHS = {"/api/chat": "json", "/api/chat/stream": "sse", "/ask": "form"}
TRADEMARK_PATHS = ("/api/trademark/check", "/trademark")
MAX_CAPTURE = 512_000  # bytes of a request or answer body looked at; beyond that the event is still counted


def _event_kind(method: str, path: str) -> str | None:
    if path.startswith(NOT_COUNTED):
        return None
    if method == "GET":
        return "pageview"  # counted only if the response turns out to be an HTML page
    if method != "POST":
        return None
    if path in QUESTION_PATHS:
        return "question"
    if path in TRADEMARK_PATHS:
        return "trademark_check"
    if path == "/api/advice":  # a draft; /api/advice/export only re-renders one
        return "advice_draft"
    if path == "/api/feedback":
        return "feedback"
    return None


def _cookie(headers: list[tuple[bytes, bytes]], name: str) -> str | None:
    for k, v in headers:
        if k == b"cookie":
            for part in v.decode("latin-1").split(";"):
                key, _, val = part.strip().partition("=")
                if key == name and re.fullmatch(r"[A-Za-z0-9_-]{10,64}", val):
                    return val
    return None


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str:
    for k, v in headers:
        if k == name:
            return v.decode("latin-1")
    return ""


def _answer_facts(body: bytes, mode: str) -> dict[str, Any]:
    """grounded / understood from a chat response as the client got it; {} when it cannot be read."""
    try:
        if mode == "json":
            data = json.loads(body)
        elif mode == "sse":
            data = {}
            for block in body.decode("utf-8", "replace").split("\n\n"):
                if block.startswith("event: done"):
                    line = next((ln for ln in block.split("\n") if ln.startswith("data: ")), None)
                    data = json.loads(line[6:]) if line else {}
        else:
            return {}
    except (ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(data, dict):
        return {}
    understood = data.get("understood") if isinstance(data.get("understood"), dict) else {}
    grounded = data.get("grounded")
    return {"grounded": grounded if isinstance(grounded, bool) else None,
            "objects": understood.get("objects") or [], "facets": understood.get("facets") or [],
            "jurisdiction": understood.get("jurisdiction")}


def _request_text(body: bytes, content_type: str, field: str) -> str | None:
    try:
        if content_type.startswith("application/json"):
            data = json.loads(body)
            value = data.get(field) if isinstance(data, dict) else None
        elif content_type.startswith("application/x-www-form-urlencoded"):
            value = (parse_qs(body.decode("utf-8", "replace")).get(field) or [None])[0]
        else:
            return None
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, str) else None


class StatsMiddleware:
    def __init__(self, app, store: StatsStore, visitor_id: str = "cookie", store_questions: bool = False):
        self.app = app
        self.store = store
        self.visitor_id = visitor_id
        self.store_questions = store_questions

    async def __call__(self, scope, receive, send):
        kind = _event_kind(scope.get("method", ""), scope.get("path", "")) if scope["type"] == "http" else None
        if kind is None:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path = scope["path"]
        headers = scope.get("headers") or []
        state: dict[str, Any] = {"status": 0, "html": False, "body": bytearray(), "req": bytearray(),
                                 "new_cookie": None}
        capture_answer = kind == "question" and QUESTION_PATHS.get(path) in ("json", "sse")
        capture_request = kind == "feedback" or (kind == "question" and self.store_questions)

        async def receive_wrapper():
            message = await receive()
            if capture_request and message["type"] == "http.request" and len(state["req"]) < MAX_CAPTURE:
                state["req"] += message.get("body", b"")[:MAX_CAPTURE]
            return message

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                out = MutableHeaders(scope=message)
                state["html"] = out.get("content-type", "").startswith("text/html")
                if kind == "pageview" and state["html"] and message["status"] == 200 and self.visitor_id == "cookie" \
                        and not _cookie(headers, VISITOR_COOKIE):
                    state["new_cookie"] = secrets.token_urlsafe(16)
                    secure = "; Secure" if scope.get("scheme") == "https" else ""
                    out.append("set-cookie", f"{VISITOR_COOKIE}={state['new_cookie']}; Max-Age=34560000; Path=/; "
                                             f"HttpOnly; SameSite=Lax{secure}")
            elif message["type"] == "http.response.body":
                if capture_answer and len(state["body"]) < MAX_CAPTURE:
                    state["body"] += message.get("body", b"")[:MAX_CAPTURE]
                if not message.get("more_body", False):
                    await send(message)
                    self._record(kind, path, headers, state, (time.perf_counter() - started) * 1000, scope)
                    return
            await send(message)

        await self.app(scope, receive_wrapper, send_wrapper)

    def _record(self, kind: str, path: str, headers, state: dict[str, Any], ms: float, scope) -> None:
        status = state["status"]
        try:
            if kind == "pageview":
                if status != 200 or not state["html"]:
                    return
                if self.visitor_id == "cookie":
                    cid = state["new_cookie"] or _cookie(headers, VISITOR_COOKIE)
                    visitor, first = self.store.visitor_hash("c:" + cid), state["new_cookie"] is not None
                else:  # the address only ever enters the HMAC; it is not kept
                    client = (scope.get("client") or ("", 0))[0]
                    visitor = self.store.visitor_hash(f"a:{client}|{_header(headers, b'user-agent')}")
                    first = None
                self.store.record("pageview", path=_route(path), visitor=visitor, first_visit=first)
            elif not 200 <= status < 300:
                return
            elif kind == "question":
                facts = _answer_facts(bytes(state["body"]), QUESTION_PATHS[path])
                question = None
                if self.store_questions:
                    question = _request_text(bytes(state["req"]), _header(headers, b"content-type"), "question")
                self.store.record("question", path=path, grounded=facts.get("grounded"),
                                  objects=facts.get("objects", ()), facets=facts.get("facets", ()),
                                  jurisdiction=facts.get("jurisdiction"), latency_ms=ms, question=question)
            elif kind == "feedback":
                rating = _request_text(bytes(state["req"]), _header(headers, b"content-type"), "rating")
                self.store.record("feedback", path=path, rating=rating)
            else:
                self.store.record(kind, path=path)
        except Exception:  # statistics must never break a response that has already been sent
            log.exception("could not record a usage event")


def _route(path: str) -> str:
    """The page, not the item: /sources/law/x → /sources, so raw events carry no free text from URLs."""
    head = "/" + path.strip("/").split("/", 1)[0]
    return head if head != "/" else "/"


# --------------------------------------------------------------------------- staff access
def _staff_token(request: Request) -> str | None:
    s = request.app.state.assistant.settings
    return s.staff_token or s.feedback_token


def _session_value(token: str) -> str:
    # The cookie holds a keyed digest, never the token itself.
    return hmac.new(token.encode(), b"ipa-staff-session", hashlib.sha256).hexdigest()


def is_staff(request: Request) -> bool:
    token = _staff_token(request)
    if not token:
        return False
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return True
    cookie = request.cookies.get(STAFF_COOKIE, "")
    return bool(cookie) and hmac.compare_digest(cookie.encode(), _session_value(token).encode())


def require_staff(request: Request) -> None:
    if not _staff_token(request):
        raise Unauthorized("usage statistics are closed: no staff token is configured (IPA_STAFF_TOKEN)")
    if not is_staff(request):
        raise Unauthorized("a valid staff token is required: Authorization: Bearer <token>")


def _store(request: Request) -> StatsStore:
    store = getattr(request.app.state, "stats", None)
    if store is None:
        raise StoreMissing("usage statistics are off or their store is not available")
    return store


# --------------------------------------------------------------------------- API
class StatsFigures(BaseModel):
    visitors: int
    first_time_visitors: int
    page_views: int
    questions: int
    grounded_rate: float | None
    trademark_checks: int
    advice_drafts: int
    feedback_up: int
    feedback_down: int
    feedback_ratio: float | None
    latency_p50_ms: float | None
    latency_p95_ms: float | None


class StatsRow(StatsFigures):
    period: str


class StatsTotals(StatsFigures):
    feedback_per_question: float | None
    dropped_events: int
    by_object: dict[str, int]
    by_facet: dict[str, int]
    by_jurisdiction: dict[str, int]


class HistoryRow(BaseModel):
    period: str
    source: str
    visitors: int | None
    first_time_visitors: int | None
    page_views: int | None
    note: str | None


class StatsOut(BaseModel):
    from_: str = Field(alias="from", serialization_alias="from")
    to: str
    granularity: Literal["day", "month"]
    as_of: str
    rows: list[StatsRow]
    totals: StatsTotals
    history: list[HistoryRow]


FromQ = Annotated[str | None, Query(alias="from", max_length=10, description="YYYY[-MM[-DD]]; default: 30 days or "
                                                                             "12 months back")]
ToQ = Annotated[str | None, Query(alias="to", max_length=10, description="YYYY[-MM[-DD]]; default: today")]
Gran = Annotated[str, Query(max_length=10, description="day | month")]

router = APIRouter(tags=["stats"])
_UNAUTH = {401: {"description": "no valid staff token"}}


def _summary(request: Request, start: str | None, end: str | None, granularity: str) -> dict[str, Any]:
    require_staff(request)
    return _store(request).summary(parse_day(start, "from"), parse_day(end, "to", end=True), granularity)


@router.get("/api/stats", response_model=StatsOut, response_model_by_alias=True, responses=_UNAUTH)
def api_stats(request: Request, start: FromQ = None, end: ToQ = None, granularity: Gran = "day") -> dict[str, Any]:
    """Staff only (``Authorization: Bearer <IPA_STAFF_TOKEN>``): visitors, first-time visitors and page views per
    day or month, questions, grounded rate, answers by IP object and facet, trademark checks, advice drafts,
    feedback and latency; plus imported platform history (IPPlatform 2023)."""
    return _summary(request, start, end, granularity)


@router.get("/api/stats.csv", response_class=Response, responses={**_UNAUTH, 200: {"content": {"text/csv": {}}}})
def api_stats_csv(request: Request, start: FromQ = None, end: ToQ = None, granularity: Gran = "day") -> Response:
    data = _summary(request, start, end, granularity)
    cols = ["period", *StatsFigures.model_fields]
    return Response(to_csv(data["rows"], cols), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename=stats-{granularity}.csv"})


# --------------------------------------------------------------------------- pages
pages = APIRouter(include_in_schema=False)


def _render(request: Request, status: int = 200, **ctx: Any) -> HTMLResponse:
    from .dashboard_routes import strings
    from .web import render, resolve_lang

    return render(request, "stats.html", status, page="stats", d=strings()[resolve_lang(request)], **ctx)


@pages.get("/stats", response_class=HTMLResponse)
def stats_page(request: Request, start: str | None = Query(None, alias="from", max_length=10),
               end: str | None = Query(None, alias="to", max_length=10),
               granularity: str = Query("month", max_length=10)):
    form = {"from": start or "", "to": end or "", "granularity": granularity}
    if not is_staff(request):
        return _render(request, 401, form=form, data=None, error=None, need_token=True)
    try:
        data = _summary(request, start, end, granularity)
    except AssistantError as exc:
        return _render(request, exc.status, form=form, data=None, error=exc.message, need_token=False)
    from .dashboard_routes import strings
    from .web import resolve_lang

    d = strings()[resolve_lang(request)]
    labels = [r["period"] for r in data["rows"]]
    chart = charts.line_chart(labels, [(d["visitors"], [r["visitors"] for r in data["rows"]]),
                                       (d["first_time_visitors"], [r["first_time_visitors"] for r in data["rows"]]),
                                       (d["page_views"], [r["page_views"] for r in data["rows"]])],
                              d["stats_title"], "chart-usage")
    hist = [h for h in data["history"] if len(h["period"]) == 7]
    hist_chart = None
    if hist:
        year = hist[0]["period"][:4]
        months = [f"{year}-{m:02d}" for m in range(1, 13)]
        by = {h["period"]: h for h in data["history"]}
        hist_chart = charts.line_chart(months, [(d[k], [(by.get(m) or {}).get(k) for m in months])
                                                for k in ("visitors", "first_time_visitors", "page_views")],
                                       d["history"], "chart-history")
    csv_href = "/api/stats.csv?" + urlencode({k: v for k, v in form.items() if v})
    return _render(request, form=form, data=data, error=None, need_token=False, chart=chart, hist_chart=hist_chart,
                   csv_href=csv_href)


@pages.post("/stats/login")
async def stats_login(request: Request):
    """The staff token typed into the form becomes an HttpOnly session cookie holding its keyed digest."""
    form = await request.form()
    given = form.get("token")
    token = _staff_token(request)
    if not token or not isinstance(given, str) or not hmac.compare_digest(given.strip().encode(), token.encode()):
        return _render(request, 401, form={"granularity": "month"}, data=None, error="invalid token", need_token=True)
    resp = RedirectResponse("/stats", status_code=303)
    resp.set_cookie(STAFF_COOKIE, _session_value(token), max_age=8 * 3600, httponly=True, samesite="strict",
                    path="/", secure=request.url.scheme == "https")
    return resp


def install(app: FastAPI) -> None:
    """Open the stats store, add the counting middleware (outermost, so it sees final responses) and routes."""
    settings = app.state.assistant.settings
    app.state.stats = None
    if settings.stats_enabled:
        try:
            app.state.stats = StatsStore(settings.stats_path, settings.stats_retention_days,
                                         settings.stats_max_events_per_day, settings.stats_store_questions)
        except Exception:  # a read-only store must not take the chat down; /api/stats answers 503
            log.exception("cannot open the usage-statistics store at %s", settings.stats_path)
    if app.state.stats is not None:
        app.add_middleware(StatsMiddleware, store=app.state.stats, visitor_id=settings.stats_visitor_id,
                           store_questions=settings.stats_store_questions)
    app.include_router(router)
    app.include_router(pages)
