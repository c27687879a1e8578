"""IP glossary for query expansion (data in data/glossary.json)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .text import _data, fold


@dataclass(frozen=True, slots=True)
class _Entry:
    patterns: tuple[re.Pattern, ...]
    add: tuple[str, ...]


@lru_cache(maxsize=1)
def _entries() -> tuple[_Entry, ...]:
    out = []
    for e in _data("glossary.json")["entries"]:
        pats = tuple(re.compile(rf"(?<!\w){re.escape(fold(m))}(?!\w)") for m in e["match"])
        out.append(_Entry(pats, tuple(e["add"])))
    return tuple(out)


def expansions(question: str) -> list[str]:
    folded = fold(question)
    added: list[str] = []
    for entry in _entries():
        if any(p.search(folded) for p in entry.patterns):
            added.extend(a for a in entry.add if a not in added)
    return added


def expand(question: str) -> str:
    extra = expansions(question)
    return f"{question} {' '.join(extra)}" if extra else question
