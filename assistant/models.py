"""The pure core: small dataclasses that flow between the stages."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

KINDS = ("law", "guide", "training", "record")


@dataclass(slots=True)
class Section:
    """A piece of a source as loaded: a page of a PDF, a heading section, a record."""

    text: str
    locator: str = ""
    page: int | None = None
    heading_path: tuple[str, ...] = ()


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

    def embed_text(self) -> str:
        return f"{self.title} — {self.locator}\n{self.text}" if self.locator else f"{self.title}\n{self.text}"

    def metadata(self) -> dict[str, Any]:
        meta = {"source_id": self.source_id, "title": self.title, "kind": self.kind, "locator": self.locator,
                "ord": self.ord}
        if self.ip_type:
            meta["ip_type"] = self.ip_type
        if self.url:
            meta["url"] = self.url
        if self.page is not None:
            meta["page"] = self.page
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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Answer:
    answer: str
    citations: list[Citation]
    grounded: bool
    mode: str = "extractive"
    took_ms: float = 0.0
    language: str = "vi"

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "citations": [c.to_dict() for c in self.citations],
            "grounded": self.grounded,
            "mode": self.mode,
            "took_ms": round(self.took_ms, 1),
        }
