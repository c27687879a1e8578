"""Hybrid retrieval: dense (Chroma, cosine) + BM25, fused by weighted reciprocal rank fusion."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from .embeddings import Embedder
from .glossary import expand, ip_objects, strip_objects
from .lexical import LexicalIndex
from .models import KINDS, Chunk, Hit, date_number
from .settings import Settings
from .dense import DenseSearch
from .text import detect_language, fold, words

if False:  # typing only
    from .understand import Question  # noqa: F401

# Follow-up markers: a question with one of these leans on the previous turn.
_FOLLOW_UP = re.compile(
    r"(?<!\w)(no|do|nay|thu tuc do|van de do|truong hop do|the con|con|vay|thi sao|the thi|"
    r"it|that|this|those|them|what about|how about|and for|same)(?!\w)")


@dataclass(frozen=True, slots=True)
class Filters:
    kinds: tuple[str, ...] | None = None
    ip_types: tuple[str, ...] | None = None
    exclude_kinds: tuple[str, ...] = ()
    record_ip_types: tuple[str, ...] | None = None  # records allowed only of these types (None: any)
    as_of: str | None = None  # only chunks stating the rule in force on this ISO date
    source_ids: tuple[str, ...] | None = None  # only these sources (e.g. one training deck)
    events: tuple[str, ...] | None = None  # only these training events' decks, by event id (the deck's file stem)

    def event_source_ids(self) -> tuple[str, ...]:
        # An event id is its deck's file stem under corpus/training/, so its source id follows without a lookup.
        return tuple(e if "/" in e else f"training/{e}" for e in self.events or ())

    def where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.source_ids:
            clauses.append({"source_id": {"$in": list(self.source_ids)}})
        if self.events:
            clauses.append({"source_id": {"$in": list(self.event_source_ids())}})
        if self.kinds:
            clauses.append({"kind": {"$in": list(self.kinds)}})
        if self.exclude_kinds:
            clauses.append({"kind": {"$nin": list(self.exclude_kinds)}})
        if self.record_ip_types is not None:
            clauses.append({"$or": [{"kind": {"$ne": "record"}}, {"ip_type": {"$in": list(self.record_ip_types)}}]})
        if self.ip_types:
            clauses.append({"ip_type": {"$in": list(self.ip_types)}})
        if self.as_of:
            day = date_number(self.as_of, 0)
            clauses += [{"valid_from_n": {"$lte": day}}, {"valid_to_n": {"$gte": day}}]
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def allows(self, chunk: Chunk) -> bool:
        if self.source_ids and chunk.source_id not in self.source_ids:
            return False
        if self.events and chunk.source_id not in self.event_source_ids():
            return False
        if self.kinds and chunk.kind not in self.kinds:
            return False
        if chunk.kind in self.exclude_kinds:
            return False
        if self.ip_types and chunk.ip_type not in self.ip_types:
            return False
        if self.record_ip_types is not None and chunk.kind == "record" and chunk.ip_type not in self.record_ip_types:
            return False
        if self.as_of and not chunk.valid_on(self.as_of):
            return False
        return True


def contextualize(question: str, history: Sequence[dict[str, str]] | None) -> str:
    """Resolve 'nó', 'thủ tục đó', 'what about designs?' against the previous user turn."""
    if not history:
        return question
    previous = [h["content"] for h in history if h.get("role") == "user" and h.get("content")]
    if not previous:
        return question
    folded = fold(question)
    if len(words(question)) <= 6 or _FOLLOW_UP.search(folded):
        before = previous[-1]
        if ip_objects(question) - ip_objects(before):
            # "What about designs?" after a trademark question: keep the question, swap the object.
            before = strip_objects(before)
        # The new question goes twice so its own terms still lead the ranking.
        return f"{question} {before} {question}"
    return question


class HybridRetriever:
    def __init__(self, settings: Settings, embedder: Embedder, dense: DenseSearch, lexical: LexicalIndex,
                 chunks: dict[str, Chunk]):
        self.settings = settings
        self.embedder = embedder
        self.dense = dense
        self.lexical = lexical
        self.chunks = chunks
        self._order = [chunks[cid] for cid in lexical.chunk_ids if cid in chunks]
        self._masks: dict[Filters, np.ndarray] = {}
        # English questions lean a little toward the English overview, when it has the answer.
        self._english = {cid for cid, c in chunks.items() if c.kind != "record" and detect_language(c.text) == "en"}

    def _mask(self, filters: Filters) -> np.ndarray | None:
        if filters == Filters():
            return None
        if filters not in self._masks:
            if len(self._masks) > 256:  # one mask per (filters, as_of): bounded, whatever clients send
                self._masks.clear()
            self._masks[filters] = np.array([cid in self.chunks and filters.allows(self.chunks[cid])
                                               for cid in self.lexical.chunk_ids])
        return self._masks[filters]

    def retrieve(self, question: "str | Question", k: int | None = None, filters: Filters | None = None,
                 history: Sequence[dict[str, str]] | None = None) -> list[Hit]:
        """Hits for a question: a plain string, or an understood Question (its query is already expanded and
        its language known, so nothing is detected twice)."""
        k = k or self.settings.top_k
        filters = filters or Filters()
        if not isinstance(question, str):
            query = question.query
            lang = question.language
            question = question.core
        else:
            query = expand(contextualize(question, history))
            lang = detect_language(question)
        n = max(self.settings.candidates, k)
        dense = []
        allowed = self._mask(filters)
        if self.settings.weight_dense > 0:
            vec = self.embedder.embed([query])[0]
            dense = self.dense.query(vec, n, filters, allowed)
        lexical = self.lexical.search(query, n, allowed) if self.settings.weight_lexical > 0 else []
        return self.fuse(dense, lexical, k, question, lang)

    def fuse(self, dense: list[tuple[str, float]], lexical: list[tuple[str, float]], k: int,
             question: str = "", language: str | None = None) -> list[Hit]:
        hits = rrf_fuse(dense, lexical, self.chunks, len(self.chunks), self.settings.rrf_k,
                        self.settings.weight_dense, self.settings.weight_lexical)
        prior = kind_prior(question, self.settings)
        english = (language or detect_language(question)) == "en"
        for h in hits:
            h.score *= prior.get(h.chunk.kind, 1.0)
            if english and h.chunk.chunk_id in self._english:
                h.score *= self.settings.prior_same_language
        return sorted(hits, key=lambda h: -h.score)[:k]


_HOW_TO = re.compile(r"(?<!\w)(lam the nao|lam sao|the nao de|thu tuc|cac buoc|quy trinh|can lam gi|nen lam gi|"
                     r"how do i|how to|how can i|steps|procedure|o dau|where)(?!\w)")


def kind_prior(question: str, settings: Settings) -> dict[str, float]:
    """Legal questions lean on the law itself; how-to questions on the guides."""
    if _HOW_TO.search(fold(question)):
        return {"guide": settings.prior_guide_howto}
    return {"law": settings.prior_law}


def rrf_fuse(dense: list[tuple[str, float]], lexical: list[tuple[str, float]], chunks: dict[str, Chunk], k: int,
             rrf_k: int = 60, w_dense: float = 1.0, w_lexical: float = 1.0) -> list[Hit]:
    """Weighted reciprocal rank fusion; keeps each signal's raw score for grounding decisions."""
    hits: dict[str, Hit] = {}
    for rank, (cid, score) in enumerate(dense, 1):
        if cid not in chunks:
            continue
        hit = hits.setdefault(cid, Hit(chunk=chunks[cid], score=0.0))
        hit.score += w_dense / (rrf_k + rank)
        hit.dense, hit.dense_rank = score, rank
    for rank, (cid, score) in enumerate(lexical, 1):
        if cid not in chunks:
            continue
        hit = hits.setdefault(cid, Hit(chunk=chunks[cid], score=0.0))
        hit.score += w_lexical / (rrf_k + rank)
        hit.lexical, hit.lexical_rank = score, rank
    return sorted(hits.values(), key=lambda h: -h.score)[:k]


def parse_filters(kind: str | Sequence[str] | None = None, ip_type: str | Sequence[str] | None = None, *,
                  source_id: str | Sequence[str] | None = None, event: str | Sequence[str] | None = None) -> Filters:
    def norm(v: str | Sequence[str] | None) -> tuple[str, ...] | None:
        if not v:
            return None
        items = v.split(",") if isinstance(v, str) else list(v)
        return tuple(x.strip() for x in items if x and x.strip()) or None

    kinds = norm(kind)
    if kinds:
        unknown = [x for x in kinds if x not in KINDS]
        if unknown:
            from .errors import BadInput

            raise BadInput(f"unknown kind {unknown[0]!r}; use one of {', '.join(KINDS)}")
    return Filters(kinds=kinds, ip_types=norm(ip_type), source_ids=norm(source_id), events=norm(event))


def as_langchain_retriever(hybrid: HybridRetriever, k: int = 6, filters: Filters | None = None):
    """The same retriever as a LangChain ``BaseRetriever`` for users' own chains."""
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever
    from pydantic import ConfigDict

    class IPRetriever(BaseRetriever):
        model_config = ConfigDict(arbitrary_types_allowed=True)
        hybrid: Any
        k: int = 6
        filters: Any = None

        def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun
                                    ) -> list[Document]:
            return [Document(page_content=h.chunk.text,
                             metadata={**h.chunk.metadata(), "chunk_id": h.chunk.chunk_id, "score": h.score})
                    for h in self.hybrid.retrieve(query, self.k, self.filters)]

    return IPRetriever(hybrid=hybrid, k=k, filters=filters)
