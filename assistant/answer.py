"""Extractive answers: the composer is a pure function of (understood question, hits, cards). It cannot
invent — every statement it writes is a card's curated answer (validated at ingest against the law it cites)
or a sentence, clause or list item of a retrieved source, and each is marked [n].

Answers lead with the direct answer (the figure, the yes or no, the definition, the asked-for list), then up
to a few supporting points; each fact is stated once, and sources that support the same statement share its
line. The "not legal advice" notice is a field of the answer, not part of its text."""

from __future__ import annotations

import math
import re
import sys
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import Any, Callable, Mapping, Sequence

from .glossary import definition_subject, expansions, ip_objects
from .models import Answer, Chunk, Citation, Hit
from .text import _ITEM, _data, detect_language, fold, lexical_terms, split_sentences, stopwords, words
from .understand import Question, understand

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


def in_domain(q: Question) -> bool:
    return q.domain


def _content_words(text: str) -> list[str]:
    stop = stopwords("vi") | stopwords("en")
    return [w for w in words(text) if w not in stop and len(w) > 1]


def assess(q: Question, hits: Sequence[Hit]) -> Grounding:
    """Is there ground for an answer? Domain words, and how much of the question the top sources cover."""
    domain = in_domain(q)
    if not hits:
        return Grounding(False, domain, 0.0, 0.0)
    ev_words: set[str] = set()
    folded_ev = ""
    for h in hits[:3]:
        prep = prepared(h.chunk)
        ev_words |= prep.words
        folded_ev += " " + prep.folded_words
    q_words = _content_words(q.core)
    coverage = sum(w in ev_words for w in q_words) / len(q_words) if q_words else 0.0
    legal_words = _content_words(" ".join(q.expansions))
    if legal_words:
        # An English question is covered through the legal terms it expands to.
        coverage = max(coverage, sum(w in ev_words for w in legal_words) / len(legal_words))
    toks = words(q.core)
    bigrams = [f"{a} {b}" for a, b in zip(toks, toks[1:])
               if not (a in stopwords("vi") and b in stopwords("vi"))]
    bi_cov = sum(b in folded_ev for b in bigrams) / len(bigrams) if bigrams else 0.0
    if domain:
        grounded = coverage >= 0.3
    else:
        # No IP word at all: only sources that hold the question almost word for word ("ký hiệu ®") answer it.
        grounded = coverage >= 0.75 and bi_cov >= 0.6
    return Grounding(grounded, domain, coverage, bi_cov)


# --- per-chunk work, done once per chunk (not per query) -------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Prepared:
    units: tuple[str, ...]              # sentences, clauses, list items (heading line dropped)
    terms: tuple[frozenset[str], ...]   # lexical terms of each unit
    folded: tuple[str, ...]             # folded text of each unit
    english: tuple[bool, ...]
    objects: tuple[frozenset[str], ...]
    quantity: tuple[bool, ...]
    heading_terms: frozenset[str]
    heading_objects: frozenset[str]
    words: frozenset[str]
    folded_words: str


def prepared(chunk: Chunk) -> _Prepared:
    return _prepare(chunk.chunk_id, chunk.text, chunk.kind, chunk.title, chunk.locator)


def _terms(values: list[str]) -> frozenset[str]:
    # Interned: the same few thousand syllables and bigrams recur in every chunk; one copy each makes a
    # prepared chunk 26 KB instead of 42 KB.
    return frozenset(map(sys.intern, values))


# Bounded by count, not by the corpus: all 3,469 chunks prepared hold 146 MB (89 MB interned), half again a
# 250 MB server once varied questions have touched them all. 1,024 holds every law, guide, training and card
# chunk (770) and the records asked about lately, ~26 MB; a miss costs ~2 ms.
@lru_cache(maxsize=1024)
def _prepare(chunk_id: str, text: str, kind: str, title: str, locator: str) -> _Prepared:
    first, _, rest = text.partition("\n")
    body = text
    # The first line of a chunk is usually its heading ("Điều 93. …"): context for retrieval, not a statement.
    if rest and kind != "record" and (_HEADING_LINE.match(first) or (
            len(first) < 120 and not first.rstrip().endswith((".", ":", ";")))):
        body = rest
    units = tuple(u for u in split_sentences(body) if len(_clean(u)) > 12)
    embed = f"{title} — {locator}\n{text}" if locator else f"{title}\n{text}"
    all_words = words(embed)
    return _Prepared(
        units=units,
        terms=tuple(_terms(lexical_terms(u)) for u in units),
        folded=tuple(fold(u) for u in units),
        english=tuple(detect_language(u) == "en" for u in units),
        objects=tuple(frozenset(ip_objects(u)) for u in units),
        quantity=tuple(bool(_QUANTITY.search(u)) for u in units),
        heading_terms=_terms(lexical_terms(f"{title} {locator} {first}")),
        heading_objects=frozenset(ip_objects(f"{locator} {first}")),
        words=_terms(all_words),
        folded_words=" ".join(all_words),
    )


@dataclass(slots=True)
class _Unit:
    hit_rank: int
    pos: int
    text: str
    score: float = 0.0
    relevance: float = 0.0


_NUMBERING = re.compile(r"^(\d+[a-z]?[.)]|[a-zđ]\d?\))\s+")


def _clean(unit: str) -> str:
    # "6. Giấy chứng nhận …" reads as a statement without the clause number its source gave it.
    unit = _NUMBERING.sub("", _LIST_MARK.sub("", unit.strip()))
    return _MD.sub("", unit).strip()


def select_units(q: Question | str, hits: Sequence[Hit], max_units: int = 6, max_hits: int = 8,
                 idf: Callable[[str], float] | None = None, lists: bool = True) -> list[_Unit]:
    """Rank the sources' sentences and list items by the question's terms (bigrams weigh more, rare terms
    more than common ones, a matching heading lends weight to its body) and keep the best few, best first."""
    q = q if isinstance(q, Question) else understand(q)
    preps = [prepared(h.chunk) for h in hits[:max_hits]]
    units = [_Unit(r, i, u) for r, p in enumerate(preps) for i, u in enumerate(p.units)]
    if not units:
        return []
    query_terms = set(lexical_terms(q.core + " " + " ".join(q.expansions)))
    unit_terms = [preps[u.hit_rank].terms[u.pos] for u in units]
    if idf is None:
        df = Counter(t for ts in unit_terms for t in ts if t in query_terms)
        n = len(units)
        idf = lambda t: math.log1p(n / df[t]) if df[t] else 0.0  # noqa: E731
    weight = {t: idf(t) * (2.0 if "_" in t else 1.0) for t in query_terms}
    # Sources lend weight by how well retrieval ranked them: relative fused score, not rank, since
    # fused scores are often nearly tied.
    top = max((h.score for h in hits[:max_hits]), default=0.0) or 1.0
    rel = [max(h.score, 0.0) / top for h in hits[:max_hits]]
    rel = [r * r if r > 0 else 1.0 / (1.0 + i) for i, r in enumerate(rel)]
    # Boilerplate (the same opening in three or more sources, e.g. a deck's disclaimer) says little.
    opening = lambda u: " ".join(preps[u.hit_rank].folded[u.pos].split())[:40]  # noqa: E731
    sources_with: dict[str, set[int]] = {}
    for u in units:
        sources_with.setdefault(opening(u), set()).add(u.hit_rank)
    numeric = bool(_NUMERIC_Q.search(q.folded)) or bool(set(q.facets) & {"term", "examination_time", "fees"})
    subject = definition_subject(q.core)
    # A definition names its subject first: "12. Sáng chế (…) là giải pháp …", "A trademark is …".
    names = "|".join(re.escape(n) for n in [subject, *map(fold, expansions(subject))]) if subject else ""
    defines = re.compile(rf"^(\d+\.\s*|[-•*]\s*)?(a |an |the )?({names})s?(?!\w)[^.;:]{{0,60}}"
                         rf"(?<!\w)(la|is|are|means)(?!\w)") if subject else None
    asked = set(q.objects)
    lead_terms: frozenset[str] = frozenset()
    lead_objects: frozenset[str] = frozenset()
    for i, (u, ts) in enumerate(zip(units, unit_terms)):
        p = preps[u.hit_rank]
        # A list item also borrows the words of the line that introduces it ("2. Thẩm định nội dung:").
        if i and units[i - 1].hit_rank == u.hit_rank and units[i - 1].text.rstrip().endswith(":"):
            lead_terms, lead_objects = unit_terms[i - 1], p.objects[u.pos - 1]
        elif not _ITEM.match(u.text) or (i and units[i - 1].hit_rank != u.hit_rank):
            lead_terms, lead_objects = frozenset(), frozenset()
        own = ts & query_terms
        lent = ((p.heading_terms | (lead_terms if _ITEM.match(u.text) else frozenset())) & query_terms) - own
        s = sum(weight[t] for t in own) + 0.5 * sum(weight[t] for t in lent)
        if numeric and p.quantity[u.pos]:
            s *= 1.5
        if len(sources_with[opening(u)]) > 2:
            s *= 0.3
        # Style preferences order the passages but do not decide which are relevant enough (the floor).
        style = 1.0
        if defines is not None and defines.search(p.folded[u.pos]):
            style *= 1.6  # "Sáng chế là giải pháp kỹ thuật …" answers "Sáng chế là gì?"
        if q.english and p.english[u.pos]:
            style *= 2.0  # English in, English out: an English statement beats a Vietnamese quotation
        if asked:
            # A sentence that names no object speaks of its section's ("Thời hạn bảo hộ kiểu dáng…").
            about = (p.objects[u.pos] or (lead_objects if _ITEM.match(u.text) else frozenset())
                     or p.heading_objects)
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
    extra: list[tuple[_Unit, _Unit]] = []  # (unit, the chosen unit it belongs with)
    for u in chosen:
        siblings = by_hit[u.hit_rank]
        i = siblings.index(u)
        if u.text.rstrip().endswith(":") and lists:
            # A list introduced by a chosen 'as follows:' line comes with its items.
            for x in siblings[i + 1:i + 9]:
                if not _ITEM.match(x.text):
                    break
                extra.append((x, u))
        elif numeric and not preps[u.hit_rank].quantity[u.pos] and i + 1 < len(siblings) \
                and preps[u.hit_rank].quantity[siblings[i + 1].pos] and not _ITEM.match(siblings[i + 1].text):
            # "How long?" answered by the next sentence: "… trước khi hết thời hạn." + "Việt Nam: 31 tháng."
            extra.append((siblings[i + 1], u))
        if _ITEM.match(u.text):
            # A chosen list item brings its lead-in, so it reads as a whole statement. The lead-in may be
            # a numbered clause itself ("3. … trong các trường hợp sau:" over points a), b)).
            level = _POINT.match(u.text) is not None
            lead = next((x for x in reversed(siblings[:i])
                         if not _ITEM.match(x.text) or (level and not _POINT.match(x.text))), None)
            if lead is not None and lead.text.rstrip().endswith(":"):
                extra.append((lead, u))
    seen = {id(u) for u in chosen}
    for x, owner in extra:
        if id(x) not in seen and len(chosen) < max_units + 8:
            x.score = owner.score * 0.999  # reads with the statement it completes
            chosen.append(x)
            seen.add(id(x))
    # The best statement first (with its lead-in); then sources in order of their best passage, passages in
    # reading order within a source.
    best: dict[int, float] = {}
    for u in chosen:
        best[u.hit_rank] = max(best.get(u.hit_rank, 0.0), u.score)
    return sorted(chosen, key=lambda u: (-best[u.hit_rank], u.hit_rank, u.pos))


def _snippet(text: str, limit: int = 280) -> str:
    text = _clean(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


# --- the answer's shape -------------------------------------------------------------------------------------

def _spec() -> dict:
    return _data("understanding.json")


def budget_words(q: Question) -> int:
    budgets = _spec()["facet_budget_words"]
    return max((budgets.get(f, budgets["default"]) for f in q.facets[:2]), default=budgets["default"])


@lru_cache(maxsize=100_000)
def _wordset(text: str) -> frozenset[str]:
    return frozenset(_content_words(re.sub(r"\[\d+\]", " ", text)))


@lru_cache(maxsize=100_000)
def _figures(text: str) -> tuple:
    """A text's figures, read once per text (chunk sentences and card answers recur across queries)."""
    from .figures import extract

    return tuple(extract(text))


def _unsupported(statement: str, source: str) -> bool:
    from .figures import supports

    held = _figures(source)
    return any(not any(supports(h, claim) for h in held) for claim in _figures(statement))


def same_statement(a: str, b: str) -> bool:
    """Two statements that say the same thing: most content words shared (either way), and no figure that
    differs ("12 tháng" now and "18 tháng" before are two statements)."""
    fa = {(f.kind, f.value, f.unit) for f in _figures(a)}
    fb = {(f.kind, f.value, f.unit) for f in _figures(b)}
    if fa and fb and fa != fb and not (fa <= fb or fb <= fa):
        return False
    wa, wb = _wordset(a), _wordset(b)
    if not wa or not wb:
        return False
    shared = len(wa & wb)
    return shared / len(wa | wb) >= 0.6 or shared / min(len(wa), len(wb)) >= 0.85


class _Citer:
    """Numbers citations in order of first use; one number per chunk."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}
        self.citations: list[Citation] = []

    def cite(self, chunk: Chunk, snippet: str, score: float, language: str = "") -> int:
        if chunk.chunk_id not in self.numbers:
            n = len(self.numbers) + 1
            self.numbers[chunk.chunk_id] = n
            cit = Citation.of(n, chunk, _snippet(snippet), round(score, 4))
            cit.language = language
            self.citations.append(cit)
        return self.numbers[chunk.chunk_id]


def _render(statements: list[dict[str, Any]]) -> str:
    """The lead as a paragraph, supporting points as bullets, an earlier rule as a closing line."""
    def marks(st):
        return "".join(f"[{n}]" for n in st["cites"])

    lead = [st for st in statements if st["role"] == "lead"]
    points = [st for st in statements if st["role"] == "point"]
    notes = [st for st in statements if st["role"] == "note"]
    parts = [" ".join(f"{st['text']} {marks(st)}".strip() for st in lead)]
    if points:
        parts.append("\n".join(f"- {st['text']} {marks(st)}".rstrip() for st in points))
    for st in notes:
        parts.append(f"{st['text']} {marks(st)}".rstrip())
    return "\n\n".join(p for p in parts if p)


def _words(text: str) -> int:
    return len(re.sub(r"\[\d+\]", " ", text).split())


def _dedupe(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for st in statements:
        twin = next((o for o in out if o["role"] != "note" and st["role"] != "note"
                     and same_statement(o["text"], st["text"])), None)
        if twin is not None:
            twin["cites"] += [n for n in st["cites"] if n not in twin["cites"]]
            continue
        out.append(st)
    return out


def _fit(statements: list[dict[str, Any]], budget: int) -> list[dict[str, Any]]:
    """Keep the lead whole; add points while they fit the facet's word budget."""
    out, used = [], 0
    for st in statements:
        n = _words(st["text"])
        if out and st["role"] == "point" and used + n > budget:
            continue
        out.append(st)
        used += n
    return out


def _answer(q: Question, statements: list[dict[str, Any]], citer: _Citer, hints: tuple[str, str],
            budget: int | None = None) -> Answer:
    statements = _fit(_dedupe(statements), budget or budget_words(q))
    used = sorted({n for st in statements for n in st["cites"]})
    # Renumber so markers run 1, 2, 3 … in reading order and every citation is used.
    order: list[int] = []
    for st in statements:
        for n in st["cites"]:
            if n not in order:
                order.append(n)
    renum = {old: new for new, old in enumerate(order, 1)}
    by_n = {c.n: c for c in citer.citations}
    citations = [replace(by_n[old], n=renum[old]) for old in order if old in used]
    for st in statements:
        st["cites"] = [renum[n] for n in st["cites"]]
    text = _render(statements)
    return Answer(answer=text, citations=citations, grounded=True, language=q.language,
                  notice=_notice(q.language, *hints),
                  statements=[{"text": st["text"], "cites": st["cites"], "role": st["role"]} for st in statements])


def _notice(lang: str, hint_vi: str, hint_en: str) -> str:
    return _text(lang)["outro"].format(hint=hint_en if lang == "en" else hint_vi)


def _ddmmyyyy(day: str) -> str:
    y, m, d = day.split("-")
    return f"{d}/{m}/{y}"


def _best_sentence(chunk: Chunk, statement: str) -> str:
    """The sentence of a basis chunk closest to a card's statement: the citation's snippet."""
    prep = prepared(chunk)
    if not prep.units:
        return chunk.text
    want = frozenset(lexical_terms(statement))
    best = max(range(len(prep.units)), key=lambda i: len(prep.terms[i] & want))
    return prep.units[best]


def _supporting(hits: Sequence[Hit], card: Any, cited: set[str]) -> list[Chunk]:
    for h in hits[:5]:
        c = h.chunk
        if c.chunk_id in cited or c.kind in ("card", "record"):
            continue
        words_in = prepared(c).words
        for lang in ("vi", "en"):
            want = _wordset(card.answer[lang])
            if want and len(want & words_in) / len(want) >= 0.6 and not _unsupported(card.answer[lang], c.text):
                return [c]
    return []


def card_answer(q: Question, matches: Sequence[Any], chunk_of: Mapping[str, Chunk], index: Any = None,
                hints: tuple[str, str] = ("", ""), hits: Sequence[Hit] = ()) -> Answer:
    """Lead with the matched card's answer, cite its basis as in force on q.as_of; add its points, a second
    card for a second facet, and — when the rule changed in the last two years — one line on the earlier rule."""
    lang = "en" if q.english else "vi"
    citer = _Citer()
    statements: list[dict[str, Any]] = []

    def basis(ids: Sequence[str], text: str) -> list[int]:
        chunks = [chunk_of[c] for c in ids if c in chunk_of]
        current = [c for c in chunks if c.valid_on(q.as_of)] or chunks
        # At most four basis chunks: the first ones, in the order the card gives its basis.
        return [citer.cite(c, _best_sentence(c, text), 1.0) for c in current[:4]]

    for k, m in enumerate(matches):
        card = m.card
        cites = basis(card.basis_chunks, card.answer["vi"])
        if k == 0:
            # A retrieved guide or deck that states the same fact shares the line (it is where a founder
            # reads the procedure); it must hold every figure of the statement.
            for c in _supporting(hits, card, {cid for cid in citer.numbers}):
                cites.append(citer.cite(c, _best_sentence(c, card.answer["vi"]), 1.0))
        statements.append({"role": "lead" if k == 0 else "point", "text": card.answer[lang], "cites": cites})
    lead = matches[0].card
    # A list facet ("what changed", documents, steps) may need its whole list; otherwise a few points.
    n_points = 8 if lead.facet in _spec()["list_facets"] else 3
    for p in lead.points[:n_points]:
        statements.append({"role": "point", "text": str(p[lang]),
                           "cites": basis(p.get("basis_chunks") or lead.basis_chunks, str(p["vi"]))})
    if len(matches) > 1:
        for p in matches[1].card.points[:1]:
            statements.append({"role": "point", "text": str(p[lang]),
                               "cites": basis(p.get("basis_chunks") or matches[1].card.basis_chunks, str(p["vi"]))})
    earlier = _earlier_rule(q, lead, index, lang, basis)
    if earlier:
        statements.append(earlier)
    return _answer(q, statements, citer, hints)


def _earlier_rule(q: Question, card: Any, index: Any, lang: str, basis: Callable) -> dict[str, Any] | None:
    """One short line: the rule this card's rule replaced, since when, and what the transitional rule says."""
    if index is None or not card.supersedes or not card.valid_from:
        return None
    old = index.by_id.get(card.supersedes)
    if old is None:
        return None
    asked = date.fromisoformat(q.as_of)
    changed = date.fromisoformat(card.valid_from)
    if (asked - changed).days > 2 * 366:
        return None
    words_ = _text(lang)
    transition = (card.transition or {}).get(lang) or words_["transition_unconfirmed"]
    from .figures import extract

    rule = old.answer[lang].rstrip(".")
    # A transition sentence whose figures the earlier rule already states only says it again.
    said = {(f.kind, f.value, f.unit) for f in extract(rule)}
    kept = [t for t in split_sentences(transition)
            if not (figs := {(f.kind, f.value, f.unit) for f in extract(t)}) or not figs <= said]
    transition = " ".join(kept) or words_["transition_unconfirmed"]
    if any(f.kind == "date" and f.value == card.valid_from for f in extract(rule)):
        text = f"{rule}. {transition}"  # the old card already says "before 01/4/2026": do not say it twice
    else:
        text = words_["earlier_rule"].format(date=_ddmmyyyy(card.valid_from), rule=rule, transition=transition)
    # The earlier rule is cited to the historical text it came from.
    return {"role": "note", "text": text, "cites": basis(old.basis_chunks, "")}


def passage_answer(q: Question, hits: Sequence[Hit], *, max_units: int = 6,
                   idf: Callable[[str], float] | None = None, hints: tuple[str, str] = ("", "")) -> Answer | None:
    """No card: the best sentence of the retrieved sources first, then a few supporting ones, in the same shape."""
    list_facet = bool(set(q.facets[:2]) & set(_spec()["list_facets"])) or not q.facets
    units = select_units(q, hits, max_units=max_units if list_facet else min(max_units, 4), idf=idf, lists=list_facet)
    if not units:
        return None
    if q.facet in ("term", "examination_time", "fees") and not any(
            prepared(hits[u.hit_rank].chunk).quantity[u.pos] for u in units):
        return None  # "how long / how much" with no figure in any passage: the sources do not cover it
    citer = _Citer()
    statements: list[dict[str, Any]] = []
    lead = max(units, key=lambda u: u.score)
    ordered = [lead] + [u for u in units if u is not lead]
    # A lead that is a list item reads with its lead-in first.
    lead_in = next((u for u in units if u.hit_rank == lead.hit_rank and u.pos < lead.pos
                    and u.text.rstrip().endswith(":") and _ITEM.match(lead.text)), None)
    if lead_in is not None:
        ordered = [lead_in, lead] + [u for u in units if u not in (lead, lead_in)]
    for k, u in enumerate(ordered):
        hit = hits[u.hit_rank]
        prep = prepared(hit.chunk)
        vi_in_en = q.english and not prep.english[u.pos]
        text = _clean(u.text)
        if vi_in_en:
            text = f"{_text('en')['vietnamese_quote']} {text}"
        ranks = [u.hit_rank] + [r for r in _cited_articles(u, hits) if r != u.hit_rank]
        cites = [citer.cite(hits[r].chunk, u.text if r == u.hit_rank else hits[r].chunk.text.partition("\n")[2]
                            or hits[r].chunk.text, hits[r].score, "vi" if vi_in_en and r == u.hit_rank else "")
                 for r in ranks]
        role = "lead" if k == 0 or (lead_in is not None and k == 1) else "point"
        statements.append({"role": role, "text": text, "cites": cites})
    return _answer(q, statements, citer, hints)


def compose(question: Question | str, hits: Sequence[Hit], *, cards: Sequence[Any] = (),
            chunk_of: Mapping[str, Chunk] | None = None, card_index: Any = None, max_units: int = 6,
            station_hint_vi: str = "", station_hint_en: str = "",
            idf: Callable[[str], float] | None = None) -> Answer:
    """The answer to an understood question from its hits and matched cards (pure: no store, no model)."""
    q = question if isinstance(question, Question) else understand(question)
    hints = (station_hint_vi, station_hint_en)
    if q.jurisdiction == "foreign":
        return refusal(q.language, *hints, reason="foreign_law")
    ground = assess(q, hits)
    if cards and (ground.domain or ground.grounded):
        return card_answer(q, cards, chunk_of or {}, card_index, hints, hits)
    if not ground.grounded:
        return refusal(q.language, *hints, reason="not_covered" if ground.domain else "out_of_domain")
    answer = passage_answer(q, hits, max_units=max_units, idf=idf, hints=hints)
    return answer or refusal(q.language, *hints, reason="not_covered")


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


def refusal(lang: str, hint_vi: str = "", hint_en: str = "", reason: str = "out_of_domain") -> Answer:
    """No answer, and why: outside IP law, another country's law, or a facet the sources do not cover."""
    key = {"foreign_law": "refusal_foreign", "not_covered": "refusal_not_covered"}.get(reason, "refusal")
    text = _text(lang)[key].format(hint=hint_en if lang == "en" else hint_vi)
    return Answer(answer=text, citations=[], grounded=False, language=lang, refusal=reason)


def conflict_lines(answer: Answer, mark: str, conflicts: Sequence, hits: Sequence[Hit | None], lang: str) -> Answer:
    """Put a short pre-check of a named mark before the procedure, each line citing the record it reports.

    "Is my name taken?" is what the founder asked first, so the records lead and the procedure's
    citations are renumbered after them."""
    words_ = _text(lang)
    statements: list[dict[str, Any]] = [{"role": "lead", "text": words_["marks_intro"].format(mark=mark), "cites": []}]
    citations: list[Citation] = []
    for conflict, hit in zip(conflicts, hits):
        if hit is None:
            continue
        n = len(citations) + 1
        c = hit.chunk
        citations.append(Citation.of(n, c, _snippet(c.text), round(conflict.similarity, 4)))
        classes = ", ".join(str(x) for x in conflict.nice_classes)
        risk = words_["risk"].get(conflict.risk, conflict.risk)
        why = "; ".join(conflict.reasons[:2])
        sample = f" ({words_['sample']})" if c.text.startswith("[") else ""
        statements.append({"role": "point", "cites": [n],
                           "text": f"“{conflict.mark}”{sample} — {c.locator}, {words_['classes']} {classes}, {risk}: {why}"})
    cited = len(citations)
    statements[0]["cites"] = list(range(1, cited + 1))  # the pre-check reports these records
    if not cited:
        statements.append({"role": "point", "text": words_["marks_none"], "cites": []})
    statements.append({"role": "note", "text": words_["marks_outro"], "cites": []})
    text = _render(statements)
    if answer.answer:
        shifted = re.sub(r"\[(\d+)\]", lambda m: f"[{int(m.group(1)) + cited}]", answer.answer)
        text = f"{text}\n\n{shifted.rstrip()}"
        citations += [replace(c, n=c.n + cited) for c in answer.citations]
        statements += [{**st, "role": "point" if st["role"] == "lead" else st["role"],
                        "cites": [n + cited for n in st["cites"]]} for st in answer.statements]
    grounded = answer.grounded or cited > 0
    return Answer(answer=text.strip(), citations=citations, grounded=grounded, mode=answer.mode,
                  took_ms=answer.took_ms, language=lang, notice=answer.notice, statements=statements,
                  refusal=None if grounded else answer.refusal)


def fee_answer(q: Question, est: Any, chunk: Chunk | None, hints: tuple[str, str] = ("", ""),
               example: bool = False) -> Answer:
    """The official-fee estimate a question's counts call for, each line showing its working, citing the
    fee schedule (assistant/fees.py computes; this only words it)."""
    from .fees import vnd

    words_ = _text(q.language)
    citer = _Citer()
    cites = [citer.cite(chunk, chunk.text, 1.0)] if chunk is not None else []
    lead = words_["fee_example_lead" if example else "fee_lead"].format(
        total=vnd(est.total), circular=est.source.get("circular", ""),
        what=words_.get(f"fee_what_{est.stage}", words_["fee_what"]).get(est.kind, words_["fee_what"][est.kind]),
        more=words_.get(f"fee_more_{est.stage}", words_["fee_more"]).get(est.kind, words_["fee_more"][est.kind]))
    statements = [{"role": "lead", "text": lead, "cites": cites}]
    for ln in est.lines:
        statements.append({"role": "point", "cites": cites,
                           "text": f"{ln.item}: {vnd(ln.unit_amount)} × {ln.quantity} ({ln.basis}) = {vnd(ln.amount)}"})
    statements.append({"role": "note", "text": est.notes[0], "cites": []})
    out = _answer(q, statements, citer, hints, budget=10_000) if cites else None
    if out is None:
        return Answer(answer=_render(statements), citations=[], grounded=True, language=q.language,
                      notice=_notice(q.language, *hints), statements=statements)
    # The itemised working is the point of this answer: no word budget trims it.
    return out


def prepend(first: Answer, rest: Answer) -> Answer:
    """One answer after another, markers of the second renumbered after the first's citations."""
    if not rest.grounded:
        return first
    shift = len(first.citations)
    shifted = re.sub(r"\[(\d+)\]", lambda m: f"[{int(m.group(1)) + shift}]", rest.answer)
    statements = first.statements + [{**st, "cites": [n + shift for n in st["cites"]], "role": "point"
                                      if st["role"] == "lead" else st["role"]} for st in rest.statements]
    return Answer(answer=f"{first.answer}\n\n{shifted}".strip(), grounded=True, language=first.language,
                  citations=first.citations + [replace(c, n=c.n + shift) for c in rest.citations],
                  notice=first.notice or rest.notice, statements=statements, mode=rest.mode)


def outline_answer(q: Question, event: Mapping[str, Any], pages: Sequence[Chunk], hints: tuple[str, str] = ("", "")
                   ) -> Answer | None:
    """What a training deck covers: its cover for the event, then each page's heading, cited by page."""
    pages = sorted((c for c in pages if c.page), key=lambda c: c.page)
    if len(pages) < 2:
        return None
    lang = "en" if q.english else "vi"
    words_ = _text(lang)
    citer = _Citer()
    where = ", ".join(x for x in (event.get("place"), _ddmmyyyy(event["date"]) if event.get("date") and
                                  len(event["date"]) == 10 else event.get("date")) if x)
    cover = pages[0]
    title = str(event.get("title") or cover.title)
    title = title if "“" in title else f"“{title}”"  # an event's own name may quote its theme already
    statements = [{"role": "lead", "text": words_["outline_lead"].format(title=title,
                                                                        where=f" ({where})" if where else ""),
                   "cites": [citer.cite(cover, cover.text, 1.0)]}]
    for c in pages[1:]:
        heading = c.text.strip().splitlines()[0].strip(" •-")
        statements.append({"role": "point", "text": words_["outline_item"].format(page=c.page, heading=heading),
                           "cites": [citer.cite(c, heading, 1.0)]})
    return _answer(q, statements, citer, hints, budget=40 * len(statements))


def event_answer(q: Question, event: Mapping[str, Any], cover: Chunk, hints: tuple[str, str] = ("", "")) -> Answer:
    """When, where and by whom a training event was held: its deck's cover page says it."""
    lang = "en" if q.english else "vi"
    parts = _text(lang)["event_facts"]
    date = event.get("date") or ""
    values = {"title": event.get("title"), "date": _ddmmyyyy(date) if len(date) == 10 else date,
              "place": event.get("place"), "organiser": event.get("organiser")}
    text = ", ".join(parts[k].format(**{k: v}) for k, v in values.items() if v and k != "title")
    citer = _Citer()
    lead = {"role": "lead", "text": f"{parts['title'].format(title=values['title'] or cover.title)} {text}.",
            "cites": [citer.cite(cover, cover.text, 1.0)]}
    return _answer(q, [lead], citer, hints, budget=200)
