"""Dense search: exact cosine over the generation's vectors, or a query to Chroma.

Chroma is the vector store of record: ingest writes every vector there, and a deployment with a Chroma server
(``IPA_CHROMA_HOST``) asks it. An embedded store's generation also holds the same vectors as one float32 matrix
(``dense.npy``, rows in the BM25 index's order), written by ingest beside the Chroma directory. Serving from it
costs a matrix-vector product (~0.1 ms for the default corpus, a few ms for 100,000 records) where an embedded
Chroma query with a metadata filter costs ~12 ms, most of it outside the HNSW search; the search is exact rather
than approximate; and the file is memory-mapped, so server workers share its pages. Filters become a boolean row
mask, the one BM25 already uses.

``IPA_DENSE_SEARCH``: ``auto`` (the matrix when the generation has one and no Chroma server is configured),
``matrix`` or ``chroma``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, Sequence

import numpy as np

if TYPE_CHECKING:
    from .retrieve import Filters
    from .settings import Settings
    from .store import VectorStore


class DenseSearch(Protocol):
    name: str

    def query(self, vector: Sequence[float], n: int, filters: "Filters", allowed: np.ndarray | None
              ) -> list[tuple[str, float]]: ...

    def close(self) -> None: ...


def ids_path(path: Path) -> Path:
    return path.with_name(path.stem + ".ids.json")


class MatrixWriter:
    """Writes the matrix block by block into a memory-mapped file, so ingest never holds all of it at once."""

    def __init__(self, path: Path, ids: Sequence[str]):
        self.path = Path(path)
        self.ids = list(ids)
        self._tmp = self.path.with_name(self.path.name + ".tmp.npy")
        self._m: np.ndarray | None = None
        self._row = 0

    def write(self, vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32)
        if self._m is None:
            self._m = np.lib.format.open_memmap(self._tmp, mode="w+", dtype=np.float32,
                                                shape=(len(self.ids), vectors.shape[1]))
        self._m[self._row:self._row + len(vectors)] = vectors
        self._row += len(vectors)

    def close(self) -> None:
        if self._m is None:  # no chunks: an empty matrix still says "searched, nothing found"
            self._m = np.lib.format.open_memmap(self._tmp, mode="w+", dtype=np.float32, shape=(0, 0))
        if self._row != len(self.ids):
            raise ValueError(f"dense matrix: {self._row} rows written for {len(self.ids)} ids")
        self._m.flush()
        del self._m
        ids_path(self.path).write_text(json.dumps(self.ids), encoding="utf-8")
        os.replace(self._tmp, self.path)  # last: a matrix file always has its ids beside it


class MatrixSearch:
    name = "matrix"

    def __init__(self, ids: list[str], matrix: np.ndarray):
        self.ids = ids
        self.matrix = matrix

    @classmethod
    def load(cls, path: Path, order: Sequence[str] | None = None) -> "MatrixSearch":
        """Memory-mapped; with ``order`` (the BM25 index's ids), rows are put in that order so masks are shared."""
        matrix = np.load(path, mmap_mode="r")
        ids = json.loads(ids_path(path).read_text(encoding="utf-8"))
        if order is not None and list(order) != ids:
            row = {cid: i for i, cid in enumerate(ids)}
            take = [row.get(cid, -1) for cid in order]
            dim = matrix.shape[1] if matrix.ndim == 2 else 0
            aligned = np.zeros((len(order), dim), dtype=np.float32)
            hit = np.array([t >= 0 for t in take], dtype=bool)
            if hit.any():
                aligned[hit] = matrix[np.array([t for t in take if t >= 0])]
            matrix, ids = aligned, list(order)
        return cls(ids, matrix)

    def query(self, vector: Sequence[float], n: int, filters: "Filters", allowed: np.ndarray | None
              ) -> list[tuple[str, float]]:
        if not self.ids or n <= 0:
            return []
        scores = self.matrix @ np.asarray(vector, dtype=np.float32)
        if allowed is not None:
            scores = np.where(allowed, scores, -np.inf)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in top if np.isfinite(scores[i])]

    def close(self) -> None:
        self.matrix = np.zeros((0, 0), dtype=np.float32)  # drops the mapping once no query holds it


class ChromaSearch:
    name = "chroma"

    def __init__(self, store: "VectorStore"):
        self.store = store

    def query(self, vector: Sequence[float], n: int, filters: "Filters", allowed: np.ndarray | None
              ) -> list[tuple[str, float]]:
        return self.store.query(vector, n, filters.where())

    def close(self) -> None:
        self.store.close()


def open_dense(settings: "Settings", order: Sequence[str] | None = None) -> DenseSearch:
    """The dense search these settings ask for; the heavy library is imported only in its branch."""
    path = settings.dense_path
    match settings.dense_search:
        case "auto" if path.exists() and not settings.chroma_host:
            return MatrixSearch.load(path, order)
        case "matrix":
            if not path.exists():
                from .errors import StoreMissing

                raise StoreMissing(f"{path} is missing; run `python ingest.py` (IPA_DENSE_SEARCH=matrix)")
            return MatrixSearch.load(path, order)
        case _:
            from .store import VectorStore

            return ChromaSearch(VectorStore(settings))
