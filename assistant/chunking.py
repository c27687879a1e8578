"""Structure-aware chunking: law by Điều then khoản, guides by heading, PDFs by page, records whole."""

from __future__ import annotations

import re

from .models import Chunk, Section, Source

MAX_CHARS = 1400
TARGET_CHARS = 1000
_ARTICLE = re.compile(r"^(.*?\bĐiều\s+\d+[a-zđ]?)\b", re.I)
_KHOAN = re.compile(r"^(\d+[a-z]?)\.\s+")  # "2a." is a clause the 2025 amendment inserted


def chunk_source(source: Source) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in source.sections:
        valid = validity(source, section)
        for locator, text in _split_section(source, section):
            chunks.append(Chunk(chunk_id=f"{source.source_id}#{len(chunks)}", source_id=source.source_id,
                                text=text, title=source.title, kind=source.kind, locator=locator,
                                ip_type=source.ip_type, url=source.url, page=section.page, ord=len(chunks),
                                **valid))
    return chunks


def validity(source: Source, section: Section) -> dict[str, str]:
    """A section's dates and version: its own heading attributes, else its document's front matter."""
    out = {}
    for key in ("valid_from", "valid_to", "legal_version", "confidence"):
        value = section.attrs.get(key) if key in section.attrs else source.meta.get(key)
        out[key] = "" if value in (None, "") else str(value)
    return out


def article_locator(heading: str) -> str | None:
    m = _ARTICLE.match(heading.strip())
    return m.group(1).strip(" .:-—") if m else None


def _split_section(source: Source, section: Section) -> list[tuple[str, str]]:
    heading = section.heading_path[-1] if section.heading_path else ""
    body = section.text.strip()
    if source.kind == "record":
        return [(section.locator, body)]
    article = article_locator(heading) if heading else None
    locator = article or section.locator or heading
    head_line = heading if heading else ""
    full = f"{head_line}\n{body}" if head_line else body
    if len(full) <= MAX_CHARS:
        return [(locator, full)]
    if article:
        parts = _split_khoan(body)
        if len(parts) > 1:
            return [(f"{article} khoản {label}", f"{head_line}\n{text}") for label, text in parts]
    return [(locator, f"{head_line}\n{piece}" if head_line else piece) for piece in _windows(body)]


def _split_khoan(body: str) -> list[tuple[str, str]]:
    """Group numbered clauses (khoản) into chunks of about TARGET_CHARS, labelled '2' or '2–4'."""
    clauses: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in body.splitlines():
        m = _KHOAN.match(line.strip())
        if m:
            clauses.append((m.group(1), [line]))
        else:
            clauses[-1][1].append(line)
    intro = "\n".join(clauses[0][1]).strip()
    numbered = [(n, "\n".join(lines).strip()) for n, lines in clauses[1:]]
    if not numbered:
        return []
    groups: list[list[tuple[str, str]]] = [[]]
    size = 0
    for n, text in numbered:
        if groups[-1] and size + len(text) > TARGET_CHARS:
            groups.append([])
            size = 0
        groups[-1].append((n, text))
        size += len(text)
    out = []
    for i, group in enumerate(groups):
        first, last = group[0][0], group[-1][0]
        label = first if first == last else f"{first}–{last}"
        text = "\n".join(t for _, t in group)
        if intro and i == 0:
            text = f"{intro}\n{text}"
        if len(group) == 1 and len(text) > MAX_CHARS:
            out.extend(_split_points(label, text))
        else:
            out.append((label, text))
    return out


_POINT = re.compile(r"^([a-zđ])\)\s+")


def _split_points(khoan: str, text: str) -> list[tuple[str, str]]:
    """A very long khoản splits on its points (a), b) …); each piece keeps the khoản's lead-in."""
    lead: list[str] = []
    points: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        m = _POINT.match(line.strip())
        if m:
            points.append((m.group(1), [line]))
        elif points:
            points[-1][1].append(line)
        else:
            lead.append(line)
    if len(points) < 2:
        return [(khoan, text)]
    head = "\n".join(lead).strip()
    out, cur, size = [], [], 0
    for p, lines in points:
        body = "\n".join(lines).strip()
        if cur and size + len(body) > TARGET_CHARS:
            out.append(cur)
            cur, size = [], 0
        cur.append((p, body))
        size += len(body)
    if cur:
        out.append(cur)
    pieces = []
    for group in out:
        a, b = group[0][0], group[-1][0]
        label = f"{khoan} điểm {a}" if a == b else f"{khoan} điểm {a}–{b}"
        pieces.append((label, (head + "\n" if head else "") + "\n".join(t for _, t in group)))
    return pieces


def _windows(body: str) -> list[str]:
    paras = [p.strip() for p in re.split(r"\n\s*\n|\n(?=[-*•] |\d+\. )", body) if p.strip()]
    out: list[str] = []
    cur = ""
    for p in paras:
        if cur and len(cur) + len(p) > TARGET_CHARS:
            out.append(cur)
            cur = ""
        cur = f"{cur}\n{p}" if cur else p
        while len(cur) > MAX_CHARS:
            cut = cur.rfind(" ", 0, TARGET_CHARS)
            cut = cut if cut > 0 else TARGET_CHARS
            out.append(cur[:cut])
            cur = cur[cut:].strip()
    if cur:
        out.append(cur)
    return out
