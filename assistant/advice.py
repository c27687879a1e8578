"""Advice letters (văn bản tư vấn) for station staff, assembled from cited sources, records and the fee table.

Nothing here states a fact of its own. Each factual paragraph is a sentence selected from a retrieved passage
(law, guide), a record (the mark pre-check, the GI register) or the fee estimate, and carries the numbers of
the citations it comes from. The framing sentences (addressee, subject, "Căn cứ nội dung yêu cầu…") are jinja2
macros in prompts/advice/sentences.j2; which IP objects to consider and what to look up for each is data in
data/advice_text.json. Passages that do not state the rule in force on ``as_of`` are never used.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import jinja2

from . import fees
from .errors import BadInput
from .models import Hit
from .retrieve import Filters
from .text import fold, words

ROOT = Path(__file__).resolve().parent.parent
PROMPTS = ROOT / "prompts" / "advice"
DATA = Path(__file__).resolve().parent / "data"
LAW_131_IN_FORCE = date(2026, 4, 1)

SECTIONS = (("header", "Thông tin chung"), ("addressee", "Kính gửi"), ("request", "Nội dung yêu cầu"),
            ("objects", "Đối tượng sở hữu trí tuệ phù hợp"), ("precheck", "Tra cứu sơ bộ nhãn hiệu"),
            ("conditions", "Điều kiện bảo hộ"), ("documents", "Hồ sơ cần chuẩn bị"),
            ("steps", "Trình tự, thủ tục và thời hạn"), ("fees", "Phí, lệ phí dự kiến"),
            ("risks", "Rủi ro và khuyến nghị"), ("legal_basis", "Căn cứ pháp lý"), ("signature", "Ký tên"))


@lru_cache(maxsize=1)
def text_data() -> dict[str, Any]:
    return json.loads((DATA / "advice_text.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _macros():
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(PROMPTS)), autoescape=False,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=False)
    return env.get_template("sentences.j2").module


def frame(name: str, *args: Any) -> str:
    """A framing sentence from prompts/advice/sentences.j2."""
    return " ".join(str(getattr(_macros(), name)(*args)).split())


@lru_cache(maxsize=1)
def _md_template():
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(PROMPTS)), autoescape=False)
    return env.get_template("letter.md.j2")


# --------------------------------------------------------------------------- provinces
@lru_cache(maxsize=1)
def _provinces() -> dict[str, dict[str, str]]:
    """Folded name or alias → {"name": as written, "current": the province after the 2025 merger}."""
    data = json.loads((DATA / "provinces.json").read_text(encoding="utf-8"))
    out: dict[str, dict[str, str]] = {}
    for p in data["provinces_2025"]:
        out[fold(p["name"])] = {"name": p["name"], "current": p["name"]}
        for old in p["merged_from"]:
            out.setdefault(fold(old), {"name": old, "current": p["name"]})
    for canon, aliases in (data.get("aliases") or {}).items():
        target = out.get(fold(canon))
        if target:
            for a in aliases:
                out.setdefault(fold(a), target)
    return out


_PROVINCE_PREFIX = re.compile(r"^(tinh|thanh pho|tp\.?)\s+")


def resolve_province(name: str) -> dict[str, str]:
    key = " ".join(fold(name or "").replace("–", "-").split())
    table = _provinces()
    found = table.get(key) or table.get(_PROVINCE_PREFIX.sub("", key))
    if not found:
        raise BadInput(f"unknown province {name!r}; use a Vietnamese province or centrally-run city name")
    return found


# --------------------------------------------------------------------------- citations
@dataclass
class Citations:
    items: list[dict[str, Any]] = field(default_factory=list)
    _index: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, source_id: str, title: str, kind: str, locator: str, snippet: str, url: str | None = None,
            note: str | None = None) -> int:
        key = (source_id, locator)
        if key not in self._index:
            self._index[key] = len(self.items) + 1
            self.items.append({"n": len(self.items) + 1, "source_id": source_id, "title": title, "kind": kind,
                               "locator": locator, "snippet": " ".join(snippet.split())[:280], "url": url,
                               **({"note": note} if note else {})})
        return self._index[key]

    def hit(self, hit: Hit) -> int:
        c = hit.chunk
        return self.add(c.source_id, c.title, c.kind, c.locator, c.text, c.url)


def para(text: str, cites: Sequence[int] = ()) -> dict[str, Any]:
    return {"text": " ".join(text.split()), "cites": sorted(set(cites))}


# --------------------------------------------------------------------------- sentence selection
_SPLIT = re.compile(r"(?<=[.;!?])\s+(?=[A-ZĐÀ-Ỹ0-9“\"(])|\n+")
_LIST_MARK = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)]|[a-zđ][.)])\s+")


def sentences(text: str) -> list[str]:
    """A passage as sentences and list items, list markers and markdown emphasis removed."""
    out = []
    for piece in _SPLIT.split(text or ""):
        s = _LIST_MARK.sub("", piece).replace("**", "").strip()
        # Headings (no final stop), lead-ins cut from their list (":") and short fragments say nothing alone.
        if 40 <= len(s) <= 600 and len(s.split()) >= 10 and s[-1] in ".;!?":
            out.append(s[:-1] + "." if s.endswith(";") else s)
    return out


def _terms(text: str) -> set[str]:
    w = words(fold(text))
    return set(w) | {f"{a} {b}" for a, b in zip(w, w[1:])}


def pick(query: str, hits: Sequence[Hit], n: int, used: set[str], must: str | None = None) -> list[tuple[str, Hit]]:
    """The n sentences of the hits that share most words and word pairs with the query, one hit rank apart;
    with ``must`` (an accent-folded term), only sentences that define it: "<term> … là …"."""
    q = _terms(query)
    scored = []
    for rank, hit in enumerate(hits):
        for i, s in enumerate(sentences(hit.chunk.text)):
            if s in used or (must and not re.match(re.escape(must) + r"(\s*\([^)]*\))?\s+la\s", fold(s))):
                continue
            t = _terms(s)
            overlap = len(q & t)
            if overlap < 3:
                continue
            scored.append((overlap / math.sqrt(len(t) + 4) - 0.05 * rank - 0.01 * i, s, hit))
    scored.sort(key=lambda x: -x[0])
    out = []
    for _, s, hit in scored:
        if len(out) >= n:
            break
        if s not in used:
            used.add(s)
            out.append((s, hit))
    return out


def _valid(hit: Hit, day: str) -> bool:
    valid_on = getattr(hit.chunk, "valid_on", None)
    return valid_on(day) if callable(valid_on) else True


# --------------------------------------------------------------------------- objects
def _padded(*parts: str | None) -> str:
    """Accent-folded words of the parts, space-padded so phrases match on word boundaries."""
    return f" {' '.join(words(fold(' '.join(x for x in parts if x))))} "


def detect_objects(request: str, goods: str | None, mark: str | None) -> list[str]:
    """The IP objects the request calls for, in the order of data/advice_text.json."""
    text = _padded(request, goods)
    objs = [key for key, o in text_data()["objects"].items() if any(f" {w} " in text for w in o["words"])]
    if mark and "trademark" not in objs and "collective_mark" not in objs:
        objs.insert(0, "trademark")
    return objs or list(text_data()["default_objects"])


def gi_records(assistant, request: str, goods: str | None) -> list[dict[str, Any]]:
    """Registered GIs whose name and product both appear in the request (e.g. 'nước mắm Phú Quốc')."""
    text = _padded(request, goods)
    out = []
    for rec in assistant.catalog.records("gi"):
        name, product = fold(rec.get("name") or ""), fold(rec.get("product") or "")
        name, product = " ".join(words(name)), " ".join(words(product))
        if name and f" {name} " in text and (not product or product.split()[0] in text.split()):
            out.append(rec)
    return out[:3]


# --------------------------------------------------------------------------- the draft
def _date_vi(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def draft(assistant, enterprise: dict[str, Any], request: str, *, mark: str | None = None, goods: str | None = None,
          nice_classes: Sequence[int] | None = None, as_of: date | None = None,
          station: str | None = None) -> dict[str, Any]:
    """The structured advice draft: sections of paragraphs with citation numbers, the citations, warnings."""
    name = " ".join(str(enterprise.get("name") or "").split())
    if not name:
        raise BadInput("enterprise.name must be a non-empty string")
    request = " ".join((request or "").split())
    if not request:
        raise BadInput("request must be a non-empty string")
    if len(request) > text_data()["max_request_chars"]:
        raise BadInput(f"request is longer than {text_data()['max_request_chars']} characters")
    province = resolve_province(str(enterprise.get("province") or ""))
    sector = " ".join(str(enterprise.get("sector") or "").split()) or None
    mark = " ".join((mark or "").split()) or None
    goods = " ".join((goods or "").split()) or None
    classes = sorted(set(nice_classes or []))
    if any(not 1 <= c <= 45 for c in classes):
        raise BadInput("nice_classes must be integers from 1 to 45")
    day = as_of or date.today()
    iso = day.isoformat()
    station = " ".join((station or "").split()) or f"Trạm IPPlatform {province['current']}"

    cites = Citations()
    warnings: list[str] = []
    used: set[str] = set()
    objects = detect_objects(request, goods, mark)
    gis = gi_records(assistant, request, goods)
    if gis and "gi" not in objects:
        objects.append("gi")  # a product already registered as a GI: its use is part of the advice
    odata = text_data()["objects"]
    labels = ", ".join(odata[o]["label"] for o in objects)
    per = int(text_data()["sentences_per_section"])

    def look(query: str, obj: str, n: int = per, must: str | None = None) -> list[dict[str, Any]]:
        ip_types = tuple(odata[obj]["ip_types"])
        hits = assistant.retriever.retrieve(query, 8, Filters(kinds=tuple(text_data()["legal_kinds"]),
                                                              ip_types=ip_types))
        hits = [h for h in hits if _valid(h, iso)]
        return [para(s, [cites.hit(h)]) for s, h in pick(query, hits, n, used, must)]

    sections: dict[str, list[dict[str, Any]]] = {k: [] for k, _ in SECTIONS}
    province_label = province["current"] + (f" (trước đây {province['name']})" if province["name"] != province["current"]
                                             else "")
    sections["header"] = [para(frame("header", station, province_label, _date_vi(day)))]
    sections["addressee"] = [para(frame("addressee", name)), para(frame("subject", labels))]
    sections["request"] = [para(frame("request_intro", name, sector)), para(f"“{request}”")]
    if mark:
        sections["request"].append(para(frame("request_mark", mark, goods)))
    elif goods:
        sections["request"].append(para(frame("request_goods", goods)))

    sections["objects"].append(para(frame("objects_intro", labels)))
    for obj in objects:
        q = odata[obj]["queries"].get("definition")
        found = look(q, obj, 1, must=fold(odata[obj]["label"])) if q else []
        if found:
            sections["objects"].append(para(frame("object_lead", odata[obj]["label"]) + " " + found[0]["text"],
                                            found[0]["cites"]))
    for rec in gis:
        hit = assistant._record_hit(rec.get("id"))
        n = [cites.hit(hit)] if hit else []
        label = f"{rec.get('product', '')} {rec.get('name', '')}".strip()
        sections["objects"].append(para(frame("gi_record", label), n))

    # Pre-check of the named mark against the records (sample data for trademarks: said so, every time).
    conflicts: list[dict[str, Any]] = []
    if mark:
        res = assistant.check_mark(mark, classes or None, goods, 5)
        classes = classes or list(res.get("nice_classes") or [])
        conflicts = res.get("conflicts") or []
        sections["precheck"].append(para(frame("precheck_intro", mark, ", ".join(map(str, classes)))))
        for c in conflicts:
            hit = assistant._record_hit(c["record_id"])
            n = [cites.hit(hit)] if hit else []
            sections["precheck"].append(para(frame("precheck_line", c["mark"], c["record_id"], c.get("risk"),
                                                   c.get("similarity"), "; ".join(c.get("reasons") or [])), n))
        if not conflicts:
            sections["precheck"].append(para(frame("precheck_none", mark)))
        sections["precheck"].append(para(frame("sample_note")))
        warnings.append(frame("sample_note"))
    else:
        sections["precheck"].append(para(frame("precheck_no_mark")))

    for key in ("conditions", "documents", "steps"):
        for obj in objects:
            q = odata[obj]["queries"].get(key)
            if q:
                sections[key] += look(q, obj)

    # Fees: the trademark estimate when a mark (or a brand) is asked for.
    if "trademark" in objects or "collective_mark" in objects:
        sections["fees"] = _fee_paragraphs(cites, classes, goods, day)

    if mark:
        high = any(c.get("risk") in ("high", "cao") for c in conflicts)
        sections["risks"].append(para(frame("risk_high" if high else "risk_low", mark),
                                      sorted({n for p in sections["precheck"] for n in p["cites"]})))
    sections["risks"].append(para(frame("advice_general")))
    sections["risks"].append(para(frame("as_of_note", _date_vi(day))))

    # Legal basis: the law and guide sources cited above; and the sources' own notes on Law 131/2025.
    sections["legal_basis"].append(para(frame("legal_basis_intro")))
    for c in cites.items:
        if c["kind"] in ("law", "guide"):
            sections["legal_basis"].append(para(f"{c['title']}" + (f" — {c['locator']}" if c["locator"] else ""),
                                                [c["n"]]))
    if day >= LAW_131_IN_FORCE:
        for sid in dict.fromkeys(c["source_id"] for c in cites.items if c["kind"] in ("law", "guide")):
            src = assistant.catalog.source(sid)
            note = (src.meta or {}).get("note_131_2025") if src else None
            if note and note not in warnings:
                warnings.append(str(note))
    sections["signature"] = [para(frame("signature", station)), para(frame("disclaimer"))]

    out = []
    for i, (key, title) in enumerate(SECTIONS, 1):
        out.append({"key": key, "number": i, "title": title, "paragraphs": sections[key]})
    return {"title": frame("subject", labels), "sections": out, "citations": cites.items, "as_of": iso,
            "warnings": warnings, "objects": objects, "enterprise": {"name": name, "province": province["current"],
                                                                      "sector": sector},
            "mark": mark, "nice_classes": classes}


def _fee_paragraphs(cites: Citations, classes: Sequence[int], goods: str | None, day: date) -> list[dict[str, Any]]:
    k = max(1, len(classes))
    items = [g for g in re.split(r"[;,]", goods or "") if g.strip()]
    if len(classes) == 1 and items:
        per_class, note = [len(items)], None
    else:
        per_class = [fees.FREE_PER_CLASS] * k
        note = frame("fee_assumed") if classes else frame("fee_no_classes")
    try:
        est = fees.estimate("trademark", "filing", products_per_class=per_class, as_of=day)
        grant = fees.estimate("trademark", "grant", products_per_class=per_class, as_of=day)
    except BadInput:  # a date before the fee table: say so rather than guess an older schedule
        return [para(frame("fee_unavailable", _date_vi(day)))]
    n = cites.add(est.source["source_id"], est.source["title"], "law", est.source["locator"],
                  "; ".join(fees.summary_lines(est)))
    out = [para(frame("fee_intro", "nhãn hiệu", k, ", ".join(map(str, per_class)) + " sản phẩm, dịch vụ"), [n])]
    if note:
        out.append(para(note))
    out += [para(line, [n]) for line in fees.summary_lines(est)]
    out.append(para("Khi được cấp văn bằng: " + "; ".join(fees.summary_lines(grant)), [n]))
    return out + [para(x, [n]) for x in est.notes]


def to_markdown(d: dict[str, Any]) -> str:
    return _md_template().render(**d).strip() + "\n"
