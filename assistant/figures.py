"""Figures in text — quantities, amounts, dates, article references, numbers — read as values, not strings.

Shared by the generative guard (assistant/generate.py) and the answer-card validator (assistant/cards.py):
a statement may carry a figure only if one of its sources states the same figure. Comparing values rather
than substrings is the point: "1 năm" must not pass because a source says "10 năm", while "mười năm",
"10 years" and "10 năm" are the same figure, and so are "1.000.000 đồng", "1 triệu đồng" and "VND 1 million".

Vietnamese with or without diacritics and English are read alike. Which law an article belongs to is not
compared (a source naming "Điều 93" supports "Article 93" of any act): the sources are already restricted
to the corpus, and telling acts apart would need more than figures.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

__all__ = ["Figure", "extract", "unsupported", "supports"]


@dataclass(frozen=True)
class Figure:
    kind: str  # "quantity" | "date" | "article" | "amount" | "number"
    value: str | float  # quantity/amount/number: float; date: "yyyy-mm-dd"; article: "93(6)(a)"; doc no.: "131/2025/qh15"
    unit: str | None  # quantity: year, month, week, day, working_day, hour, percent, times; amount: VND, USD
    text: str  # as written

    def __str__(self) -> str:
        return self.text


# --- folding: lower case, no diacritics, same length as the NFC text so spans map back to what was written

def _fold_char(c: str) -> str:
    if c in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", c)[0]
    low = base.lower()
    return low if len(low) == 1 else base


class _FoldTable(dict):
    """ord → folded char, filled on first sight, for str.translate (one C call per text, not one per char)."""

    def __missing__(self, code: int) -> str:
        self[code] = folded = _fold_char(chr(code))
        return folded


_FOLD_TABLE = _FoldTable()


def _fold(text: str) -> str:
    return text.translate(_FOLD_TABLE)


def _has_diacritics(text: str) -> bool:
    return any(ord(c) > 127 and c.isalpha() for c in text)


# --- number words (only read when a unit follows: "ba" alone is not a figure)

_VI_DIGITS = {"không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "lăm": 5,
              "nhăm": 5, "sáu": 6, "bảy": 7, "bẩy": 7, "tám": 8, "chín": 9}
_VI_TENS = {"mười": 10}
_VI_MULT = {"mươi": 10, "trăm": 100, "nghìn": 1000, "ngàn": 1000}
_VI_SKIP = {"linh", "lẻ"}
_EN_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
             "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
             "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
             "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100}
_VI_ALL = {**_VI_DIGITS, **_VI_TENS, **_VI_MULT, **{w: 0 for w in _VI_SKIP}}
_FOLDED_VI = {_fold(w) for w in _VI_ALL}
_NUMWORD = "|".join(sorted({*_FOLDED_VI, *_EN_WORDS}, key=len, reverse=True))


def _words_value(words: list[str], accented: bool) -> float | None:
    """The value of a run of number words, or None when it is not one (e.g. "sau" = after, not "sáu")."""
    if all(w in _EN_WORDS for w in words):
        total = 0.0
        for w in words:
            total = (total or 1) * 100 if w == "hundred" else total + _EN_WORDS[w]
        return total
    # In accented text the word must be spelled as the number ("sáu", not "sau"); unaccented text is folded.
    table = _VI_ALL if accented else {_fold(w): v for w, v in _VI_ALL.items()}
    words = words if accented else [_fold(w) for w in words]
    if any(w not in table for w in words):
        return None
    total, group, prev_digit = 0, 0, False
    for w in words:
        f = _fold(w)
        if f in ("linh", "le"):
            continue
        if f == "muoi":
            # "hai mươi" = 20 (after a digit), "mười" = 10 (alone)
            group = group * 10 if prev_digit else group + 10
            prev_digit = False
        elif f == "tram":
            group, prev_digit = (group or 1) * 100, False
        elif f in ("nghin", "ngan"):
            total, group, prev_digit = total + (group or 1) * 1000, 0, False
        else:
            group, prev_digit = group + table[w], True
    return float(total + group)


# --- plain numbers: "1.000.000" and "1,000,000" are a million; "1,5" and "1.5" one and a half

_NUM = r"\d+(?:[.,]\d+)*"


def _number(s: str) -> float:
    parts = re.split(r"[.,]", s)
    if len(parts) == 1:
        return float(s)
    if all(len(p) == 3 for p in parts[1:]):
        return float("".join(parts))  # thousands separators
    if len(parts) == 2:
        return float(f"{parts[0]}.{parts[1]}")  # decimal comma or point
    return float("".join(parts[:-1]) + "." + parts[-1])


# --- units (folded spellings)

_UNITS = [
    ("working_day", r"ngay lam viec|working days?|business days?"),
    ("year", r"nam|years?|yrs?"),
    ("month", r"thang|months?"),
    ("week", r"tuan|weeks?"),
    ("day", r"ngay|days?"),
    ("hour", r"gio|hours?"),
    ("percent", r"%|phan tram|percent|per cent"),
    ("times", r"lan|times"),
]
_UNIT_RE = "|".join(f"(?P<u_{name}>{pat})" for name, pat in _UNITS)
_MULTS = {"nghin": 1e3, "ngan": 1e3, "thousand": 1e3, "trieu": 1e6, "million": 1e6, "mn": 1e6,
          "ty": 1e9, "ti": 1e9, "billion": 1e9, "bn": 1e9}
_MULT_RE = r"nghin|ngan|thousand|trieu|million|mn|ty|ti|billion|bn"
_CUR = {"dong": "VND", "d": "VND", "vnd": "VND", "vnđ": "VND", "usd": "USD", "$": "USD", "us$": "USD"}
_CUR_RE = r"dong|vnd|usd|us\$|\$|d"

_MONTHS = {m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                       "september", "october", "november", "december"], 1)}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))

_B = r"(?<![\w.,/])"  # a figure starts at a word boundary, not inside "10.5" or "131/2025"
_E = r"(?![\w/])"
_RANGE_SEP = r"\s*(?:-|–|—|,|den|toi|hoac|va|to|or|and)\s*"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # Legal document numbers: "131/2025/QH15", "65/2023/NĐ-CP", "Law 131/2025/QH15".
    ("doc", re.compile(_B + r"(\d+/\d{4}/[a-z][a-z0-9]*(?:-[a-z0-9]+)*)" + r"(?![\w-])")),
    # Dates.
    ("iso", re.compile(_B + r"(\d{4})-(\d{1,2})-(\d{1,2})" + _E)),
    ("dmy", re.compile(_B + r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})" + _E)),
    ("vi_date", re.compile(r"(?:ngay\s+)?" + _B + r"(\d{1,2})\s+thang\s+(\d{1,2})\s*(?:nam|,|/)\s*(\d{4})" + _E)),
    ("en_dmy", re.compile(_B + r"(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(" + _MONTH_RE + r")\.?,?\s+(\d{4})" + _E)),
    ("en_mdy", re.compile(r"\b(" + _MONTH_RE + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})" + _E)),
    # Article references, clause and point in either order.
    ("art_vi_rev", re.compile(r"(?:diem\s+([a-z])\s*,?\s+)?khoan\s+(\d+)\s*,?\s+(?:cua\s+)?dieu\s+(\d+)" + _E)),
    ("art_vi", re.compile(r"\bdieu\s+(\d+)(?:\s*\((\d+)\)(?:\s*\(([a-z])\))?|\.(\d+)|\s*,?\s+khoan\s+(\d+)"
                          r"(?:\s*,?\s+diem\s+([a-z])\b)?)?" + _E)),
    ("art_en_rev", re.compile(r"(?:(?:point|item)\s+\(?([a-z])\)?\s*,?\s+(?:of\s+)?)?(?:clause|paragraph)\s+(\d+)"
                              r"\s*,?\s+(?:of\s+)?(?:article|art\.?)\s+(\d+)" + _E)),
    ("art_en", re.compile(r"\b(?:article|art\.)\s*(\d+)(?:\s*\((\d+)\)(?:\s*\(([a-z])\))?|\.(\d+)|\s*,?\s+"
                          r"(?:clause|paragraph)\s+(\d+)(?:\s*,?\s+point\s+([a-z])\b)?)?" + _E)),
    # Money: "1.000.000 đồng", "1 triệu đồng", "VND 1 million", "1,5 tỷ VNĐ", "150.000đ", "US$ 20".
    ("amount_pre", re.compile(r"(?<![\w])(vnd|usd|us\$|\$)\s*(" + _NUM + r")(?:\s*(" + _MULT_RE + r")\b)?")),
    ("amount", re.compile(_B + r"(" + _NUM + r")(?:\s*(" + _MULT_RE + r"))?\s*(" + _CUR_RE + r")(?![\w])")),
    # Quantities, ranges included: "10 năm", "12-18 tháng", "30 ngày làm việc", "50%", "2 lần".
    ("quantity", re.compile(_B + r"(" + _NUM + r"(?:" + _RANGE_SEP + _NUM + r")*)\s*(?:" + _UNIT_RE + r")"
                            r"(?![\w])(?!(?<=thang)\s*\d)")),
    ("quantity_words", re.compile(r"\b((?:" + _NUMWORD + r")(?:\s+(?:" + _NUMWORD + r"))*)\s+(?:" + _UNIT_RE + r")"
                                  r"(?![\w])(?!\s*\d)")),
    ("twice", re.compile(r"\b(once|twice)\b")),
    # "1 triệu" with no currency: a large number all the same.
    ("scaled", re.compile(_B + r"(" + _NUM + r")\s*(" + _MULT_RE + r")(?![\w])")),
    ("number", re.compile(_B + r"(" + _NUM + r")" + r"(?![\w])")),
]

_CITE = re.compile(r"\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]")
_LIST_NUMBER = re.compile(r"(?m)^\s*\d+[.)]\s")


def _unit_of(m: re.Match[str]) -> str:
    return next(name for name, _ in _UNITS if m.group(f"u_{name}"))


def _iso(y: str, mo: int, d: str) -> str | None:
    y_, d_ = int(y), int(d)
    if not (1 <= mo <= 12 and 1 <= d_ <= 31 and 1800 <= y_ <= 2200):
        return None
    return f"{y_:04d}-{mo:02d}-{d_:02d}"


def _article(a: str, c: str | None, p: str | None) -> str:
    return a + (f"({int(c)})" if c else "") + (f"({p})" if c and p else "")


def extract(text: str) -> list[Figure]:
    """The figures of `text`, in order. Citation markers ("[1]") and list numbering are not figures."""
    if not text:
        return []
    text = unicodedata.normalize("NFC", text)
    accented = _has_diacritics(text)
    folded = _fold(text)
    taken = [False] * len(text)

    def blank(m: re.Match[str]) -> str:
        for i in range(m.start(), m.end()):
            taken[i] = True
        return " " * (m.end() - m.start())

    folded = _CITE.sub(blank, folded)
    folded = _LIST_NUMBER.sub(lambda m: re.sub(r"\d", " ", m.group(0)), folded)
    found: list[tuple[int, Figure]] = []

    for name, pat in _PATTERNS:
        for m in pat.finditer(folded):
            if any(taken[m.start():m.end()]):
                continue
            written = text[m.start():m.end()].strip()
            figs = _figures(name, m, written, text, accented)
            if not figs:
                continue
            for i in range(m.start(), m.end()):
                taken[i] = True
            found.extend((m.start(), f) for f in figs)
    found.sort(key=lambda x: x[0])
    return [f for _, f in found]


def _figures(name: str, m: re.Match[str], written: str, text: str, accented: bool) -> list[Figure]:
    g = m.groups()
    if name == "doc":
        return [Figure("number", g[0], "document", written)]
    if name == "iso":
        iso = _iso(g[0], int(g[1]), g[2])
    elif name in ("dmy", "vi_date"):
        iso = _iso(g[2], int(g[1]), g[0])
    elif name == "en_dmy":
        iso = _iso(g[2], _MONTHS[g[1]], g[0])
    elif name == "en_mdy":
        iso = _iso(g[2], _MONTHS[g[0]], g[1])
    else:
        iso = ""
    if name in ("iso", "dmy", "vi_date", "en_dmy", "en_mdy"):
        return [Figure("date", iso, None, written)] if iso else []
    if name in ("art_vi_rev", "art_en_rev"):
        return [Figure("article", _article(g[2], g[1], g[0]), None, written)]
    if name in ("art_vi", "art_en"):
        clause = g[1] or g[3] or g[4]
        point = g[2] or g[5]
        return [Figure("article", _article(g[0], clause, point), None, written)]
    if name == "amount_pre":
        value = _number(g[1]) * _MULTS.get(g[2] or "", 1)
        return [Figure("amount", value, _CUR[g[0]], written)]
    if name == "amount":
        cur = g[2]
        if cur == "d" and not (g[1] or text[m.end(3) - 1:m.end(3)] in "đĐ"):
            return []  # a bare "d" is a currency only as "đ" or after a multiplier ("1 triệu d")
        value = _number(g[0]) * _MULTS.get(g[1] or "", 1)
        return [Figure("amount", value, _CUR[cur], written)]
    if name == "quantity":
        unit = _unit_of(m)
        nums = re.findall(_NUM, g[0])
        return [Figure("quantity", _number(n), unit, written) for n in nums]
    if name == "quantity_words":
        words = text[m.start(1):m.end(1)].lower().split()
        for i in range(len(words)):  # "sau năm năm" (after five years): the number is the longest tail that reads
            value = _words_value(words[i:], accented)
            if value is not None:
                tail = text[m.start(1):m.end()]
                tail = tail[tail.lower().index(words[i]):] if i else written
                return [Figure("quantity", value, _unit_of(m), tail.strip())]
        return []
    if name == "twice":
        return [Figure("quantity", 1.0 if g[0] == "once" else 2.0, "times", written)]
    if name == "scaled":
        return [Figure("number", _number(g[0]) * _MULTS[g[1]], None, written)]
    return [Figure("number", _number(g[0]), None, written)]


# --- support

def _components(f: Figure) -> set[float]:
    """Numbers a bare number in a statement may stand for: the parts of a source's figures."""
    if isinstance(f.value, float):
        return {f.value}
    return {float(x) for x in re.findall(r"\d+", str(f.value))}


def supports(source: Figure, claim: Figure) -> bool:
    """Does a figure stated by a source back the figure a statement claims?"""
    if claim.kind == "number" and claim.unit is None:
        return claim.value in _components(source)
    if claim.kind != source.kind or claim.unit != source.unit:
        return False
    if claim.kind == "article":
        # "Điều 93" is backed by "khoản 6 Điều 93"; "Điều 93 khoản 6" needs that clause.
        return source.value == claim.value or str(source.value).startswith(f"{claim.value}(")
    if isinstance(claim.value, float) and isinstance(source.value, float):
        return abs(claim.value - source.value) <= 1e-9 * max(1.0, abs(claim.value))
    return claim.value == source.value


@lru_cache(maxsize=8192)
def _extract_source(text: str) -> tuple[Figure, ...]:
    # Card validation checks each of a card's statements against the same law chunks: extract each once.
    return tuple(extract(text))


def unsupported(statement: str, sources: Sequence[str] | Iterable[str]) -> list[Figure]:
    """The figures of `statement` that no source states (by value: "1 năm" is not in "10 năm")."""
    held = [f for s in sources for f in _extract_source(s)]
    return [claim for claim in extract(statement) if not any(supports(src, claim) for src in held)]
