"""Web UI: server-rendered pages (jinja2, autoescaped) enhanced by one small vanilla-JS file, security headers
on every response, and the answer-feedback API.

Safety rule: text from the corpus or from users is data, never markup. Templates autoescape; the one place that
emits markup from text (:func:`render_answer`) escapes first and only then adds its own tags; the browser side
builds DOM nodes with ``textContent`` only.
"""

from __future__ import annotations

from datetime import date

import hashlib
import hmac
import json
import logging
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, Sequence
from urllib.parse import quote, urlencode

from fastapi import APIRouter, FastAPI, Path as PathParam, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator
from starlette.datastructures import MutableHeaders

from .deps import AssistantDep, ComputeDep
from .errors import AssistantError, BadInput, Forbidden, NotFound, RateLimited, StoreMissing
from .feedback import FeedbackStore
from .limits import RateLimiter, retry_after
from .models import KINDS
from .text import reflow

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"
LANGS = ("vi", "en")
LANG_COOKIE = "lang"

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
# /docs is Swagger UI from vendored files (static/swagger, see README), started by our own static/docs.js: no
# CDN and no inline script. Swagger UI sets inline styles on its widgets, so only its page allows them.
DOCS_PATHS = ("/docs",)
DOCS_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
SWAGGER_UI_VERSION = "5.35.0"  # npm swagger-ui-dist, files copied into static/swagger/
# Paths that answer JSON; everything else is a page for people and gets its errors as an HTML page.
NON_PAGE_PREFIXES = ("/api/", "/healthz", "/openapi.json", "/docs", "/static/", "/favicon.ico")
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}

EXAMPLES = (
    ("founder", "Làm thế nào để bảo hộ thương hiệu cho sản phẩm của tôi?"),
    ("trainee", "Tài liệu tập huấn An Giang nói gì về thông tin sáng chế?"),
    ("staff", "Thời hạn bảo hộ nhãn hiệu và thủ tục gia hạn?"),
)
RECORD_FIELDS = ("mark", "id", "registration_number", "nice_classes", "goods_services", "owner", "province",
                 "filing_date", "registration_date", "expiry_date", "status")


# --------------------------------------------------------------------------- strings & language
@lru_cache(maxsize=1)
def ui_strings() -> dict[str, dict[str, str]]:
    return json.loads((PACKAGE_DIR / "data" / "ui_strings.json").read_text(encoding="utf-8"))


def resolve_lang(request: Request) -> str:
    """``?lang=`` wins, then the ``lang`` cookie (set by the switch), then Vietnamese."""
    q = request.query_params.get("lang")
    if q in LANGS:
        return q
    c = request.cookies.get(LANG_COOKIE)
    return c if c in LANGS else "vi"


def fmt(template: str, **values: Any) -> str:
    for k, v in values.items():
        template = template.replace("{" + k + "}", str(v))
    return template


# --------------------------------------------------------------------------- security headers
class SecurityHeadersMiddleware:
    """Pure ASGI (so streamed responses pass straight through): adds CSP & co. to every HTTP response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if scope.get("path") in DOCS_PATHS else CSP

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["content-security-policy"] = csp
                for k, v in SECURITY_HEADERS.items():
                    headers[k] = v
            await send(message)

        await self.app(scope, receive, send_with_headers)


# --------------------------------------------------------------------------- helpers shared by pages
def safe_url(url: Any) -> str | None:
    """Only absolute http(s) links from the corpus become hrefs (no javascript:, data:, …)."""
    if isinstance(url, str) and re.match(r"^https?://[^\s<>\"']+$", url.strip(), re.I):
        return url.strip()
    return None


def source_href(source_id: str, locator: str | None = None, anchor: bool = True) -> str:
    href = "/sources/" + quote(source_id, safe="/")
    if locator:
        href += "?" + urlencode({"loc": locator}) + ("#cited" if anchor else "")
    return href


def _norm(text: Any) -> str:
    return " ".join(unicodedata.normalize("NFC", str(text or "")).lower().split())


def _starts_at(candidate: str, key: str) -> bool:
    if not key or not candidate.startswith(key):
        return False
    nxt = candidate[len(key):len(key) + 1]
    return not nxt or not nxt.isalnum()


def match_section(sections: Sequence[dict[str, Any]], locator: str | None) -> int | None:
    """Index of the section a citation points at: its locator/heading (or "trang N") starts with the cited
    locator, or with a shorter head of it ("Điều 93 khoản 6" → "Điều 93"). Word-bounded: "Điều 9" never
    matches "Điều 93". Mirrors ``matchSection`` in static/app.js."""
    words = _norm(locator).split(" ")
    if not words or not words[0]:
        return None
    cands = [[_norm(s.get("locator")), _norm(s.get("heading")), f"trang {s['page']}" if s.get("page") else ""]
             for s in sections]
    for n in range(len(words), min(2, len(words)) - 1, -1):
        key = " ".join(words[:n]).rstrip(".:,;")
        for i, cs in enumerate(cands):
            if any(_starts_at(c, key) for c in cs if c):
                return i
    return None


_BULLET = re.compile(r"^\s*[-*•]\s+(.*)$")
_INLINE = re.compile(r"\*\*([^*\n]+?)\*\*|\[(\d{1,3})\]")


def _inline(text: str, cites: dict[int, dict[str, Any]], t: dict[str, str]) -> Markup:
    out: list[Markup] = []
    last = 0
    for m in _INLINE.finditer(text):
        out.append(escape(text[last:m.start()]))
        if m.group(1) is not None:
            out.append(Markup("<strong>{}</strong>").format(m.group(1)))
        else:
            c = cites.get(int(m.group(2)))
            if c is None:
                out.append(escape(m.group(0)))
            else:
                out.append(Markup('<a class="cite-ref" href="{href}" data-source-id="{sid}" data-locator="{loc}" '
                                  'data-n="{n}" title="{title}" aria-label="{label}">{n}</a>').format(
                    href=source_href(c["source_id"], c.get("locator")), sid=c["source_id"], loc=c.get("locator") or "",
                    n=c["n"], title=f"{c.get('title', '')} — {c.get('locator', '')}",
                    label=f"{fmt(t['source_n'], n=c['n'])}: {c.get('title', '')}"))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def render_answer(text: str, citations: Sequence[dict[str, Any]], lang: str = "vi") -> Markup:
    """Minimal safe markdown: paragraphs, line breaks, "- " lists, **bold**, and [n] as links to the cited
    source. Every piece of text is escaped before any tag is added. Mirrors ``renderMarkdown`` in app.js."""
    t = ui_strings()[lang]
    cites = {int(c["n"]): c for c in citations}
    blocks: list[Markup] = []
    items: list[Markup] = []
    para: list[Markup] = []

    def close_list():
        if items:
            blocks.append(Markup("<ul>{}</ul>").format(Markup("").join(Markup("<li>{}</li>").format(i) for i in items)))
            items.clear()

    def close_para():
        if para:
            blocks.append(Markup("<p>{}</p>").format(Markup("<br>").join(para)))
            para.clear()

    for line in (text or "").split("\n"):
        m = _BULLET.match(line)
        if m:
            close_para()
            items.append(_inline(m.group(1), cites, t))
        elif not line.strip():
            close_list()
            close_para()
        else:
            close_list()
            para.append(_inline(line, cites, t))
    close_list()
    close_para()
    return Markup("").join(blocks)


_CLAUSE = re.compile(r"^(\d+)[.)]\s")
_SUBITEM = re.compile(r"^([-*•+]|[a-zđ]\))\s")
_BULLET_MARK = re.compile(r"^[-*+]\s+")
_KHOAN_LOC = re.compile(r"\bkhoản\s+(\d+)(?:\s*[–-]\s*(\d+))?", re.I)


def cited_clauses(locator: str | None) -> tuple[int, int] | None:
    """"Điều 93 khoản 6" → (6, 6); "Điều 93 khoản 2–4" → (2, 4); no khoản → None."""
    m = _KHOAN_LOC.search(locator or "")
    if not m:
        return None
    first = int(m.group(1))
    return first, int(m.group(2) or first)


def source_blocks(text: str, cited: tuple[int, int] | None = None, reflow_lines: bool = True) -> list[dict[str, Any]]:
    """Display lines of a section: hard wraps joined (``text.reflow``), numbered clauses kept apart and, when a
    khoản range is cited, marked. Mirrors ``sourceBlocks`` in app.js."""
    text = re.sub(r"[ \t]{2,}", " ", text or "")
    lines = reflow(text) if reflow_lines else [ln.strip() for ln in text.splitlines() if ln.strip()]
    blocks = []
    clause: int | None = None
    for line in lines:
        line = _BULLET_MARK.sub("• ", line)
        m = _CLAUSE.match(line)
        if m:
            clause = int(m.group(1))
        elif not _SUBITEM.match(line):
            clause = None
        item = bool(m or _SUBITEM.match(line))
        blocks.append({"html": _inline(line, {}, ui_strings()["vi"]), "item": item,
                       "cited": bool(cited and clause is not None and cited[0] <= clause <= cited[1])})
    return blocks


def source_view(src: dict[str, Any], loc: str | None) -> dict[str, Any]:
    """What the source page shows: sections with display headings and which one is highlighted."""
    sections = src.get("sections") or []
    hi = match_section(sections, loc) if loc else None
    cited = cited_clauses(loc)
    is_record = src.get("kind") == "record"
    out = []
    for i, s in enumerate(sections):
        heading = s.get("heading") or (f"page:{s['page']}" if s.get("page") else s.get("locator") or "")
        out.append({"locator": s.get("locator") or (f"trang {s['page']}" if s.get("page") else ""),
                    "page": s.get("page"), "heading": heading, "highlight": i == hi,
                    "blocks": source_blocks(s.get("text", ""), cited if i == hi else None, not is_record)})
    meta = src.get("meta") or {}
    record = src.get("record")
    rec_rows = []
    if isinstance(record, dict):
        for key in RECORD_FIELDS:
            val = record.get(key)
            if val in (None, "", []):
                continue
            if isinstance(val, list):
                val = ", ".join(str(v) for v in val)
            rec_rows.append({"key": key, "value": str(val), "status": key == "status"})
    return {"source_id": src["source_id"], "title": src.get("title") or src["source_id"], "kind": src.get("kind"),
            "url": safe_url(src.get("url")), "legal_basis": meta.get("legal_basis"),
            "version_date": meta.get("version_date"), "updated": meta.get("updated"), "sections": out,
            "highlight": hi, "record": rec_rows, "sample": bool(isinstance(record, dict) and record.get("sample"))}


def conflict_view(c: dict[str, Any]) -> dict[str, Any]:
    """Tolerant of the trademark engine's field names (it is developed separately)."""
    sim = c.get("similarity", c.get("score"))
    reasons = c.get("reasons") or []
    if isinstance(reasons, str):
        reasons = [reasons]
    classes = c.get("nice_classes") or c.get("classes") or []
    return {"mark": str(c.get("mark") or ""), "record_id": str(c.get("record_id") or c.get("id") or ""),
            "classes": ", ".join(str(x) for x in classes) if isinstance(classes, list) else str(classes),
            "owner": c.get("owner"), "status": c.get("status"), "risk": c.get("risk"),
            "similarity": f"{round(float(sim) * 100)}%" if isinstance(sim, (int, float)) and sim <= 1 else sim,
            "reasons": [str(r) for r in reasons]}


def parse_classes(raw: str) -> list[int]:
    parts = [p for p in re.split(r"[\s,;]+", raw or "") if p]
    if any(not p.isdigit() or not 1 <= int(p) <= 45 for p in parts) or len(parts) > 45:
        raise BadInput("nice_classes")
    return sorted(set(int(p) for p in parts))


# --------------------------------------------------------------------------- feedback API
class CitationRef(BaseModel):
    model_config = ConfigDict(extra="ignore")
    n: StrictInt = Field(ge=1, le=200)
    source_id: StrictStr = Field(min_length=1, max_length=300)
    locator: StrictStr | None = Field(default=None, max_length=300)
    title: StrictStr | None = Field(default=None, max_length=500)


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: StrictStr = Field(min_length=1, max_length=2000)
    answer: StrictStr = Field(min_length=1, max_length=20000)
    rating: Literal["up", "down"]
    comment: StrictStr | None = Field(default=None, max_length=2000)
    citations: list[CitationRef] | None = Field(default=None, max_length=50)
    lang: Literal["vi", "en"] | None = None

    @field_validator("question", "answer")
    @classmethod
    def not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be blank")
        return v.strip()


class FeedbackUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: StrictStr = Field(min_length=8, max_length=100)
    comment: StrictStr | None = Field(default=None, max_length=2000)
    rating: Literal["up", "down"] | None = None


def _feedback_store(request: Request) -> FeedbackStore:
    store = getattr(request.app.state, "feedback", None)
    if store is None:
        raise StoreMissing("the feedback store is not available")
    return store


def client_key(request: Request) -> str:
    """The rate-limit key: the peer address (behind a reverse proxy, limit there too — this sees the proxy)."""
    return request.client.host if request.client else "unknown"


def _rate_limit(request: Request) -> None:
    limiter: RateLimiter | None = getattr(request.app.state, "feedback_limiter", None)
    wait = limiter.check(client_key(request)) if limiter is not None else 0.0  # (an empty one has len 0)
    if wait:
        raise RateLimited("too much feedback from this address; try again shortly", retry_after(wait))


def _require_staff(request: Request) -> None:
    token = request.app.state.assistant.settings.feedback_token
    if not token:
        raise NotFound("feedback listing is disabled: no staff token is configured (IPA_FEEDBACK_TOKEN)")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise Forbidden("a valid staff token is required: Authorization: Bearer <token>")


api = APIRouter(tags=["feedback"])


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    from .api import error_responses

    return error_responses(*codes)


class FeedbackRecorded(BaseModel):
    id: int
    key: str
    status: Literal["recorded"]


class FeedbackUpdated(BaseModel):
    id: int
    status: Literal["updated"]


MAX_FEEDBACK_ID = 2**62  # SQLite rowids are signed 64-bit; a larger id can only be wrong


@api.post("/api/feedback", status_code=201, response_model=FeedbackRecorded,
          responses=_errors(400, 413, 422, 429, 503))
def post_feedback(body: FeedbackIn, request: Request) -> dict[str, Any]:
    """Record a thumbs up/down on an answer. Returns a key that lets the same browser add a comment.
    Rate-limited per client address (429 with `Retry-After`); an entry is at most 32 KB (413)."""
    store = _feedback_store(request)
    _rate_limit(request)
    cits = [c.model_dump() for c in body.citations or []]
    fid, key = store.add(question=body.question, answer=body.answer, rating=body.rating,
                         comment=(body.comment or "").strip() or None, citations=cits, lang=body.lang)
    return {"id": fid, "key": key, "status": "recorded"}


@api.post("/api/feedback/{feedback_id}", tags=["feedback"], response_model=FeedbackUpdated,
          responses=_errors(400, 403, 413, 422, 429, 503))
def update_feedback(feedback_id: Annotated[int, PathParam(ge=1, le=MAX_FEEDBACK_ID)], body: FeedbackUpdate,
                    request: Request) -> dict[str, Any]:
    """Add a comment to (or change the rating of) a vote, with the key returned when it was recorded."""
    if body.comment is None and body.rating is None:
        raise BadInput("nothing to update: give comment and/or rating")
    _rate_limit(request)
    if not _feedback_store(request).update(feedback_id, body.key, comment=(body.comment or "").strip() or None,
                                           rating=body.rating):
        raise Forbidden("unknown feedback id or wrong key")
    return {"id": feedback_id, "status": "updated"}


@api.get("/api/feedback", responses=_errors(403, 404, 422, 503))
def list_feedback(request: Request, limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=10**6),
                  rating: Literal["up", "down"] | None = None) -> dict[str, Any]:
    """Staff only: ``Authorization: Bearer <IPA_FEEDBACK_TOKEN>``."""
    _require_staff(request)
    store = _feedback_store(request)
    return {**store.counts(), "feedback": store.list(limit, offset, rating)}


# --------------------------------------------------------------------------- pages
pages = APIRouter(include_in_schema=False)


def is_page_path(path: str) -> bool:
    return not path.startswith(NON_PAGE_PREFIXES)


def error_page(request: Request, status: int, detail: str, headers: dict[str, str] | None = None) -> Response:
    """A page's error as a page: bad query parameters, unknown paths, oversize form posts (api.py decides)."""
    try:
        resp = render(request, "error.html", status, page="error", status=status, detail=detail)
    except Exception:  # the templates themselves failed: still answer in HTML, never a traceback
        log.exception("cannot render the error page")
        resp = HTMLResponse(f"<!doctype html><title>{status}</title><p>{escape(detail)}</p>", status_code=status)
    if headers:
        resp.headers.update(headers)
    return resp


def _templates(request: Request) -> Jinja2Templates:
    return request.app.state.templates


def render(request: Request, name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    lang = resolve_lang(request)
    strings = ui_strings()
    other = "en" if lang == "vi" else "vi"
    path = request.url.path if request.method == "GET" else "/"
    params = dict(request.query_params) if request.method == "GET" else {}
    params["lang"] = other
    context = {"lang": lang, "t": strings[lang], "strings": strings, "other_lang": other,
               "switch_href": path + "?" + urlencode(params), "path": request.url.path,
               "today": date.today().isoformat(), **ctx}
    resp = _templates(request).TemplateResponse(request, name, context, status_code=status_code)
    if request.query_params.get("lang") in LANGS and request.cookies.get(LANG_COOKIE) != lang:
        resp.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax", path="/")
    return resp


@pages.get("/", response_class=HTMLResponse)
def chat_page(request: Request):
    return render(request, "chat.html", page="chat", turns=[], examples=EXAMPLES)


@pages.get("/ask")
def ask_get():
    return RedirectResponse("/", status_code=303)


@pages.post("/ask", response_class=HTMLResponse)
async def ask(request: Request, assistant: AssistantDep, compute: ComputeDep):
    """The no-JavaScript path: a plain form post answered server-side."""
    form = await request.form()
    question = form.get("question")
    question = question.strip() if isinstance(question, str) else ""
    lang = resolve_lang(request)
    t = ui_strings()[lang]
    if not question:
        return render(request, "chat.html", 422, page="chat", turns=[], examples=EXAMPLES, error=t["error_empty"])
    as_of = form.get("as_of")
    try:
        answer = await compute.run(assistant.chat, question,
                                   as_of=as_of if isinstance(as_of, str) and as_of.strip() else None)
    except AssistantError as exc:
        return render(request, "chat.html", exc.status, page="chat", turns=[], examples=EXAMPLES,
                      error=f"{t['error_prefix']}: {exc.message}", question=question)
    cits = [c.to_dict() for c in answer.citations]
    turn = {"question": question, "answer": answer.answer, "grounded": answer.grounded, "citations": cits,
            "as_of": answer.as_of, "notice": answer.notice,
            "html": render_answer(answer.answer, cits, lang),
            "chips": [{**c, "href": source_href(c["source_id"], c["locator"])} for c in cits]}
    return render(request, "chat.html", page="chat", turns=[turn], examples=EXAMPLES)


@pages.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request, assistant: AssistantDep, kind: str | None = None,
                 q: str | None = Query(None, max_length=200), page: int = Query(1, ge=1, le=10_000)):
    kind = kind if kind in KINDS else None
    q = (q or "").strip() or None
    per_page = 100
    rows = assistant.list_sources(kind, q, per_page + 1, (page - 1) * per_page)
    counts = assistant.catalog.counts() if hasattr(assistant, "catalog") else {}
    tabs = [{"kind": None, "count": counts.get("sources")}] + [
        {"kind": k, "count": counts.get(f"sources_{k}", 0)} for k in KINDS]
    base = {k: v for k, v in {"kind": kind, "q": q}.items() if v}
    return render(request, "sources.html", page="sources", sources=rows[:per_page], kind=kind, q=q or "",
                  tabs=tabs, page_no=page, source_href=source_href,
                  prev_href=("/sources?" + urlencode({**base, "page": page - 1})) if page > 1 else None,
                  next_href=("/sources?" + urlencode({**base, "page": page + 1})) if len(rows) > per_page else None,
                  tab_href=lambda k: "/sources" + ("?" + urlencode({x: y for x, y in {"kind": k, "q": q}.items() if y})
                                                   if (k or q) else ""))


@pages.get("/sources/{source_id:path}", response_class=HTMLResponse)
def source_page(request: Request, source_id: str, assistant: AssistantDep,
                loc: str | None = Query(None, max_length=300)):
    try:
        src = assistant.source(source_id)
    except NotFound:
        return render(request, "not_found.html", 404, page="not_found", what=source_id)
    return render(request, "source.html", page="source", src=source_view(src, loc), loc=loc or "")


@pages.get("/records/{record_id}")
def record_redirect(record_id: str, assistant: AssistantDep):
    """Trademark results link here with a bare record id; find the record's source page."""
    for row in assistant.list_sources("record", record_id, 50, 0):
        if row["source_id"].rsplit("/", 1)[-1] == record_id:
            return RedirectResponse(source_href(row["source_id"]), status_code=303)
    raise NotFound(f"no record with id {record_id!r}")


@pages.get("/trademark", response_class=HTMLResponse)
def trademark_page(request: Request):
    return render(request, "trademark.html", page="trademark", form={}, result=None, error=None)


@pages.post("/trademark", response_class=HTMLResponse)
async def trademark_post(request: Request, assistant: AssistantDep, compute: ComputeDep):
    form = await request.form()
    values = {k: (form.get(k) if isinstance(form.get(k), str) else "") for k in ("mark", "classes", "goods")}
    t = ui_strings()[resolve_lang(request)]
    mark = values["mark"].strip()
    if not mark:
        return render(request, "trademark.html", 422, page="trademark", form=values, result=None,
                      error=f"{t['tm_error']}: {t['tm_mark']}?")
    try:
        classes = parse_classes(values["classes"])
    except BadInput:
        return render(request, "trademark.html", 422, page="trademark", form=values, result=None,
                      error=t["tm_bad_classes"])
    try:
        res = await compute.run(assistant.check_mark, mark[:200], classes or None,
                                values["goods"].strip()[:2000] or None, 10)
    except StoreMissing:
        return render(request, "trademark.html", 503, page="trademark", form=values, result=None,
                      error=t["tm_unavailable"])
    except AssistantError as exc:
        return render(request, "trademark.html", exc.status, page="trademark", form=values, result=None,
                      error=f"{t['tm_error']}: {exc.message}")
    except Exception:  # the engine is young; a failure must still give the user a page, not a traceback
        log.exception("trademark check failed")
        return render(request, "trademark.html", 500, page="trademark", form=values, result=None,
                      error=f"{t['tm_error']}. {t['error_generic']}")
    result = {"mark": res.get("mark", mark), "classes": ", ".join(str(c) for c in res.get("nice_classes") or []),
              "conflicts": [conflict_view(c) for c in res.get("conflicts") or []],
              "suggested": res.get("suggested_classes") or []}
    return render(request, "trademark.html", page="trademark", form=values, result=result, error=None)


# --------------------------------------------------------------------------- install
def _static_versions() -> dict[str, str]:
    out = {}
    for p in STATIC_DIR.glob("*"):
        if p.is_file():
            out[p.name] = hashlib.sha256(p.read_bytes()).hexdigest()[:10]
    return out


def install(app: FastAPI) -> None:
    settings = app.state.assistant.settings
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))  # autoescape is on for .html
    versions = _static_versions()
    templates.env.globals["static_url"] = lambda name: f"/static/{name}?v={versions.get(name, '0')}"
    templates.env.globals["source_href"] = source_href
    templates.env.filters["fmt"] = lambda s, **kw: fmt(s, **kw)
    templates.env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    app.state.templates = templates
    app.state.feedback_limiter = RateLimiter(settings.feedback_per_minute, settings.feedback_burst)
    try:
        app.state.feedback = FeedbackStore(settings.feedback_path, max_rows=settings.feedback_max_rows,
                                           max_bytes=settings.feedback_max_bytes)
    except Exception:  # a read-only store must not take the chat down; POST /api/feedback answers 503
        log.exception("cannot open the feedback store at %s", settings.feedback_path)
        app.state.feedback = None
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    app.include_router(api)
    app.include_router(pages)
    app.add_middleware(SecurityHeadersMiddleware)

    @app.get("/docs", include_in_schema=False)
    def api_docs(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "docs.html", {"title": app.title, "openapi_url": app.openapi_url,
                                                                 "swagger": SWAGGER_UI_VERSION})

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return RedirectResponse(f"/static/favicon.svg?v={versions.get('favicon.svg', '0')}", status_code=301)
