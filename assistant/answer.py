"""Extractive answers: the composer is a pure function of (question, hits). It cannot invent —
every statement it writes is a sentence, clause or list item of a retrieved source, marked [n]."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Callable, Sequence

from .glossary import definition_subject, expansions, ip_objects
from .models import Answer, Citation, Hit
from .text import _ITEM, _data, detect_language, fold, lexical_terms, split_sentences, stopwords, words

_NUMERIC_Q = re.compile(r"(?<!\w)(bao lau|bao nhieu|khi nao|thoi han|may nam|may thang|ngay nao|luc nao|how long|how much|"
                        r"how many|when|until|deadline|term|time limit)(?!\w)")
_LIST_MARK = re.compile(r"^([-*•]\s+)")
_POINT = re.compile(r"^([-*•+]|[a-zđ]\d?\))\s*")  # a point or bullet, below a numbered clause
# A figure with its unit — what "how long / how much" questions are after (a clause number is not one).
_QUANTITY = re.compile(r"\d+\s*(năm|tháng|ngày|giờ|tuần|%|đồng|triệu|nghìn|lần|years?|months?|days?)\b"
                       r"|\b\d{1,2}/\d{1,2}/\d{4}\b", re.I)
_MD = re.compile(r"\*\*|__|`")
_HEADING_LINE = re.compile(r"^(.*?\bĐiều\s+\d+[a-zđ]?\.|Bước\s+\d+)", re.I)


@dataclass(frozen=True, slots=True)
class Grounding:
    grounded: bool
    domain: bool
    coverage: float
    bigram_coverage: float


@lru_cache(maxsize=1)
def _domain_patterns() -> tuple[re.Pattern, ...]:
    return tuple(re.compile(rf"(?<!\w){re.escape(t)}") for t in _data("domain_terms.json")["terms"])


def in_domain(question: str) -> bool:
    # Glossary expansions count: "protect my brand" is about nhãn hiệu.
    folded = fold(f"{question} {' '.join(expansions(question))}")
    return any(p.search(folded) for p in _domain_patterns())


def _content_words(text: str) -> list[str]:
    stop = stopwords("vi") | stopwords("en")
    return [w for w in words(text) if w not in stop and len(w) > 1]


def assess(question: str, hits: Sequence[Hit]) -> Grounding:
    """Is there ground for an answer? Domain words, and how much of the question the top sources cover."""
    domain = in_domain(question)
    if not hits:
        return Grounding(False, domain, 0.0, 0.0)
    evidence = " ".join(h.chunk.embed_text() for h in hits[:3])
    ev_words = set(words(evidence))
    q_words = _content_words(question)
    coverage = sum(w in ev_words for w in q_words) / len(q_words) if q_words else 0.0
    legal_words = _content_words(" ".join(expansions(question)))
    if legal_words:
        # An English question is covered through the legal terms it expands to.
        coverage = max(coverage, sum(w in ev_words for w in legal_words) / len(legal_words))
    toks = words(question)
    bigrams = [f"{a} {b}" for a, b in zip(toks, toks[1:])
               if not (a in stopwords("vi") and b in stopwords("vi"))]
    folded_ev = " ".join(words(evidence))
    bi_cov = sum(b in folded_ev for b in bigrams) / len(bigrams) if bigrams else 0.0
    if domain:
        grounded = coverage >= 0.3
    else:
        grounded = coverage >= 0.75 and bi_cov >= 0.5
    return Grounding(grounded, domain, coverage, bi_cov)


@dataclass(slots=True)
class _Unit:
    hit_rank: int
    pos: int
    text: str
    score: float = 0.0
    relevance: float = 0.0


def _clean(unit: str) -> str:
    unit = _LIST_MARK.sub("", unit.strip())
    return _MD.sub("", unit).strip()


def _units(hits: Sequence[Hit], max_hits: int) -> list[_Unit]:
    out = []
    for r, hit in enumerate(hits[:max_hits]):
        text = hit.chunk.text
        first, _, rest = text.partition("\n")
        # The first line of a chunk is usually its heading ("Điều 93. …"): context for retrieval, not a statement.
        if rest and hit.chunk.kind != "record" and (_HEADING_LINE.match(first) or (
                len(first) < 120 and not first.rstrip().endswith((".", ":", ";")))):
            text = rest
        lines = split_sentences(text)
        out.extend(_Unit(r, i, u) for i, u in enumerate(lines) if len(_clean(u)) > 12)
    return out


def select_units(question: str, hits: Sequence[Hit], max_units: int = 6, max_hits: int = 8,
                 idf: Callable[[str], float] | None = None) -> list[_Unit]:
    """Rank the sources' sentences and list items by the question's terms (bigrams weigh more, rare terms
    more than common ones, a matching heading lends weight to its body) and keep the best few."""
    units = _units(hits, max_hits)
    if not units:
        return []
    query_terms = set(lexical_terms(question + " " + " ".join(expansions(question))))
    unit_terms = [set(lexical_terms(u.text)) for u in units]
    if idf is None:
        df = Counter(t for ts in unit_terms for t in ts if t in query_terms)
        n = len(units)
        idf = lambda t: math.log1p(n / df[t]) if df[t] else 0.0  # noqa: E731
    weight = {t: idf(t) * (2.0 if "_" in t else 1.0) for t in query_terms}
    heading_terms = {r: set(lexical_terms(f"{h.chunk.title} {h.chunk.locator} {h.chunk.text.partition(chr(10))[0]}"))
                     for r, h in enumerate(hits[:max_hits])}
    # Sources lend weight by how well retrieval ranked them: relative fused score, not rank, since
    # fused scores are often nearly tied.
    top = max((h.score for h in hits[:max_hits]), default=0.0) or 1.0
    rel = [max(h.score, 0.0) / top for h in hits[:max_hits]]
    rel = [r * r if r > 0 else 1.0 / (1.0 + i) for i, r in enumerate(rel)]
    # Boilerplate (the same opening in three or more sources, e.g. a deck's disclaimer) says little.
    opening = lambda t: " ".join(words(t))[:40]  # noqa: E731
    sources_with: dict[str, set[int]] = {}
    for u in units:
        sources_with.setdefault(opening(u.text), set()).add(u.hit_rank)
    numeric = bool(_NUMERIC_Q.search(fold(question)))
    subject = definition_subject(question)
    # A definition names its subject first: "12. Sáng chế (…) là giải pháp …", "A trademark is …".
    # An English subject also matches its Vietnamese legal term ("geographical indication" → "chỉ dẫn địa lý").
    names = "|".join(re.escape(n) for n in [subject, *map(fold, expansions(subject))]) if subject else ""
    defines = re.compile(rf"^(\d+\.\s*|[-•*]\s*)?(a |an |the )?({names})s?(?!\w)[^.;:]{{0,60}}"
                         rf"(?<!\w)(la|is|are|means)(?!\w)") if subject else None
    english = detect_language(question) == "en"
    asked = ip_objects(question + " " + " ".join(expansions(question)))
    heading_objects = {r: ip_objects(f"{h.chunk.locator} {h.chunk.text.partition(chr(10))[0]}")
                       for r, h in enumerate(hits[:max_hits])}
    lead_terms: set[str] = set()
    lead_text = ""
    for i, (u, ts) in enumerate(zip(units, unit_terms)):
        # A list item also borrows the words of the line that introduces it ("2. Thẩm định nội dung:").
        if i and units[i - 1].hit_rank == u.hit_rank and units[i - 1].text.rstrip().endswith(":"):
            lead_terms, lead_text = unit_terms[i - 1], units[i - 1].text
        elif not _ITEM.match(u.text) or (i and units[i - 1].hit_rank != u.hit_rank):
            lead_terms, lead_text = set(), ""
        own = ts & query_terms
        lent = ((heading_terms[u.hit_rank] | (lead_terms if _ITEM.match(u.text) else set())) & query_terms) - own
        s = sum(weight[t] for t in own) + 0.5 * sum(weight[t] for t in lent)
        if numeric and _QUANTITY.search(u.text):
            s *= 1.5
        if len(sources_with[opening(u.text)]) > 2:
            s *= 0.3
        # Style preferences order the passages but do not decide which are relevant enough (the floor).
        style = 1.0
        if defines is not None and defines.search(fold(u.text)):
            style *= 1.6  # "Sáng chế là giải pháp kỹ thuật …" answers "Sáng chế là gì?"
        if english and detect_language(u.text) == "en":
            style *= 1.2
        if asked:
            # A sentence that names no object speaks of its section's ("Thời hạn bảo hộ kiểu dáng…").
            about = (ip_objects(u.text) or (ip_objects(lead_text) if _ITEM.match(u.text) else set())
                     or heading_objects[u.hit_rank])
            if about and not about & asked:
                s *= 0.3  # a sentence about designs does not answer a question about trademarks
        u.relevance = s * rel[u.hit_rank]
        u.score = u.relevance * style
    ranked = sorted((u for u in units if u.score > 0), key=lambda u: -u.score)
    if not ranked:
        ranked = [u for u in units if u.hit_rank == 0][:2]
    floor = max(u.relevance for u in ranked) * 0.35
    chosen: list[_Unit] = []
    per_hit: Counter = Counter()
    for u in ranked:
        if len(chosen) >= max_units:
            break
        if u.relevance < floor:
            continue
        if per_hit[u.hit_rank] >= 3:
            continue
        chosen.append(u)
        per_hit[u.hit_rank] += 1
    by_hit: dict[int, list[_Unit]] = {}
    for u in units:
        by_hit.setdefault(u.hit_rank, []).append(u)
    extra: list[_Unit] = []
    for u in chosen:
        siblings = by_hit[u.hit_rank]
        i = siblings.index(u)
        if u.text.rstrip().endswith(":"):
            # A list introduced by a chosen 'as follows:' line comes with its items.
            for x in siblings[i + 1:i + 9]:
                if not _ITEM.match(x.text):
                    break
                extra.append(x)
        elif numeric and not _QUANTITY.search(u.text) and i + 1 < len(siblings) \
                and _QUANTITY.search(siblings[i + 1].text) and not _ITEM.match(siblings[i + 1].text):
            # "How long?" answered by the next sentence: "… trước khi hết thời hạn." + "Việt Nam: 31 tháng."
            extra.append(siblings[i + 1])
        if _ITEM.match(u.text):
            # A chosen list item brings its lead-in, so it reads as a whole statement. The lead-in may be
            # a numbered clause itself ("3. … trong các trường hợp sau:" over points a), b)).
            level = _POINT.match(u.text) is not None
            lead = next((x for x in reversed(siblings[:i])
                         if not _ITEM.match(x.text) or (level and not _POINT.match(x.text))), None)
            if lead is not None and lead.text.rstrip().endswith(":"):
                extra.append(lead)
    seen = {id(u) for u in chosen}
    for x in extra:
        if id(x) not in seen and len(chosen) < max_units + 8:
            chosen.append(x)
            seen.add(id(x))
    # Sources in order of their best passage, passages in reading order within a source.
    best: dict[int, float] = {}
    for u in chosen:
        best[u.hit_rank] = max(best.get(u.hit_rank, 0.0), u.score)
    return sorted(chosen, key=lambda u: (-best[u.hit_rank], u.hit_rank, u.pos))


def _snippet(text: str, limit: int = 280) -> str:
    text = _clean(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def compose(question: str, hits: Sequence[Hit], *, max_units: int = 6, station_hint_vi: str = "",
            station_hint_en: str = "", idf: Callable[[str], float] | None = None) -> Answer:
    lang = detect_language(question)
    ground = assess(question, hits)
    if not ground.grounded:
        return refusal(lang, station_hint_vi, station_hint_en)
    units = select_units(question, hits, max_units=max_units, idf=idf)
    if not units:
        return refusal(lang, station_hint_vi, station_hint_en)
    numbers: dict[int, int] = {}
    best_unit: dict[int, _Unit] = {}
    marks: list[list[int]] = []
    for u in units:
        # A guide's sentence that names its legal basis ("… (Điều 93 khoản 6 Luật SHTT)") also cites that
        # article when retrieval brought it: the statement becomes traceable to the law itself.
        ranks = [u.hit_rank] + [r for r in _cited_articles(u, hits) if r != u.hit_rank]
        for r in ranks:
            if r not in numbers:
                numbers[r] = len(numbers) + 1
            if r not in best_unit or (r == u.hit_rank and u.score > best_unit[r].score):
                best_unit[r] = u
        marks.append([numbers[r] for r in ranks])
    citations = []
    for rank, n in numbers.items():
        hit = hits[rank]
        c = hit.chunk
        snippet = best_unit[rank].text if best_unit[rank].hit_rank == rank else c.text.partition("\n")[2] or c.text
        citations.append(Citation(n=n, source_id=c.source_id, title=c.title, kind=c.kind, locator=c.locator,
                                  snippet=_snippet(snippet), url=c.url, score=round(hit.score, 4)))
    lines = [_frame_intro(lang)]
    for u, ns in zip(units, marks):
        lines.append(f"- {_clean(u.text)} " + "".join(f"[{n}]" for n in ns))
    lines.append("")
    lines.append(_frame_outro(lang, station_hint_vi, station_hint_en))
    return Answer(answer="\n".join(lines), citations=citations, grounded=True, language=lang)


_ARTICLE_REF = re.compile(r"Điều\s+(\d+[a-zđ]?)(?:\s+khoản\s+(\d+))?", re.I)
# The English overview cites "Article 93(6) IP Law".
_ARTICLE_REF_EN = re.compile(r"Article\s+(\d+[a-z]?)(?:\((\d+)\))?(?:\([a-zđ]\))?\s+(?:of the\s+)?IP Law")
_LAW_LOCATOR = re.compile(r"^Điều\s+(\d+[a-zđ]?)(?:\s+khoản\s+(\d+)(?:–(\d+))?)?$")


def _cited_articles(unit: _Unit, hits: Sequence[Hit]) -> list[int]:
    """Ranks of law hits that hold an article (and clause) the unit's own text refers to."""
    if hits[unit.hit_rank].chunk.kind == "law":
        return []
    refs = [(m.group(1), m.group(2)) for m in _ARTICLE_REF.finditer(unit.text)
            if "Luật SHTT" in unit.text[m.end():m.end() + 40] or "Luật Sở hữu trí tuệ" in unit.text[m.end():m.end() + 60]]
    refs += [(m.group(1), m.group(2)) for m in _ARTICLE_REF_EN.finditer(unit.text)]
    out = []
    for article, clause in refs:
        for r, h in enumerate(hits[:8]):
            m = _LAW_LOCATOR.match(h.chunk.locator) if h.chunk.kind == "law" and "Luật SHTT" in h.chunk.title else None
            if not m or m.group(1) != article:
                continue
            lo, hi = m.group(2), m.group(3) or m.group(2)
            if lo and clause and not int(lo) <= int(clause) <= int(hi):
                continue  # another clause of the same article
            if lo and not clause:
                continue  # the unit names the whole article; one clause chunk does not stand for it
            if r not in out:
                out.append(r)
    return out


def _text(lang: str) -> dict:
    return _data("answer_text.json")["en" if lang == "en" else "vi"]


def _frame_intro(lang: str) -> str:
    return _text(lang)["intro"]


def _frame_outro(lang: str, hint_vi: str, hint_en: str) -> str:
    return _text(lang)["outro"].format(hint=hint_en if lang == "en" else hint_vi)


def refusal(lang: str, hint_vi: str = "", hint_en: str = "") -> Answer:
    text = _text(lang)["refusal"].format(hint=hint_en if lang == "en" else hint_vi)
    return Answer(answer=text, citations=[], grounded=False, language=lang)


def conflict_lines(answer: Answer, mark: str, conflicts: Sequence, hits: Sequence[Hit | None], lang: str) -> Answer:
    """Put a short pre-check of a named mark before the procedure, each line citing the record it reports.

    "Is my name taken?" is what the founder asked first, so the records lead and the procedure's
    citations are renumbered after them."""
    words_ = _text(lang)
    lines = [words_["marks_intro"].format(mark=mark)]
    citations: list[Citation] = []
    for conflict, hit in zip(conflicts, hits):
        if hit is None:
            continue
        n = len(citations) + 1
        c = hit.chunk
        citations.append(Citation(n=n, source_id=c.source_id, title=c.title, kind=c.kind, locator=c.locator,
                                  snippet=_snippet(c.text), url=c.url, score=round(conflict.similarity, 4)))
        classes = ", ".join(str(x) for x in conflict.nice_classes)
        risk = words_["risk"].get(conflict.risk, conflict.risk)
        why = "; ".join(conflict.reasons[:2])
        sample = f" ({words_['sample']})" if c.text.startswith("[") else ""
        lines.append(f"- “{conflict.mark}”{sample} — {c.locator}, {words_['classes']} {classes}, {risk}: {why} [{n}]")
    cited = len(citations)
    if not cited:
        lines.append("- " + words_["marks_none"])
    lines.append(words_["marks_outro"])
    if answer.answer:
        shifted = re.sub(r"\[(\d+)\]", lambda m: f"[{int(m.group(1)) + cited}]", answer.answer)
        lines += ["", shifted.rstrip()]
        citations += [replace(c, n=c.n + cited) for c in answer.citations]
    grounded = answer.grounded or cited > 0
    return Answer(answer="\n".join(lines).strip(), citations=citations, grounded=grounded, mode=answer.mode,
                  took_ms=answer.took_ms, language=lang)
