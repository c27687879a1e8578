"""Nice class suggestion for a goods/services description, in Vietnamese or English.

Vietnamese: whole-word phrase matching against the project's own term list per class
(``data/nice_terms_vi.json``); longer, more specific phrases win and a phrase inside a longer matched
phrase counts little ('quán cà phê' → 43 before 30). Accent-insensitive for multi-word terms, and for
all terms when the description is typed without diacritics.
English: matching against the NCL 10-2015 goods/services list (``data/nice_en.json``) plus a few
everyday aliases.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

__all__ = ["suggest_classes", "class_heading"]

_WORD = re.compile(r"[^\W_]+")
_FOLD = {ord("đ"): "d", ord("Đ"): "D"}
_EN_STOP = frozenset(
    "a an and or of for the in on to with by from as at other than not being its their be is are "
    "made use used purposes purpose parts thereof all kinds such these this into".split())


@lru_cache(maxsize=None)
def _data(name: str) -> dict:
    return json.loads(resources.files("assistant.data").joinpath(name).read_text(encoding="utf-8"))


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFD", text.translate(_FOLD))
    return unicodedata.normalize("NFC", "".join(c for c in text if unicodedata.category(c) != "Mn"))


def _tokens(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFC", text or "").lower())


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@dataclass(frozen=True, slots=True)
class _Term:
    text: str
    norm: tuple[str, ...]
    folded: tuple[str, ...]
    classes: tuple[int, ...]
    note: str | None = None


@lru_cache(maxsize=1)
def _vi_terms() -> dict[str, list[_Term]]:
    """Terms indexed by their first word (as written and folded)."""
    d = _data("nice_terms_vi.json")
    terms: list[_Term] = []
    for num, c in d["classes"].items():
        for t in c["terms"]:
            toks = tuple(_tokens(t))
            terms.append(_Term(t, toks, tuple(_fold(x) for x in toks), (int(num),)))
    for m in d.get("multi", []):
        toks = tuple(_tokens(m["term"]))
        terms.append(_Term(m["term"], toks, tuple(_fold(x) for x in toks), tuple(m["classes"]), m.get("why")))
    by_first: dict[str, list[_Term]] = {}
    for t in terms:
        by_first.setdefault(t.norm[0], []).append(t)
        if t.folded[0] != t.norm[0]:
            by_first.setdefault(t.folded[0], []).append(t)
    return by_first


@lru_cache(maxsize=1)
def _en_index() -> tuple[list[tuple[int, str, frozenset[str], bool]], dict[str, list[int]]]:
    """English entries (class, text, stemmed words, from-NCL) and a word → entries index.
    A negative class number marks an alias's secondary class."""
    d = _data("nice_en.json")
    items: list[tuple[int, str, frozenset[str], bool]] = []
    for num, c in d["classes"].items():
        for desc in c["items"]:
            toks = frozenset(_stem(t) for t in _tokens(desc) if t not in _EN_STOP)
            if toks:
                items.append((int(num), desc, toks, True))
    for a in _data("nice_terms_vi.json").get("en_aliases", []):
        toks = frozenset(_stem(t) for t in _tokens(a["term"]) if t not in _EN_STOP)
        for i, num in enumerate(a["classes"]):
            items.append((-int(num) if i else int(num), a["term"], toks, False))
    index: dict[str, list[int]] = {}
    for i, (_, _, toks, _) in enumerate(items):
        for t in toks:
            index.setdefault(t, []).append(i)
    return items, index


def class_heading(number: int, lang: str = "vi") -> str:
    """Short heading of a Nice class: Vietnamese (project wording) or English (NCL 10-2015)."""
    if lang == "en":
        return _data("nice_en.json")["classes"][str(int(number))]["heading"]
    return _data("nice_terms_vi.json")["classes"][str(int(number))]["heading"]


def _short_heading(number: int, width: int = 60) -> str:
    h = class_heading(number)
    if len(h) <= width:
        return h
    cut = h[:width].rsplit(",", 1)[0].rsplit(";", 1)[0].rstrip(" ,;")
    return cut + "…"


def _vi_matches(tokens: list[str]) -> list[tuple[int, int, _Term, bool]]:
    """(start, end, term, exact-accents) for every term found as a whole-word sequence."""
    folded = [_fold(t) for t in tokens]
    accented = any(a != b for a, b in zip(tokens, folded))
    by_first = _vi_terms()
    found = []
    for i in range(len(tokens)):
        seen = set()
        for key in (tokens[i], folded[i]):
            for term in by_first.get(key, ()):
                if id(term) in seen:
                    continue
                seen.add(id(term))
                n = len(term.norm)
                if i + n > len(tokens):
                    continue
                if tuple(tokens[i:i + n]) == term.norm:
                    found.append((i, i + n, term, True))
                elif tuple(folded[i:i + n]) == term.folded and (n > 1 or not accented):
                    found.append((i, i + n, term, False))
    return found


def suggest_classes(text: str, limit: int = 5) -> list[dict]:
    """Likely Nice classes for a goods/services description, best first: [{"class": 43, "why": "…"}]."""
    tokens = _tokens(text)
    if not tokens or limit <= 0:
        return []
    best: dict[int, tuple[float, str]] = {}
    hits: dict[int, int] = {}

    def offer(num: int, score: float, why: str) -> None:
        hits[num] = hits.get(num, 0) + 1
        if num not in best or score > best[num][0]:
            best[num] = (score, why)

    matches = _vi_matches(tokens)
    accented = any(t != _fold(t) for t in tokens)
    for start, end, term, exact in matches:
        inside = any(s <= start and end <= e and (e - s) > (end - start) for s, e, _, _ in matches)
        if inside and (end - start == 1 or (accented and not exact)):
            continue  # 'lịch' inside 'du lịch', 'quan' (quần) inside 'quan ca phe': not a separate product
        score = (end - start) + (0.5 if exact else 0.0)
        if inside:
            score *= 0.3
        for rank, num in enumerate(term.classes):
            s = score * (1.0 - 0.05 * rank)
            why = f"Khớp '{term.text}' — Nhóm {num}: {_short_heading(num)}"
            if term.note:
                why += f" ({term.note})"
            offer(num, s, why)

    items, index = _en_index()
    q = {_stem(t) for t in tokens if t not in _EN_STOP}
    cand: set[int] = set()
    for t in q:
        cand.update(index.get(t, ()))
    for i in cand:
        num, desc, toks, from_ncl = items[i]
        overlap = len(q & toks)
        score = overlap * (overlap / len(toks)) ** 0.5 * (overlap / len(q)) ** 0.5
        if score < 0.5:
            continue
        secondary = num < 0
        num = abs(num)
        if secondary:
            score *= 0.95
        source = "mục Nice (tiếng Anh, NCL 10-2015)" if from_ncl else "cụm từ tiếng Anh"
        offer(num, score, f"Khớp {source} '{desc}' — Nhóm {num}: {_short_heading(num)}")

    ranked = sorted(best.items(), key=lambda kv: (-(kv[1][0] + 0.02 * min(hits[kv[0]], 10)), kv[0]))
    return [{"class": num, "why": why} for num, (_, why) in ranked[:limit]]
