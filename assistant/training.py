"""Training materials: the 2023 events with their decks, a page reader, and review questions drawn from the pages.

Events are the training decks in the catalog (PDFs under corpus/training/, each with a ``.meta.json`` sidecar
carrying date, place and audience from the IPPlatform 2023 report). An event's id is its deck's file stem, so
``Filters(events=(id,))`` restricts retrieval to that deck. :func:`review_items` is a pure function of a deck's
pages: it picks key figures, defined terms and steps, each with its answer and the page it comes from.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from .errors import NotFound
from .text import fold

REPORT_SOURCE_ID = "training/ipplatform-2023"
MAX_REVIEW = 10
MIN_REVIEW = 5


@dataclass(slots=True)
class ReviewItem:
    kind: str  # figure | term | step | basis
    question: str
    answer: str
    page: int
    source_id: str
    locator: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------- events
def event_id(source_id: str) -> str:
    return source_id.rsplit("/", 1)[-1]


def is_deck(src: Any) -> bool:
    return src is not None and src.kind == "training" and any(s.page for s in src.sections)


def event_of(src: Any) -> dict[str, Any]:
    meta = src.meta or {}
    date = str(meta.get("event_date") or "") or None
    place = str(meta.get("place") or "") or None
    return {"id": event_id(src.source_id), "date": date, "place": place,
            "title": str(meta.get("event") or src.title), "deck_title": src.title,
            "audience": str(meta.get("audience") or "") or None, "organiser": str(meta.get("organiser") or "") or None,
            "source_id": src.source_id, "pages": sum(1 for s in src.sections if s.page),
            "note": str(meta.get("note") or "") or None}


def _date_key(ev: dict[str, Any]) -> str:
    # Undated events ("2023") sort after the dated ones of that year.
    d = ev.get("date") or "9999"
    return d if len(d) == 10 else d + "-99-99"


def list_events(catalog) -> list[dict[str, Any]]:
    """Every training deck in the catalog as an event, by date."""
    out = []
    for row in catalog.list_sources("training", None, 500, 0):
        src = catalog.source(row["source_id"])
        if is_deck(src):
            out.append(event_of(src))
    return sorted(out, key=lambda e: (_date_key(e), e["id"]))


def deck(catalog, ev_id: str):
    """The deck Source of an event id; NotFound for anything else (ids are catalog keys, never paths)."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,150}", ev_id or ""):
        raise NotFound(f"no training event {ev_id!r}")
    src = catalog.source(f"training/{ev_id}")
    if not is_deck(src):
        raise NotFound(f"no training event {ev_id!r}")
    return src


def deck_pdf(src, catalog=None, corpus_dir: Path | None = None) -> Path | None:
    """The deck's PDF on disk: the catalogued path, relative to the root it was ingested from (an empty root is
    the corpus folder setting, as in ingest)."""
    p = Path(src.path)
    candidates = [p]
    if catalog is not None and not p.is_absolute():
        row = catalog.files().get(src.path)
        root = row.get("root") if row else None
        if root:
            candidates.append(Path(root) / p if Path(root).is_dir() else Path(root))
        elif corpus_dir is not None:
            candidates.append(Path(corpus_dir) / p)
    for c in candidates:
        if c.suffix.lower() == ".pdf" and c.is_file():
            return c
    return None


def event_for_question(folded_question: str, events: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The one event a question names by its place or its title ("tài liệu An Giang", "khóa huấn luyện Trạm
    IPPlatform"), or None when it names none or several. For the chat composer to scope retrieval."""
    q = f" {' '.join(fold(folded_question).split())} "
    found = []
    for ev in events:
        place = fold(ev.get("place") or "")
        names = [p for p in (place,) if p and "khong neu" not in p]
        title = fold(ev.get("title") or "")
        m = re.search(r"[“\"](.+?)[”\"]", ev.get("title") or "")
        if m:
            names.append(fold(m.group(1)))
        elif title:
            names.append(title)
        if any(f" {n} " in q or (len(n) > 20 and n in q) for n in names):
            found.append(ev)
    return found[0] if len(found) == 1 else None


# --------------------------------------------------------------------------- review items
_BULLET = re.compile(r"^\s*(?:[•\-–*]|\d{1,2}[.)])\s+")
_FIGURE = re.compile(r"(?<![\w/])(\d+(?:[.,]\d+)*)\s*(%|năm|tháng|ngày làm việc|ngày|giờ|tuần|lần|trang|phần|lớp|"
                     r"nhóm|điểm|đồng|triệu đồng|tỷ đồng|bước|tiêu chí|trạm|doanh nghiệp|lượt|người|đại biểu|sở|khách|đơn)(?!\w)",
                     re.IGNORECASE)
# "Tổng số khách truy cập: 232.576" — a count after its label, no unit word.
_COUNT = re.compile(r"(?<=:\s)(\d{1,3}(?:\.\d{3})+)(?![\w.,])")
_TERM = re.compile(r"^(?P<term>[^.;:()]{2,60}?)\s+(?:là|được hiểu là|gọi là)\s+(?P<def>.{15,})$")
_STEP_HEAD = re.compile(r"(quy trình|các bước|bước|trình tự|thủ tục|cách |how to|steps?)", re.IGNORECASE)
_STEP_LINE = re.compile(r"^\s*(?:bước\s*\d+|\d{1,2}[.)])\s*[:.\-–]?\s*", re.IGNORECASE)
_RUNNING = re.compile(r"—\s*trang\s+\d+\s*$")
# "X có thể là", "X chỉ là": a remark, not a definition.
_HEDGE = re.compile(r"(?<!\w)(có thể|chỉ|cũng|đều|không|trực tiếp|thường|phải|sẽ|đã)$", re.IGNORECASE)
_ADMIN = re.compile(r"^(sự kiện|địa điểm|thời gian|đơn vị tổ chức|tài liệu do)\b", re.IGNORECASE)


def page_units(text: str) -> list[str]:
    """A deck page as its heading plus bullet items, wrapped lines joined back together."""
    units: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or _RUNNING.search(line):
            continue
        if _BULLET.match(line) or _STEP_LINE.match(line) or not units:
            units.append(line)
        else:
            units[-1] = f"{units[-1]} {line}"
    return [" ".join(u.split()) for u in units]


def _clean(unit: str) -> str:
    return _BULLET.sub("", unit).strip()


def _short_heading(h: str) -> str:
    return h.rstrip(" :.").strip()


def _figure_item(unit: str, page: int, sid: str) -> ReviewItem | None:
    text = _clean(unit)
    m = _FIGURE.search(text)
    if _ADMIN.match(text) or len(text) > 400:
        return None
    if m:
        figure = m.group(1) + ("" if m.group(2) == "%" else " ") + m.group(2)
    else:
        m = _COUNT.search(text)
        if not m:
            return None
        figure = m.group(1)
    blank = text[:m.start()] + "____" + text[m.start() + len(m.group(1)):]
    return ReviewItem("figure", f"Điền số còn thiếu: “{blank}”", f"{figure} — {text}", page, sid,
                      f"trang {page}")


def _term_item(unit: str, page: int, sid: str) -> ReviewItem | None:
    text = _clean(unit)
    m = _TERM.match(text)
    if not m:
        return None
    term = m.group("term").strip()
    if len(term.split()) > 8 or "," in term or _ADMIN.match(term) or _HEDGE.search(term):
        return None
    return ReviewItem("term", f"{term} là gì?", text, page, sid, f"trang {page}")


_BASIS = re.compile(r"\((?P<basis>(?:[^()]*?\b)?(?:Điều|khoản)\s+\d+[^()]*?(?:Luật|Nghị định|Thông tư)[^()]*)\)\s*$")


def _basis_item(unit: str, page: int, sid: str) -> ReviewItem | None:
    """A bullet ending in its legal basis: ask for the basis."""
    text = _clean(unit)
    m = _BASIS.search(text)
    if not m or len(text) > 400:
        return None
    claim = text[:m.start()].rstrip(" ;,.—-")
    if len(claim) < 25:
        return None
    return ReviewItem("basis", f"Quy định nào là căn cứ của nội dung sau: “{claim}”?", m.group("basis").strip(),
                      page, sid, f"trang {page}")


def _step_item(units: list[str], page: int, sid: str) -> ReviewItem | None:
    if not units:
        return None
    heading = _short_heading(units[0])
    steps = [_clean(_STEP_LINE.sub("", u)) for u in units[1:] if _STEP_LINE.match(u)]
    if len(steps) < 2 and _STEP_HEAD.search(heading) and len(units) >= 3:
        steps = [_clean(u) for u in units[1:]]
    if len(steps) < 2 or not _STEP_HEAD.search(heading):
        return None
    answer = "; ".join(f"({i}) {s}" for i, s in enumerate(steps, 1))
    return ReviewItem("step", f"Nêu các bước: {heading}", answer, page, sid, f"trang {page}")


def review_items(pages: Iterable[tuple[int, str]], source_id: str, limit: int = MAX_REVIEW) -> list[ReviewItem]:
    """Review questions from a deck's pages: steps, defined terms and key figures, each citing its page.

    Candidates are taken page by page; the pick rotates over the three kinds so a deck yields a mix, at most
    two items per page (more on a deck with few content pages), at most ``limit`` in all, returned in page order;
    a deck short of five is filled with "which rule says so?" questions from bullets that end in their legal
    basis. The title page (event facts) is skipped.
    """
    by_kind: dict[str, list[ReviewItem]] = {"step": [], "term": [], "figure": [], "basis": []}
    for page, text in pages:
        units = page_units(text or "")
        if not units or page == 1:
            continue
        step = _step_item(units, page, source_id)
        if step:
            by_kind["step"].append(step)
        for u in units[1:]:
            term = _term_item(u, page, source_id)
            if term:
                by_kind["term"].append(term)
            # A defining sentence can carry a figure too; it then serves either question, not both.
            fig = None if term else _figure_item(u, page, source_id)
            if fig:
                by_kind["figure"].append(fig)
            basis = None if term or fig else _basis_item(u, page, source_id)
            if basis:
                by_kind["basis"].append(basis)
    picked: list[ReviewItem] = []
    per_page: dict[int, int] = {}
    seen: set[str] = set()
    queues = [list(by_kind["step"]), list(by_kind["term"]), list(by_kind["figure"])]
    per_page_cap = 2
    pending = sum(len(q) for q in queues)
    if pending and len({it.page for q in queues for it in q}) * 2 < min(MIN_REVIEW, pending):
        per_page_cap = 4  # a deck with few content pages still gets its five questions
    while len(picked) < limit and any(queues):
        for q in queues:
            while q:
                it = q.pop(0)
                if per_page.get(it.page, 0) >= per_page_cap or it.answer in seen:
                    continue
                picked.append(it)
                seen.add(it.answer)
                per_page[it.page] = per_page.get(it.page, 0) + 1
                break
            if len(picked) >= limit:
                break
    # Legal-basis questions only fill a deck that has too few figures, terms and steps.
    for it in by_kind["basis"]:
        if len(picked) >= min(MIN_REVIEW, limit):
            break
        if per_page.get(it.page, 0) < 2:
            picked.append(it)
            per_page[it.page] = per_page.get(it.page, 0) + 1
    return sorted(picked, key=lambda i: (i.page, ("step", "term", "figure", "basis").index(i.kind)))


def deck_pages(src) -> list[tuple[int, str]]:
    return [(s.page, s.text) for s in src.sections if s.page]
