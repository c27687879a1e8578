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
    generic: bool = False


@lru_cache(maxsize=1)
def _entries() -> tuple[_Entry, ...]:
    out = []
    for e in _data("glossary.json")["entries"]:
        pats = tuple(re.compile(rf"(?<!\w){re.escape(fold(m))}(?!\w)") for m in e["match"])
        out.append(_Entry(pats, tuple(e["add"]), bool(e.get("generic"))))
    return tuple(out)


def expansions(question: str, domain_only: bool = False) -> list[str]:
    """Legal terms the question's words call for; with domain_only, only those of IP-specific words."""
    folded = fold(question)
    added: list[str] = []
    for entry in _entries():
        if domain_only and entry.generic:
            continue
        if any(p.search(folded) for p in entry.patterns):
            added.extend(a for a in entry.add if a not in added)
    return added


def expand(question: str) -> str:
    extra = expansions(question)
    return f"{question} {' '.join(extra)}" if extra else question


@lru_cache(maxsize=1)
def _object_patterns() -> dict[str, re.Pattern]:
    objects = {k: v for k, v in _data("domain_terms.json")["objects"].items() if not k.startswith("_")}
    return {k: re.compile(r"(?<!\w)(" + "|".join(re.escape(t) for t in terms) + r")s?(?!\w)")
            for k, terms in objects.items()}


def ip_objects(text: str) -> set[str]:
    """Which IP objects (trademark, patent, design, …) a text speaks of."""
    folded = fold(text)
    return {k for k, p in _object_patterns().items() if p.search(folded)}


def strip_objects(text: str) -> str:
    """The text, folded, without the IP objects it names ("thoi han bao ho ___ la bao lau")."""
    folded = fold(text)
    for p in _object_patterns().values():
        folded = p.sub(" ", folded)
    return " ".join(folded.split())


@lru_cache(maxsize=1)
def _definition() -> re.Pattern:
    spec = _data("domain_terms.json")["definition"]
    alt = lambda terms: re.compile(r"(?<!\w)(" + "|".join(re.escape(x) for x in terms) + r")(?!\w)")  # noqa: E731
    return alt(spec["question"])


def definition_subject(question: str) -> str | None:
    """For 'Sáng chế là gì?' / 'What is a trademark?': the folded subject ('sang che'); else None."""
    asks = _definition()
    folded = fold(question).strip(" ?.!")
    if not asks.search(folded):
        return None
    subject = asks.sub(" ", folded)
    subject = re.sub(r"(?<!\w)(a|an|the)(?!\w)", " ", subject)
    return " ".join(subject.split()) or None
