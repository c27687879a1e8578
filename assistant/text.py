"""Vietnamese text normalisation: NFC, lower case, accent folding, syllable tokens and bigrams."""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import Any

_WORD = re.compile(r"[\w]+", re.UNICODE)
# Characters that only Vietnamese (among vi/en) writes: a question containing one is Vietnamese.
_VI_CHARS = set("ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")


@lru_cache(maxsize=None)
def _data(name: str) -> dict:
    return json.loads(resources.files("assistant.data").joinpath(name).read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def stopwords(lang: str) -> frozenset[str]:
    return frozenset(_data("stopwords.json")[lang])


def load_yaml(raw: str) -> Any:
    """yaml.safe_load with libyaml's C parser when PyYAML has it: the same documents, ~10× faster (the answer
    cards were half of a full ingest's load stage)."""
    import yaml

    return yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=1)
def _combining_marks() -> dict[int, None]:
    """A str.translate table dropping every combining mark (category Mn): the lookup runs in C, where a
    per-character category test in Python made folding half of the BM25 build. Built once, in ~0.1 s."""
    return {c: None for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Mn"}


def fold(text: str) -> str:
    """Lower-case and strip diacritics so 'thoi han bao ho' matches 'thời hạn bảo hộ'."""
    text = nfc(text).lower().replace("đ", "d")
    return unicodedata.normalize("NFD", text).translate(_combining_marks())


def words(text: str) -> list[str]:
    """Folded syllables/words in reading order."""
    return _WORD.findall(fold(text))


@lru_cache(maxsize=1)
def _all_stopwords() -> frozenset[str]:
    return stopwords("vi") | stopwords("en")


def lexical_terms(text: str) -> list[str]:
    """Terms for BM25: content syllables plus adjacent-syllable bigrams.

    Vietnamese writes words as space-separated syllables ('nhãn hiệu'), so bigrams stand in
    for word segmentation: 'nhan_hieu' is far more specific than 'nhan' or 'hieu' alone.
    """
    toks = words(text)
    stop = _all_stopwords()
    terms = [t for t in toks if t not in stop and (len(t) > 1 or t.isdigit())]
    for a, b in zip(toks, toks[1:]):
        if a in stop and b in stop:
            continue
        terms.append(f"{a}_{b}")
    return terms


def detect_language(text: str) -> str:
    """'vi' or 'en'. Accent-free Vietnamese ('dieu kien bao ho') is recognised by its syllables."""
    lowered = nfc(text).lower()
    if any(ch in _VI_CHARS for ch in lowered):
        return "vi"
    toks = words(text)
    if not toks:
        return "vi"
    vi = sum(t in stopwords("vi") or t in _vi_syllables() for t in toks)
    en = sum(t in stopwords("en") for t in toks)
    return "en" if en > vi else "vi"


@lru_cache(maxsize=1)
def _vi_syllables() -> frozenset[str]:
    return frozenset(_data("vi_syllables.json")["syllables"])


def split_sentences(text: str) -> list[str]:
    """Sentence-ish units; list items and numbered clauses stay whole."""
    units: list[str] = []
    for line in reflow(text):
        if _ITEM.match(line):
            units.append(line)
            continue
        parts = re.split(r"(?<=[.!?])\s+(?=[A-ZÀ-Ỹ0-9\"“(])", line)
        units.extend(p.strip() for p in parts if p.strip())
    return units


_ITEM = re.compile(r"^([-*•+]|\d+[.)]|[a-zđ]\)|\|)\s*")
_BLOCK = re.compile(r"^(#{1,6}\s|[-*•+]\s|\d+[.)]\s|[a-zđ]\)\s|\||>)")


def reflow(text: str) -> list[str]:
    """Logical lines: hard-wrapped paragraph lines are joined; list items, clauses and headings stay apart."""
    out: list[str] = []
    joinable = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            joinable = False
            continue
        if joinable and out and not _BLOCK.match(line):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
        joinable = not line.startswith(("#", "|"))
    return out
