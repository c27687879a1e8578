"""Ingest: load → chunk → embed → store, incrementally by content hash, into a new index generation.

Every run that changes anything builds a complete generation beside the served one (see generations.py):
unchanged files' rows are copied from the current generation, changed files are loaded again, vectors come
from the embedding cache (only new texts reach the model), and the stamp naming the new generation is
written last. A run that changes nothing writes nothing and never loads the model.

File keys are relative to the corpus root setting (``settings.corpus_dir``), and so are source ids — also for
``ingest.py corpus/law`` — so a project folder moved with its store re-ingests nothing. Files outside the corpus
root are keyed by absolute path, their source ids relative to the path given.

Crash tests: ``IPA_TEST_CRASH_AT=<stage>`` makes the process die by ``os._exit(137)`` at that stage, as a
kill -9 would: ``loaded`` (files read and chunked), ``embedded`` (after the first batch of new vectors is
cached), ``catalog`` (new catalog written), ``vectors`` (after the first Chroma batch), ``lexical``, ``marks``
(indexes written, stamp not yet), ``stamped`` (stamp written, old generations not yet collected).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from . import generations
from .chunking import chunk_source
from .dense import MatrixWriter
from .embeddings import EXPORT_VERSION, Embedder, make_embedder
from .errors import CorpusFileError
from .lexical import LexicalIndex
from .loaders import iter_corpus_files, load_file
from .models import Chunk, Source
from .settings import Settings
from .store import Catalog, VectorCache, VectorStore, collection_name

INDEX_VERSION = "11"  # bump when chunking or the lexical format changes: forces a rebuild
EMBED_BLOCK = 1024  # texts per model call: the progress bar moves and the cache fills block by block
CRASH_STAGES = ("loaded", "embedded", "catalog", "vectors", "lexical", "marks", "stamped")

# What a record is searched by: its name (in the title), what it covers, where, and who holds it. Dates,
# numbers and statuses are for BM25 and filters; in a vector they only blur the name.
_RECORD_EMBED_FIELDS = ("product", "goods_services", "abstract", "description", "owner", "applicant", "holder",
                        "province")


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
    generation: str | None = None
    stages: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"added": self.added, "updated": self.updated, "removed": self.removed, "unchanged": self.unchanged,
                "failed": self.failed, "chunks": self.chunks, "sources": self.sources}

    def summary(self) -> str:
        gen = f" → generation {self.generation}" if self.generation else ""
        return (f"ingest: {self.added} added, {self.updated} updated, {self.removed} removed, "
                f"{self.unchanged} unchanged, {len(self.failed)} failed — {self.sources} sources, "
                f"{self.chunks} chunks ({self.embedded} embedded) in {self.seconds:.1f}s{gen}")


@dataclass
class _Pending:
    key: str
    root: str
    digest: str
    sources: list[Source]
    chunks: list[Chunk]
    texts: list[str]
    existed: bool


def crash_point(stage: str) -> None:
    """Die here, as kill -9 would, when the crash tests ask for this stage."""
    if os.environ.get("IPA_TEST_CRASH_AT") == stage:
        sys.stdout.flush()
        os._exit(137)


def embed_identity(settings: Settings) -> str:
    """Which vectors these are: the model, the encoder backend when it is not the reference one (with its export
    recipe: vectors of two recipes differ a little and must not mix in one store) and the token limit if set."""
    backend = getattr(settings, "embed_backend", None)
    identity = settings.embed_model if backend in (None, "", "torch") else f"{settings.embed_model}+{backend}"
    if backend == "onnx":
        identity += f".{EXPORT_VERSION}"
    max_tokens = getattr(settings, "embed_max_tokens", 0)
    return f"{identity}@{max_tokens}" if max_tokens else identity


def vector_key(identity: str, text: str) -> str:
    return hashlib.sha256(f"{identity}\0{text}".encode()).hexdigest()


def embed_text(source: Source, chunk: Chunk) -> str:
    rec = source.meta.get("record") if source.kind == "record" else None
    if not isinstance(rec, dict):
        return chunk.embed_text()
    parts = [source.title] + [str(rec[k]) for k in _RECORD_EMBED_FIELDS if rec.get(k) not in (None, "", [])]
    return "\n".join(parts)


def _digest(path: Path, id_root: str) -> str:
    h = hashlib.sha256(INDEX_VERSION.encode())
    h.update(id_root.encode())
    h.update(path.read_bytes())
    return h.hexdigest()


class _Keys:
    """File keys and id roots: relative to the corpus root setting when under it, else absolute."""

    def __init__(self, corpus_dir: Path):
        self.base = Path(corpus_dir).resolve()

    def id_root(self, root: Path) -> Path:
        if root == self.base or self.base in root.parents:
            return self.base
        return root if root.is_dir() else root.parent

    def key(self, path: Path, id_root: Path) -> str:
        return path.relative_to(self.base).as_posix() if id_root == self.base else path.as_posix()

    def marker(self, id_root: Path) -> str:
        return "" if id_root == self.base else id_root.as_posix()

    def absolute(self, key: str, marker: str) -> Path:
        return Path(key) if marker else self.base / key


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
    with generations.ingest_lock(settings.store_dir):
        try:
            _ingest_locked(settings, roots, rebuild, progress, embedder, embedder_factory, report)
        except _CacheLost:
            # Vectors of unchanged files are gone from the cache (it was deleted?): embed everything again.
            report = IngestReport(failed=[f for f in report.failed if f["error"] == "path does not exist"])
            _ingest_locked(settings, roots, True, progress, embedder, embedder_factory, report)
    report.seconds = time.perf_counter() - started
    return report


def _ingest_locked(settings: Settings, roots: list[Path], rebuild: bool, progress: bool, embedder: Embedder | None,
                   embedder_factory: Callable[[Settings], Embedder], report: IngestReport) -> None:
    store_dir = settings.store_dir
    t = time.perf_counter()
    identity = embed_identity(settings)
    prev_name = generations.current_name(store_dir)
    prev_dir = generations.generations_dir(store_dir) / prev_name if prev_name else None
    prev = Catalog(prev_dir / "catalog.sqlite3", readonly=True) if prev_dir else None
    if prev is not None and (prev.info("embed_model") != identity or prev.info("index_version") != INDEX_VERSION):
        rebuild = True  # vectors of another model are not comparable; chunks of another version are not either
    report.rebuilt = rebuild and prev is not None
    known = prev.files() if prev is not None and not rebuild else {}
    if prev is not None:
        prev.close()

    keys = _Keys(settings.corpus_dir)
    owner_of = {sid: k for k, entry in known.items() for sid in entry["source_ids"]}
    seen: set[str] = set()
    pending: list[_Pending] = []
    # Answer cards go last: they are checked against the law of this run (cards.validate), so when any other
    # file changed every card is checked again. sorted() is stable.
    files = sorted(((root, path) for root in roots for path in iter_corpus_files(root)),
                   key=lambda rp: _is_cards(rp[1]))
    for root, path in files:
        id_root = keys.id_root(root)
        marker = keys.marker(id_root)
        key = keys.key(path, id_root)
        seen.add(key)
        digest = _digest(path, marker)
        old = known.get(key)
        recheck = _is_cards(path) and (rebuild or any(not _is_cards(Path(x.key)) for x in pending) or any(
            k not in seen and not _is_cards(Path(k)) for k in known))
        if old and old["hash"] == digest and not recheck:
            report.unchanged += 1
            continue
        try:
            sources = load_file(path, id_root)
            clash = next((s.source_id for s in sources if owner_of.get(s.source_id, key) != key), None)
            if clash:
                raise CorpusFileError(str(path), f"source id '{clash}' is already used by {owner_of[clash]}")
        except CorpusFileError as exc:
            # An unreadable edit keeps the last good version in the store: nothing is lost.
            report.failed.append({"path": str(path), "error": exc.message})
            continue
        for s in sources:
            owner_of[s.source_id] = key
            s.path = key  # what the catalog shows is the key, never a machine's absolute path
        chunks, texts = [], []
        for s in sources:
            for c in chunk_source(s):
                chunks.append(c)
                texts.append(embed_text(s, c))
        pending.append(_Pending(key, marker, digest, sources, chunks, texts, existed=old is not None))

    gone = [k for k, entry in known.items()
            if k not in seen and _under_roots(keys.absolute(k, entry["root"]), roots)]
    _validate_cards(pending, prev_dir, known, gone, report)
    report.removed = len(gone)
    report.updated = sum(p.existed for p in pending)
    report.added = len(pending) - report.updated
    report.stages["load"] = time.perf_counter() - t
    crash_point("loaded")

    complete = prev_dir is not None and all((prev_dir / f).exists() for f in ("lexical.npz", "marks.idx", "dense.npy"))
    if not pending and not gone and not rebuild and complete:
        counts = _counts(prev_dir)
        report.chunks, report.sources = counts["chunks"], counts["sources"]
        generations.collect_garbage(store_dir, _collection_dropper(settings))
        return

    cache = VectorCache(settings.vector_cache_path)
    legacy = Path(store_dir) / "catalog.sqlite3"
    if prev_dir is None and legacy.exists():
        cache.import_from(legacy)  # a store from before generations: its vectors are still good

    # Unchanged files whose vectors the cache lost are loaded again, so every chunk has a vector.
    keep = [k for k in known if k in seen and k not in {p.key for p in pending}] + \
        [k for k, e in known.items() if k not in seen and k not in gone]
    if keep and not rebuild:
        with _open(prev_dir / "catalog.sqlite3") as previous:
            if cache.missing(previous.vector_keys().values()):
                cache.close()
                raise _CacheLost()
    t = time.perf_counter()
    vkeys = [[vector_key(identity, x) for x in p.texts] for p in pending]
    report.embedded = _embed_missing(cache, [k for ks in vkeys for k in ks],
                                     [x for p in pending for x in p.texts], settings, embedder, embedder_factory,
                                     progress)
    report.stages["embed"] = time.perf_counter() - t

    t = time.perf_counter()
    name = generations.next_name(store_dir)
    gen_settings = settings.model_copy(update={"index_dir": generations.generations_dir(store_dir) / name})
    gen_dir = gen_settings.index_dir
    if gen_dir.exists():  # a leftover of a killed run with the same number
        shutil.rmtree(gen_dir)
    gen_dir.mkdir(parents=True)
    catalog = Catalog(gen_settings.catalog_path)
    if prev_dir is not None and keep:
        catalog.copy_files(prev_dir / "catalog.sqlite3", keep)
    for p, ks in zip(pending, vkeys):
        catalog.put_file(p.key, p.root, p.digest, p.sources, p.chunks, ks)
    catalog.set_info("embed_model", identity)
    catalog.set_info("index_version", INDEX_VERSION)
    report.stages["catalog"] = time.perf_counter() - t
    crash_point("catalog")

    t = time.perf_counter()
    chunks = catalog.all_chunks()
    by_chunk = catalog.vector_keys()
    vectors = VectorStore(gen_settings)
    vectors.drop_collection(collection_name(gen_settings))  # a leftover on a Chroma server
    vectors = VectorStore(gen_settings)
    bar = _bar(len(chunks), "store", progress)
    step = vectors.max_batch
    # The same vectors, in the BM25 index's row order, as the matrix a server searches (assistant/dense.py).
    matrix = MatrixWriter(gen_settings.dense_path, [c.chunk_id for c in chunks])
    for i in range(0, len(chunks), step):
        part = chunks[i:i + step]
        block = cache.get([by_chunk[c.chunk_id] for c in part])
        vectors.add(part, block)
        matrix.write(block)
        bar.update(len(part))
        crash_point("vectors")
    matrix.close()
    bar.close()
    cache.close()
    report.stages["vectors"] = time.perf_counter() - t

    t = time.perf_counter()
    LexicalIndex.build([c.chunk_id for c in chunks], [c.embed_text() for c in chunks]).save(gen_settings.lexical_path)
    report.stages["lexical"] = time.perf_counter() - t
    crash_point("lexical")
    t = time.perf_counter()
    build_mark_index(catalog, gen_settings.marks_path)
    report.stages["marks"] = time.perf_counter() - t
    crash_point("marks")

    counts = catalog.counts()
    catalog.close()
    vectors.close()
    report.chunks, report.sources, report.generation = counts["chunks"], counts["sources"], name
    generations.write_stamp(store_dir, {"generation": name, "previous": prev_name, "index_version": INDEX_VERSION,
                                        "embed_model": identity, "chunks": counts["chunks"],
                                        "sources": counts["sources"], "written_at": time.time()})
    crash_point("stamped")
    generations.collect_garbage(store_dir, _collection_dropper(settings))
    if prev_dir is None and legacy.exists():
        _remove_legacy(Path(store_dir))


def _embed_missing(cache: VectorCache, keys: list[str], texts: list[str], settings: Settings,
                   embedder: Embedder | None, factory: Callable[[Settings], Embedder], progress: bool) -> int:
    """Embed the texts whose keys are not cached, longest first in blocks, caching each block as it comes."""
    missing = cache.missing(keys)
    todo: dict[str, str] = {}
    for k, x in zip(keys, texts):
        if k in missing:
            todo.setdefault(k, x)
    if not todo:
        return 0
    model = embedder or factory(settings)
    items = sorted(todo.items(), key=lambda kv: -len(kv[1]))  # similar lengths batch with little padding
    bar = _bar(len(items), "embed", progress)
    for i in range(0, len(items), EMBED_BLOCK):
        block = items[i:i + EMBED_BLOCK]
        vecs = np.asarray(model.embed([x for _, x in block]), dtype=np.float32)
        cache.put([k for k, _ in block], vecs)
        bar.update(len(block))
        crash_point("embedded")
    bar.close()
    return len(items)


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _bar(total: int, what: str, progress: bool):
    if not progress or total == 0:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, desc=what, unit=" chunks", file=sys.stderr, dynamic_ncols=True)


class _CacheLost(Exception):
    pass


@contextmanager
def _open(path: Path) -> Iterator[Catalog]:
    catalog = Catalog(path, readonly=True)
    try:
        yield catalog
    finally:
        catalog.close()


def _counts(gen_dir: Path) -> dict[str, int]:
    with _open(gen_dir / "catalog.sqlite3") as catalog:
        return catalog.counts()


def _collection_dropper(settings: Settings):
    if not settings.chroma_host:
        return None

    def drop(generation: str) -> None:
        store = VectorStore(settings.model_copy(update={"index_dir": Path(settings.store_dir) / "generations" /
                                                        generation}))
        store.drop_collection(collection_name(settings, generation))

    return drop


def _remove_legacy(store_dir: Path) -> None:
    """The pre-generation index files, once their vectors live in the cache and a generation is current."""
    for name in ("catalog.sqlite3", "lexical.npz", "lexical.tmp.npz"):
        (store_dir / name).unlink(missing_ok=True)
    for name in ("chroma", "marks.idx"):
        p = store_dir / name
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        elif p.exists():
            p.unlink()


def _is_cards(path: Path) -> bool:
    return path.suffix.lower() in (".yaml", ".yml")


def _validate_cards(pending: list["_Pending"], prev_dir: Path | None, known: dict, gone: list[str],
                    report: "IngestReport") -> None:
    """Index only the cards whose basis resolves to this run's law chunks and whose figures it states."""
    card_files = [p for p in pending if any(s.kind == "card" for s in p.sources)]
    if not card_files:
        return
    from .cards import validate

    renewed = {p.key for p in pending} | set(gone)
    kept_ids = {cid for k, e in known.items() if k not in renewed for cid in e["chunk_ids"]}
    universe: list[Chunk] = []
    if prev_dir is not None and kept_ids and (prev_dir / "catalog.sqlite3").exists():
        previous = Catalog(prev_dir / "catalog.sqlite3", readonly=True)
        universe = [c for c in previous.all_chunks() if c.chunk_id in kept_ids and c.kind != "card"]
        previous.close()
    universe += [c for p in pending for c in p.chunks if c.kind != "card"]
    for p in card_files:
        ok, errors = validate(p.sources, universe)
        report.failed.extend({"path": p.key, "error": e} for e in errors)
        keep = {s.source_id for s in ok}
        pairs = [(c, t) for c, t in zip(p.chunks, p.texts) if c.source_id in keep]
        p.sources = ok
        p.chunks = [c for c, _ in pairs]
        p.texts = [t for _, t in pairs]


def _under_roots(p: Path, roots: Sequence[Path]) -> bool:
    return any(p == r or r in p.parents for r in roots)


def build_mark_index(catalog: Catalog, path: Path) -> None:
    """The trademark index for conflict checks, rebuilt whenever the records change."""
    from .marks import MarkIndex

    if path.exists():
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    MarkIndex.build(catalog.records("trademark")).save(path)
