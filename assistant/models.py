"""The pure core: small dataclasses that flow between the stages."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

KINDS = ("law", "guide", "training", "record", "card")


def date_number(day: str, default: int) -> int:
    return int(day.replace("-", "")) if day else default


@dataclass(slots=True)
class Section:
    """A piece of a source as loaded: a page of a PDF, a heading section, a record."""

    text: str
    locator: str = ""
    page: int | None = None
    heading_path: tuple[str, ...] = ()
    # Validity and provenance of this piece when it differs from its document's (see corpus/README.md).
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Source:
    """One document (or one record) of the corpus."""

    source_id: str
    title: str
    kind: str
    path: str
    sections: list[Section]
    ip_type: str | None = None
    url: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Chunk:
    chunk_id: str
    source_id: str
    text: str
    title: str
    kind: str
    locator: str
    ip_type: str | None = None
    url: str | None = None
    page: int | None = None
    ord: int = 0
    # The law version a chunk states and the dates it holds for ("" = open-ended); see corpus/README.md.
    valid_from: str = ""
    valid_to: str = ""
    legal_version: str = ""
    confidence: str = ""

    def valid_on(self, day: str) -> bool:
        """Does this chunk state the rule in force on `day` (ISO date)?"""
        return (not self.valid_from or self.valid_from <= day) and (not self.valid_to or day <= self.valid_to)

    def attrs(self) -> dict[str, str]:
        return {k: v for k, v in (("valid_from", self.valid_from), ("valid_to", self.valid_to),
                                  ("legal_version", self.legal_version), ("confidence", self.confidence)) if v}

    def embed_text(self) -> str:
        return f"{self.title} — {self.locator}\n{self.text}" if self.locator else f"{self.title}\n{self.text}"

    def filter_metadata(self) -> dict[str, Any]:
        """What a vector store needs to filter by (retrieve.Filters.where): the rest is in the catalog, and every
        key a store indexes costs ingest time (Chroma: half of its insert time for a record with all of them)."""
        meta = {"source_id": self.source_id, "kind": self.kind,
                "valid_from_n": date_number(self.valid_from, 0), "valid_to_n": date_number(self.valid_to, 99991231)}
        if self.ip_type:
            meta["ip_type"] = self.ip_type
        return meta

    def metadata(self) -> dict[str, Any]:
        meta = {"source_id": self.source_id, "title": self.title, "kind": self.kind, "locator": self.locator,
                "ord": self.ord}
        if self.ip_type:
            meta["ip_type"] = self.ip_type
        if self.url:
            meta["url"] = self.url
        if self.page is not None:
            meta["page"] = self.page
        meta.update(self.attrs())
        # Chroma compares numbers only: dates also go in as yyyymmdd integers for as_of filters.
        meta["valid_from_n"] = date_number(self.valid_from, 0)
        meta["valid_to_n"] = date_number(self.valid_to, 99991231)
        return meta


@dataclass(slots=True)
class Hit:
    chunk: Chunk
    score: float
    dense: float | None = None  # cosine similarity
    lexical: float | None = None  # BM25 score
    dense_rank: int | None = None
    lexical_rank: int | None = None


@dataclass(slots=True)
class Citation:
    n: int
    source_id: str
    title: str
    kind: str
    locator: str
    snippet: str
    url: str | None
    score: float
    valid_from: str = ""
    valid_to: str = ""
    legal_version: str = ""
    # The cited text's language when it differs from the answer's (an English answer quoting Vietnamese).
    language: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["valid_from"] = self.valid_from or None
        d["valid_to"] = self.valid_to or None
        d["legal_version"] = self.legal_version or None
        d["language"] = self.language or None
        return d

    @classmethod
    def of(cls, n: int, chunk: "Chunk", snippet: str, score: float) -> "Citation":
        return cls(n=n, source_id=chunk.source_id, title=chunk.title, kind=chunk.kind, locator=chunk.locator,
                   snippet=snippet, url=chunk.url, score=score, valid_from=chunk.valid_from,
                   valid_to=chunk.valid_to, legal_version=chunk.legal_version)


@dataclass(slots=True)
class Answer:
    answer: str
    citations: list[Citation]
    grounded: bool
    mode: str = "extractive"
    took_ms: float = 0.0
    language: str = "vi"
    # Why this answer: what the question was understood to ask (objects, facets, jurisdiction).
    understood: dict[str, Any] = field(default_factory=dict)
    as_of: str = ""
    # Why it was refused: "out_of_domain", "foreign_law", "not_covered" (None when answered).
    refusal: str | None = None
    notice: str = ""
    # What the generative mode did, when it ran: {"status": "ok"|"rejected"|"error", "reason": ...}.
    generation: dict[str, Any] | None = None
    # The answer's statements, each with its citation numbers (the text is these, joined).
    statements: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "citations": [c.to_dict() for c in self.citations],
            "grounded": self.grounded,
            "mode": self.mode,
            "took_ms": round(self.took_ms, 1),
            "language": self.language,
            "as_of": self.as_of or None,
            "understood": self.understood,
            "refusal": self.refusal,
            "notice": self.notice,
            "generation": self.generation,
        }
