"""Load corpus files into Sources: markdown/text/html by heading, PDF by page, CSV/JSONL by record."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterator

import yaml

from .errors import CorpusFileError
from .models import Section, Source
from .text import load_yaml, nfc

SUFFIXES = {".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".csv", ".jsonl", ".yaml", ".yml"}
FOLDER_KINDS = {"law": "law", "guides": "guide", "guide": "guide", "training": "training", "records": "record", "cards": "card",
                "record": "record"}
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
# "## Điều 119. … {valid_from=2026-04-01 confidence=medium}": a section's own validity (corpus/README.md).
_HEADING_ATTRS = re.compile(r"\s*\{((?:\s*\w+=(?:\"[^\"]*\"|[^\s{}\"]*))+)\s*\}\s*$")
_ATTR = re.compile(r"(\w+)=(?:\"([^\"]*)\"|([^\s{}\"]*))")
VALIDITY_KEYS = ("valid_from", "valid_to", "legal_version", "confidence")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def heading_attrs(heading: str) -> tuple[str, dict[str, str]]:
    """Split '… {valid_from=2026-04-01 amended_by="Luật 131/2025/QH15"}' into the heading and its attributes."""
    m = _HEADING_ATTRS.search(heading)
    if not m:
        return heading, {}
    attrs = {k: (q if q is not None and q != "" else v) for k, q, v in _ATTR.findall(m.group(1))}
    for key in ("valid_from", "valid_to"):
        if attrs.get(key) and not _ISO_DAY.match(attrs[key]):
            raise ValueError(f"heading {heading!r}: {key} must be YYYY-MM-DD")
    return heading[:m.start()].rstrip(), attrs


def iter_corpus_files(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix.lower() in SUFFIXES and not _ignored(path.relative_to(root)):
            yield path


def _ignored(rel: Path) -> bool:
    # README.md, CROSSCHECK.md …: upper-case names document the corpus; they are not part of it.
    return any(p.startswith((".", "_")) for p in rel.parts) or (rel.stem.isupper() and rel.suffix.lower() == ".md")


def source_id_for(path: Path, root: Path) -> str:
    rel = path.relative_to(root) if root.is_dir() else Path(path.name)
    return rel.with_suffix("").as_posix()


def default_kind(source_id: str) -> str:
    head = source_id.split("/", 1)[0]
    return FOLDER_KINDS.get(head, "guide")


def load_file(path: Path, root: Path) -> list[Source]:
    """One file → one or more Sources. Raises CorpusFileError for anything unreadable or empty."""
    sid = source_id_for(path, root)
    suffix = path.suffix.lower()
    try:
        if suffix == ".pdf":
            sources = [_load_pdf(path, sid)]
        elif suffix in (".yaml", ".yml"):
            from .cards import load_cards

            sources = load_cards(_read_text(path), path, sid)
        elif suffix in (".csv", ".jsonl"):
            sources = _load_records(path, sid)
        else:
            raw = _read_text(path)
            if suffix in (".html", ".htm"):
                raw = _html_to_markdown(raw)
            sources = [_load_markdown(raw, path, sid)]
    except CorpusFileError:
        raise
    except Exception as exc:  # a broken file must not stop the rest of the corpus
        raise CorpusFileError(str(path), f"{type(exc).__name__}: {exc}") from exc
    sources = [s for s in sources if any(sec.text.strip() for sec in s.sections)]
    if not sources:
        raise CorpusFileError(str(path), "no text could be extracted (empty file?)")
    return sources


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise CorpusFileError(str(path), "binary content in a text file")
    try:
        return nfc(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise CorpusFileError(str(path), f"not valid UTF-8 ({exc.reason} at byte {exc.start})") from exc


def _front_matter(raw: str) -> tuple[dict[str, Any], str]:
    m = _FRONT.match(raw)
    if not m:
        return {}, raw
    try:
        meta = load_yaml(m.group(1)) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"front matter is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise ValueError("front matter must be a mapping")
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in meta.items()}, raw[m.end():]


def _load_markdown(raw: str, path: Path, sid: str) -> Source:
    meta, body = _front_matter(raw)
    title = str(meta.get("title") or "")
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    buf: list[str] = []

    attrs_of: dict[int, dict[str, str]] = {}

    def flush() -> None:
        text = "\n".join(buf).strip()
        buf.clear()
        if text:
            heading = stack[-1][1] if stack else ""
            # A dated heading dates everything under it, unless a deeper heading says otherwise.
            attrs: dict[str, str] = {}
            for level, _ in stack:
                attrs.update(attrs_of.get(level, {}))
            sections.append(Section(text=text, locator=heading, heading_path=tuple(h for _, h in stack),
                                    attrs=attrs))

    for line in body.splitlines():
        m = _HEADING.match(line)
        if m:
            flush()
            level, (heading, attrs) = len(m.group(1)), heading_attrs(m.group(2).strip())
            attrs_of[level] = attrs
            if level == 1 and not title:
                title = heading
                continue
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, heading))
            continue
        buf.append(line)
    flush()
    if not title:
        first = next((s.text.splitlines()[0] for s in sections if s.text), path.stem)
        title = first[:120]
    return Source(source_id=sid, title=title, kind=str(meta.get("kind") or default_kind(sid)), path=str(path),
                  sections=sections, ip_type=meta.get("ip_type"), url=meta.get("source_url") or meta.get("url"),
                  meta=meta)


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self.out.append("\n" + "#" * int(tag[1]) + " ")
        elif tag in ("p", "div", "br", "li", "tr"):
            self.out.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif re.fullmatch(r"h[1-6]", tag) or tag in ("p", "li"):
            self.out.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.out.append(data)


def _html_to_markdown(raw: str) -> str:
    parser = _HTMLText()
    parser.feed(raw)
    text = "".join(parser.out)
    return re.sub(r"\n{3,}", "\n\n", html.unescape(text))


def _load_pdf(path: Path, sid: str) -> Source:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(path.read_bytes()))
        pages = [nfc(p.extract_text() or "") for p in reader.pages]
        info = reader.metadata or {}
    except PdfReadError as exc:
        raise CorpusFileError(str(path), f"not a readable PDF ({exc})") from exc
    meta: dict[str, Any] = {str(k).lstrip("/").lower(): str(v) for k, v in dict(info).items()}
    sidecar = path.with_suffix(".meta.json")
    if sidecar.exists():
        meta.update(json.loads(sidecar.read_text(encoding="utf-8")))
    pages = _strip_running_lines(pages)
    sections = [Section(text=t.strip(), locator=f"trang {i}", page=i) for i, t in enumerate(pages, 1) if t.strip()]
    title = _deck_title(meta.get("title") or path.stem, meta)
    return Source(source_id=sid, title=title, kind=meta.get("kind") or default_kind(sid), path=str(path),
                  sections=sections, ip_type=meta.get("ip_type"), url=meta.get("source_url"), meta=meta)


def _deck_title(title: str, meta: dict[str, Any]) -> str:
    """A training deck is cited with its place and date: 'Khai thác … (An Giang, 21/04/2023)'."""
    place = str(meta.get("place") or "")
    when = str(meta.get("event_date") or "")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", when):
        y, m, d = when.split("-")
        when = f"{d}/{m}/{y}"
    parts = [p for p in (place if place and "không" not in place.lower() else "", when) if p]
    return f"{title} ({', '.join(parts)})" if parts and not any(p in title for p in parts) else title


def _strip_running_lines(pages: list[str]) -> list[str]:
    """Drop running headers/footers ("<deck> — trang 3"): lines that recur, digits aside, on most pages."""
    if len(pages) < 3:
        return pages
    shape = lambda line: re.sub(r"\d+", "#", line.strip())  # noqa: E731
    counts: dict[str, int] = {}
    for page in pages:
        for key in {shape(line) for line in page.splitlines() if line.strip()}:
            counts[key] = counts.get(key, 0) + 1
    exact: dict[str, int] = {}
    for page in pages:
        for line in {line.strip() for line in page.splitlines() if line.strip()}:
            exact[line] = exact.get(line, 0) + 1
    running = {k for k, n in counts.items() if n >= 0.6 * len(pages)}
    # A recurring line is running matter when it is the same everywhere or carries its page's number.
    return ["\n".join(line for line in page.splitlines()
                      if not (shape(line) in running and (exact[line.strip()] >= 0.6 * len(pages)
                                                          or re.search(rf"\b{i}\b", line))))
            if page.strip() else page for i, page in enumerate(pages, 1)]


# --- records -----------------------------------------------------------------------------------

_RECORD_LABELS = {
    "mark": "Nhãn hiệu", "name": "Tên", "product": "Sản phẩm", "title": "Tên", "registration_number": "Số văn bằng",
    "nice_classes": "Nhóm Nice", "goods_services": "Hàng hóa/dịch vụ", "owner": "Chủ sở hữu",
    "applicant": "Người nộp đơn", "holder": "Tổ chức quản lý", "inventors": "Tác giả", "ipc": "Phân loại IPC",
    "locarno_class": "Phân loại Locarno", "province": "Tỉnh/thành", "filing_date": "Ngày nộp đơn",
    "registration_date": "Ngày cấp", "grant_date": "Ngày cấp", "registration_year": "Năm đăng ký",
    "expiry_date": "Ngày hết hạn", "status": "Tình trạng", "abstract": "Tóm tắt", "description": "Mô tả",
    "note": "Ghi chú",
}
STATUS_VI = {"pending": "đang xử lý", "registered": "đã cấp văn bằng, còn hiệu lực", "refused": "bị từ chối",
             "withdrawn": "đã rút đơn", "expired": "hết hiệu lực", "terminated": "bị chấm dứt hiệu lực",
             "invalidated": "bị hủy bỏ hiệu lực"}
_TYPE_VI = {"trademark": "Nhãn hiệu", "patent": "Sáng chế", "utility_solution": "Giải pháp hữu ích",
            "design": "Kiểu dáng công nghiệp", "gi": "Chỉ dẫn địa lý"}


def _load_records(path: Path, sid: str) -> list[Source]:
    raw = _read_text(path)
    rows: list[dict[str, Any]] = []
    if path.suffix.lower() == ".jsonl":
        for n, line in enumerate(raw.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusFileError(str(path), f"line {n}: invalid JSON ({exc.msg})") from exc
            if not isinstance(obj, dict):
                raise CorpusFileError(str(path), f"line {n}: a record must be a JSON object")
            rows.append(obj)
    else:
        rows = [dict(r) for r in csv.DictReader(io.StringIO(raw))]
        for r in rows:
            if isinstance(r.get("nice_classes"), str):
                r["nice_classes"] = [int(x) for x in re.findall(r"\d+", r["nice_classes"])]
    sources = []
    seen: set[str] = set()
    for n, rec in enumerate(rows, 1):
        rid = str(rec.get("id") or "").strip()
        if not rid:
            raise CorpusFileError(str(path), f"record {n} has no id")
        if rid in seen:
            raise CorpusFileError(str(path), f"duplicate record id {rid}")
        seen.add(rid)
        sources.append(record_source(rec, f"{sid}/{rid}", str(path)))
    return sources


def record_name(rec: dict[str, Any]) -> str | None:
    """What the record is called (a mark, an invention's title, a GI's name), without its type."""
    name = rec.get("mark") or rec.get("title") or rec.get("name")
    return str(name) if name else None


def record_title(rec: dict[str, Any]) -> str:
    ip_type = rec.get("ip_type") or "trademark"
    label = _TYPE_VI.get(ip_type, "Hồ sơ")
    name = record_name(rec) or rec.get("id")
    if ip_type == "gi" and rec.get("product"):
        return f"{label} “{name}” cho sản phẩm {rec['product']}"
    return f"{label} “{name}”"


def record_text(rec: dict[str, Any]) -> str:
    """One readable statement per record: it is quoted whole when cited."""
    fields = []
    for key, label in _RECORD_LABELS.items():
        val = rec.get(key)
        if val in (None, "", []):
            continue
        if key == "status":
            val = STATUS_VI.get(str(val), val)
        elif isinstance(val, list):
            val = ", ".join(str(v) for v in val)
        fields.append(f"{label}: {val}")
    sample = "[Dữ liệu mẫu — không phải hồ sơ thật] " if rec.get("sample") else ""
    return f"{sample}{record_title(rec)} (số {rec.get('id')}): " + "; ".join(fields) + "."


def record_source(rec: dict[str, Any], sid: str, path: str) -> Source:
    locator = f"Số đơn {rec['id']}" if rec.get("ip_type") != "gi" else f"CDĐL {rec.get('registration_number') or rec['id']}"
    return Source(source_id=sid, title=record_title(rec), kind="record", path=path,
                  sections=[Section(text=record_text(rec), locator=locator)], ip_type=rec.get("ip_type") or "trademark",
                  url=rec.get("url"), meta={"record": rec})
