"""Answer cards: curated, citable direct answers for the questions users ask most (corpus/cards/*.yaml).

A card holds the paraphrased questions it answers, a one- or two-sentence answer in Vietnamese and English, up
to four supporting points, its IP object and facet, its validity dates, and its legal basis: locators of law
chunks ("Điều 93 khoản 6"). Ingest validates every card against the store (`validate`): each basis must resolve
to chunks, and every figure the card states must be stated by one of those chunks (assistant/figures.py), so a
card cannot drift from the law text it cites. A card that fails is reported and not indexed.

At serve time `CardIndex.match(question)` picks the card that answers an understood question: the question's
words against the card's paraphrases (IDF-weighted, precomputed at load), gated by object and facet, and only
among cards valid on the question's date.

Check the corpus cards by hand:  python -m assistant.cards corpus/
"""

from __future__ import annotations

import math
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import yaml

from .errors import CorpusFileError
from .models import Chunk, Section, Source
from .text import lexical_terms, load_yaml
from .understand import _phrase_pattern, object_parent

OBJECTS = ("trademark", "collective_mark", "certification_mark", "patent", "utility_solution", "design",
           "layout_design", "gi", "trade_name", "trade_secret", "copyright", "related_rights", "plant_variety",
           "general")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BASIS = re.compile(r"^(?:(?P<sid>[\w./-]+)\s*:\s*)?Điều\s+(?P<art>\d+[a-zđ]?)(?:\s+khoản\s+(?P<cl>\d+[a-zđ]?))?"
                    r"(?:\s+điểm\s+(?P<pt>[a-zđ]))?\s*$", re.I)
# A guide or decree section with no article number: "law/10-luat-131-2025-sua-doi" (the whole source) or
# "guides/dang-ky-ra-nuoc-ngoai: Hệ thống Madrid" (the sections whose locator starts so).
_SOURCE_BASIS = re.compile(r"^(?P<sid>[\w-]+(?:/[\w.-]+)+)(?:\s*:\s*(?P<loc>.+))?$")
_LOCATOR = re.compile(r"^Điều\s+(\d+[a-zđ]?)(?:\s+khoản\s+(\d+[a-z]?)(?:–(\d+[a-z]?))?)?", re.I)


def _clause(label: str) -> tuple[int, str]:
    """'2a' → (2, 'a'): the clause the 2025 amendment inserted after 2 sorts between 2 and 3."""
    m = re.match(r"(\d+)([a-zđ]?)", label)
    return (int(m.group(1)), m.group(2)) if m else (0, "")


def _iso(value: Any) -> str:
    if value in (None, ""):
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


# --- load ---------------------------------------------------------------------------------------------

def load_cards(raw: str, path: Path, sid: str) -> list[Source]:
    """A cards file → one Source per card (kind "card"). A card with a missing field is kept with its error in
    meta["card_error"], so ingest reports it by id and still indexes the file's other cards."""
    try:
        data = load_yaml(raw)
    except yaml.YAMLError as exc:
        raise CorpusFileError(str(path), f"cards file is not valid YAML: {exc}") from exc
    if data is None:
        return []
    if not isinstance(data, list):
        raise CorpusFileError(str(path), "a cards file must be a YAML list of cards")
    out: list[Source] = []
    seen: set[str] = set()
    for n, card in enumerate(data, 1):
        if not isinstance(card, dict):
            raise CorpusFileError(str(path), f"card {n} is not a mapping")
        cid = str(card.get("id") or f"card-{n}")
        if cid in seen:
            raise CorpusFileError(str(path), f"duplicate card id {cid}")
        seen.add(cid)
        card = {**card, "id": cid, "valid_from": _iso(card.get("valid_from")), "valid_to": _iso(card.get("valid_to"))}
        error = _shape_error(card)
        questions = card.get("questions") or {}
        answer = card.get("answer") or {}
        text = "\n".join([str(answer.get("vi", "")), str(answer.get("en", "")),
                          *[str(q) for q in (questions.get("vi") or []) + (questions.get("en") or [])]])
        attrs = {k: str(card[k]) for k in ("valid_from", "valid_to", "legal_version", "confidence") if card.get(k)}
        title_q = (questions.get("vi") or [cid])[0]
        meta = {"card": card, "legal_version": card.get("legal_version"), "valid_from": card.get("valid_from"),
                "valid_to": card.get("valid_to") or None, "confidence": card.get("confidence")}
        if error:
            meta["card_error"] = error
        out.append(Source(source_id=f"{sid}/{cid}", title=f"Thẻ trả lời: {title_q}", kind="card", path=str(path),
                          sections=[Section(text=text, locator=cid, attrs=attrs)], ip_type=card.get("object"),
                          meta=meta))
    return out


def _shape_error(card: dict[str, Any]) -> str | None:
    for key in ("object", "facet", "answer", "basis", "questions", "valid_from"):
        if not card.get(key):
            return f"missing {key}"
    if card["object"] not in OBJECTS:
        return f"unknown object {card['object']!r}"
    answer = card["answer"]
    if not isinstance(answer, dict) or not answer.get("vi") or not answer.get("en"):
        return "answer needs vi and en"
    if not isinstance(card["basis"], list) or not all(
            isinstance(b, str) and (_BASIS.match(b.strip()) or _SOURCE_BASIS.match(b.strip())) for b in card["basis"]):
        return "basis must be a list of locators like 'Điều 93 khoản 6' or 'guides/x: Heading'"
    for key in ("valid_from", "valid_to"):
        if card.get(key) and not _DAY.match(card[key]):
            return f"{key} must be YYYY-MM-DD"
    qs = card["questions"]
    if not isinstance(qs, dict) or not (qs.get("vi") or qs.get("en")):
        return "questions needs vi and/or en lists"
    for p in card.get("points") or []:
        if not isinstance(p, dict) or not p.get("vi") or not p.get("en"):
            return "every point needs vi and en"
    return None


# --- validate (at ingest) -------------------------------------------------------------------------------

def resolve(basis: str, chunks: Iterable[Chunk], valid_from: str = "", valid_to: str = "") -> list[Chunk]:
    """Law chunks a basis locator names, among those whose validity overlaps the card's."""
    m = _BASIS.match(basis.strip())
    if not m:
        src = _SOURCE_BASIS.match(basis.strip())
        if not src:
            return []
        loc = (src.group("loc") or "").strip()
        return [c for c in chunks if c.source_id == src.group("sid") and c.kind not in ("card", "record")
                and (not loc or (c.locator or "").startswith(loc)) and _overlaps(c.valid_from, c.valid_to, valid_from,
                                                                                 valid_to)]
    art, clause, sid = m.group("art").lower(), m.group("cl"), m.group("sid")
    out = []
    for c in chunks:
        if c.kind in ("card", "record") or (sid and c.source_id != sid):
            continue
        lm = _LOCATOR.match(c.locator or "")
        if not lm or lm.group(1).lower() != art:
            continue
        if clause and lm.group(2):
            lo, hi = _clause(lm.group(2)), _clause(lm.group(3) or lm.group(2))
            if not lo <= _clause(clause) <= hi:
                continue
        if not _overlaps(c.valid_from, c.valid_to, valid_from, valid_to):
            continue
        out.append(c)
    return out


def _overlaps(a_from: str, a_to: str, b_from: str, b_to: str) -> bool:
    return (not a_to or not b_from or b_from <= a_to) and (not b_to or not a_from or a_from <= b_to)


def validate(sources: Sequence[Source], chunks: Sequence[Chunk]) -> tuple[list[Source], list[str]]:
    """Keep the cards whose basis resolves and whose figures their basis states; say why the others fail.
    A kept card's meta gains "basis_chunks" (chunk ids, in basis order)."""
    from .figures import unsupported

    ok: list[Source] = []
    errors: list[str] = []
    for src in sources:
        card = src.meta.get("card")
        if card is None:
            ok.append(src)
            continue
        if src.meta.get("card_error"):
            errors.append(f"card {card['id']}: {src.meta['card_error']}")
            continue
        vf, vt = card.get("valid_from", ""), card.get("valid_to", "")
        basis_chunks: list[Chunk] = []
        missing = []
        for b in card["basis"]:
            found = resolve(b, chunks, vf, vt)
            if not found:
                missing.append(b)
            basis_chunks += [c for c in found if c not in basis_chunks]
        if missing:
            errors.append(f"card {card['id']}: basis {', '.join(missing)} not found in the store "
                          f"(valid {vf or '…'}–{vt or '…'})")
            continue
        problem = None
        texts = [c.text for c in basis_chunks]
        statements = [card["answer"]["vi"], card["answer"]["en"]]
        for p in card.get("points") or []:
            extra: list[Chunk] = []
            for b in p.get("basis") or []:
                extra += resolve(b, chunks, vf, vt)
            if p.get("basis") and not extra:
                problem = f"point basis {p['basis']} not found in the store"
                break
            p["basis_chunks"] = [c.chunk_id for c in extra]
            for lang in ("vi", "en"):
                bad = unsupported(str(p[lang]), texts + [c.text for c in extra])
                if bad:
                    problem = f"figure {bad[0].text!r} of a point ({lang}) is not in its basis"
                    break
            if problem:
                break
        if not problem:
            for lang, text in zip(("vi", "en"), statements):
                bad = unsupported(str(text), texts)
                if bad:
                    problem = f"figure {bad[0].text!r} of the {lang} answer is not in its basis {card['basis']}"
                    break
        if not problem and card.get("transition"):
            # The transition names the earlier rule: its figures must be in some version of the basis articles.
            every = [c.text for b in card["basis"] for c in resolve(b, chunks)]
            for lang in ("vi", "en"):
                bad = unsupported(str((card["transition"] or {}).get(lang, "")), texts + every)
                if bad:
                    problem = f"figure {bad[0].text!r} of the {lang} transition is not in any version of its basis"
                    break
        if problem:
            errors.append(f"card {card['id']}: {problem}")
            continue
        src.meta["basis_chunks"] = [c.chunk_id for c in basis_chunks]
        ok.append(src)
    return ok, errors


# --- match (at serve time) ---------------------------------------------------------------------------------

@dataclass(slots=True)
class Card:
    id: str
    object: str
    facet: str
    answer: dict[str, str]
    points: list[dict[str, Any]]
    basis_chunks: list[str]
    valid_from: str
    valid_to: str
    legal_version: str
    confidence: str
    supersedes: str | None = None
    transition: dict[str, str] | None = None
    source_id: str = ""
    paraphrases: list[frozenset[str]] = field(default_factory=list)
    requires: re.Pattern | None = None  # the card answers only a question naming one of these (folded)

    def valid_on(self, day: str) -> bool:
        return (not self.valid_from or self.valid_from <= day) and (not self.valid_to or day <= self.valid_to)


@dataclass(slots=True)
class CardMatch:
    card: Card
    score: float
    lexical: float


def _requires(phrases: Any) -> re.Pattern | None:
    # The same phrase matching as the understanding's vocabulary (folded, whole words, "re:" for patterns).
    phrases = [str(p) for p in phrases or [] if str(p).strip()]
    return _phrase_pattern(phrases) if phrases else None


class CardIndex:
    """Cards in memory, with each paraphrase's terms computed once at load."""

    STRUCTURAL_LEX = 0.08  # least paraphrase similarity for a card whose object and facet were understood

    def __init__(self, cards: Sequence[Card]):
        self.cards = list(cards)
        self.by_id = {c.id: c for c in self.cards}
        df: Counter = Counter()
        for c in self.cards:
            for p in c.paraphrases:
                df.update(p)
        n = sum(len(c.paraphrases) for c in self.cards) or 1
        self._idf = {t: math.log1p(n / k) for t, k in df.items()}
        self._max_idf = math.log1p(n)
        # Each paraphrase's weight, once: matching then costs one set intersection per paraphrase.
        self._weights = {id(p): sum(self._idf[t] for t in p) for c in self.cards for p in c.paraphrases}
        self._pairs = {(c.object, c.facet) for c in self.cards}

    @classmethod
    def from_sources(cls, sources: Iterable[Source]) -> "CardIndex":
        cards = []
        for s in sources:
            card = s.meta.get("card")
            if not card or not s.meta.get("basis_chunks"):
                continue
            qs = card.get("questions") or {}
            paraphrases = [frozenset(lexical_terms(q)) for q in (qs.get("vi") or []) + (qs.get("en") or [])]
            paraphrases = [p for p in paraphrases if p]
            cards.append(Card(id=card["id"], object=card["object"], facet=card["facet"], answer=card["answer"],
                              points=list(card.get("points") or []), basis_chunks=list(s.meta["basis_chunks"]),
                              valid_from=card.get("valid_from") or "", valid_to=card.get("valid_to") or "",
                              legal_version=str(card.get("legal_version") or ""),
                              confidence=str(card.get("confidence") or ""), supersedes=card.get("supersedes"),
                              transition=card.get("transition"), source_id=s.source_id, paraphrases=paraphrases,
                              requires=_requires(card.get("requires"))))
        return cls(cards)

    def __len__(self) -> int:
        return len(self.cards)

    def similarity(self, terms: frozenset[str], card: Card) -> float:
        """Best IDF-weighted overlap (Dice) of the question's terms with one of the card's paraphrases."""
        if not terms:
            return 0.0
        w = lambda t: self._idf.get(t, self._max_idf)  # noqa: E731
        q_weight = sum(w(t) for t in terms)
        best = 0.0
        for p in card.paraphrases:
            common = terms & p
            if common:
                best = max(best, 2 * sum(w(t) for t in common) / (q_weight + self._weights[id(p)]))
        return best

    def match(self, question, limit: int = 2, floor: float = 0.33) -> list[CardMatch]:
        """Cards that answer an understood question (assistant.understand.Question), best first."""
        terms = question.terms
        asked = set(question.objects)
        facets = list(question.facets)
        out: list[CardMatch] = []
        best_structural: CardMatch | None = None
        first = question.objects[0] if question.objects else None
        parent = object_parent(first)
        for card in self.cards:
            if not card.valid_on(question.as_of):
                continue
            # A general card, or one of the object this one is a kind of, speaks for the object asked when that
            # object has no card of its own for the facet ("the penalty for trademark infringement": the
            # sanctions are the same for every object; a utility solution's annuities are a patent's).
            stands_in = (card.object in ("general", parent) and first is not None
                         and (first, card.facet) not in self._pairs)
            if asked and card.object not in asked and card.object != "general" and not stands_in:
                continue
            if card.requires is not None and not card.requires.search(question.folded):
                continue  # "Đăng ký tên miền rồi có cần đăng ký nhãn hiệu?" is no answer to an OCOP question
            lex = self.similarity(terms, card)
            # No IP object understood ("thủ tục sang tên sổ đỏ"): a card about one answers only a close paraphrase.
            if not asked and card.object != "general" and lex < 0.55:
                continue
            if lex <= 0:
                continue
            score = lex
            if facets:
                # The facet leans the choice; the paraphrase decides it ("GUI … được không?" is about GUIs).
                if card.facet == facets[0]:
                    score *= 1.35
                elif card.facet in facets and card.facet not in question.guessed_facets:
                    score *= 1.15
                elif card.facet in facets:
                    pass  # a facet guessed from a generic word ("what is") neither leans nor penalises
                else:
                    score *= 0.7
            if asked and (card.object == first or stands_in):
                score *= 1.15
            if not facets and lex < (0.55 if not asked else 0.4 if card.requires is not None else 0.5):
                # No facet understood: only a close paraphrase may answer ("Phú Quốc GI for what?"). A card whose
                # required term the question uses ("well-known") is already narrowed to it: a looser one will do.
                continue
            if not asked and card.object != "general":
                score *= 0.8
            structural = (facets and card.facet == facets[0] and facets[0] not in question.guessed_facets
                          and (card.object == first or stands_in) and lex >= self.STRUCTURAL_LEX)
            out.append(CardMatch(card, score, lex))
            if structural and (best_structural is None or lex > best_structural.lexical):
                best_structural = out[-1]
        if best_structural is not None:
            # The understanding names this card's object and facet: a long or unusual wording that shares few
            # words with its paraphrases still asks its question. Of several such cards, the closest wording's.
            best_structural.score = max(best_structural.score, floor)
        out.sort(key=lambda m: -m.score)
        out = [m for m in out if m.score >= floor]
        # A second card only when it answers another facet of the question ("thủ tục và lệ phí").
        if len(out) > 1:
            first = out[0]
            second = next((m for m in out[1:] if m.card.facet != first.card.facet and m.card.facet in facets
                           and m.score >= 0.6 * first.score), None)
            out = [first] + ([second] if second else [])
        return out[:limit]


def main(argv: list[str] | None = None) -> int:
    """Validate the cards of a corpus folder against its law files, without a store."""
    from .chunking import chunk_source
    from .loaders import iter_corpus_files, load_file

    root = Path((argv or sys.argv[1:] or ["corpus"])[0]).resolve()
    chunks: list[Chunk] = []
    cards: list[Source] = []
    for path in iter_corpus_files(root):
        try:
            sources = load_file(path, root)
        except CorpusFileError as exc:
            print(f"FAILED {path}: {exc.message}")
            continue
        for s in sources:
            (cards if s.kind == "card" else chunks).extend([s] if s.kind == "card" else chunk_source(s))
    ok, errors = validate(cards, chunks)
    for e in errors:
        print(f"FAIL {e}")
    print(f"{len(ok)} cards valid, {len(errors)} failed")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
