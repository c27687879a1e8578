"""Ingest: load → chunk → embed → store, incrementally by content hash."""

from __future__ import annotations

import hashlib
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from .chunking import chunk_source
from .embeddings import Embedder, make_embedder
from .errors import CorpusFileError
from .lexical import LexicalIndex
from .loaders import iter_corpus_files, load_file
from .models import Chunk, Source
from .settings import Settings
from .store import Catalog, VectorStore

INDEX_VERSION = "8"  # bump when chunking or the lexical format changes: forces a rebuild


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    chunks: int = 0
    sources: int = 0
    embedded: int = 0
    seconds: float = 0.0
    rebuilt: bool = False

    def to_dict(self) -> dict:
        return {"added": self.added, "updated": self.updated, "removed": self.removed, "unchanged": self.unchanged,
                "failed": self.failed, "chunks": self.chunks, "sources": self.sources}

    def summary(self) -> str:
        return (f"ingest: {self.added} added, {self.updated} updated, {self.removed} removed, "
                f"{self.unchanged} unchanged, {len(self.failed)} failed — {self.sources} sources, "
                f"{self.chunks} chunks ({self.embedded} embedded) in {self.seconds:.1f}s")


@dataclass
class _Pending:
    key: str
    root: str
    digest: str
    sources: list[Source]
    chunks: list[Chunk]
    existed: bool


def _digest(path: Path, source_id_root: str) -> str:
    h = hashlib.sha256(INDEX_VERSION.encode())
    h.update(source_id_root.encode())
    h.update(path.read_bytes())
    return h.hexdigest()


def ingest(settings: Settings, paths: Sequence[Path] | None = None, rebuild: bool = False, progress: bool = False,
           embedder: Embedder | None = None,
           embedder_factory: Callable[[Settings], Embedder] = make_embedder) -> IngestReport:
    started = time.perf_counter()
    report = IngestReport()
    roots = [Path(p).resolve() for p in (paths or [settings.corpus_dir])]
    for root in roots:
        if not root.exists():
            report.failed.append({"path": str(root), "error": "path does not exist"})
    roots = [r for r in roots if r.exists()]

    settings.store_dir.mkdir(parents=True, exist_ok=True)
    catalog = Catalog(settings.catalog_path)
    vectors = VectorStore(settings)
    stored_model = catalog.info("embed_model")
    if stored_model and stored_model != settings.embed_model:
        rebuild = True  # vectors from another model are not comparable
    if catalog.info("index_version") not in (None, INDEX_VERSION):
        rebuild = True
    if rebuild:
        vectors.reset()
        catalog.clear()
        report.rebuilt = True

    known = catalog.files()
    owner_of = {sid: path for path, entry in known.items() for sid in entry["source_ids"]}
    seen: set[str] = set()
    pending: list[_Pending] = []
    for root in roots:
        for path in iter_corpus_files(root):
            key = str(path.resolve())
            seen.add(key)
            digest = _digest(path, str(root))
            old = known.get(key)
            if old and old["hash"] == digest:
                report.unchanged += 1
                continue
            try:
                sources = load_file(path, root)
                clash = next((s.source_id for s in sources if owner_of.get(s.source_id, key) != key), None)
                if clash:
                    raise CorpusFileError(str(path), f"source id '{clash}' is already used by {owner_of[clash]}")
            except CorpusFileError as exc:
                # An unreadable edit keeps the last good version in the store: nothing is lost.
                report.failed.append({"path": str(path), "error": exc.message})
                continue
            for s in sources:
                owner_of[s.source_id] = key
            chunks = [c for s in sources for c in chunk_source(s)]
            pending.append(_Pending(key, str(root), digest, sources, chunks, existed=old is not None))

    gone = [k for k, entry in known.items() if k not in seen and _under_roots(k, roots)]
    for key in gone:
        vectors.delete(catalog.drop_file(key))
        report.removed += 1

    if pending:
        all_chunks = [c for p in pending for c in p.chunks]
        texts = [c.embed_text() for c in all_chunks]
        keys = [hashlib.sha256(f"{settings.embed_model}\0{t}".encode()).hexdigest() for t in texts]
        cached = catalog.cached_vectors(keys)
        todo = [i for i, k in enumerate(keys) if k not in cached]
        if todo:
            model = embedder or embedder_factory(settings)
            fresh = model.embed([texts[i] for i in todo], progress=progress)
            catalog.cache_vectors({keys[i]: v for i, v in zip(todo, fresh)})
            cached.update({keys[i]: v for i, v in zip(todo, fresh)})
        vecs = [cached[k] for k in keys]
        report.embedded = len(todo)
        offset = 0
        for p in pending:
            part = vecs[offset:offset + len(p.chunks)]
            offset += len(p.chunks)
            if p.existed:
                vectors.delete(catalog.drop_file(p.key))
                report.updated += 1
            else:
                report.added += 1
            vectors.upsert(p.chunks, part)
            catalog.put_file(p.key, p.root, p.digest, p.sources, p.chunks)

    changed = bool(pending or gone or rebuild)
    if changed or not settings.lexical_path.exists():
        chunks = catalog.all_chunks()
        LexicalIndex.build([c.chunk_id for c in chunks], [c.embed_text() for c in chunks]).save(settings.lexical_path)
    if changed or not settings.marks_path.exists():
        build_mark_index(catalog, settings.marks_path)
    catalog.set_info("embed_model", settings.embed_model)
    catalog.set_info("index_version", INDEX_VERSION)
    counts = catalog.counts()
    report.chunks, report.sources = counts["chunks"], counts["sources"]
    catalog.close()
    report.seconds = time.perf_counter() - started
    return report


def _under_roots(key: str, roots: Sequence[Path]) -> bool:
    p = Path(key)
    return any(p == r or r in p.parents for r in roots)


def build_mark_index(catalog: Catalog, path: Path) -> None:
    """The trademark index for conflict checks, rebuilt whenever the records change."""
    from .marks import MarkIndex

    if path.exists():
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    MarkIndex.build(catalog.records("trademark")).save(path)
