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
import queue
import re
import shutil
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from . import generations
from .chunking import chunk_source
from .dense import MatrixWriter
from .embeddings import EXPORT_VERSION, Embedder, EmbeddingPool, make_embedder, pool_workers
from .errors import CorpusFileError
from .lexical import LexicalIndex
from .loaders import iter_corpus_files, load_file, record_name
from .models import Chunk, Source
from .settings import Settings
from .store import Catalog, VectorCache, VectorStore, collection_name

INDEX_VERSION = "13"  # bump when chunking, a record's embedding text or the lexical format changes: forces a rebuild
EMBED_BLOCK = 256  # texts per model call: the cache fills, Chroma takes them and the progress bar moves block by block;
# small enough that the encoder processes share the longest passages (sorted first) evenly
CRASH_STAGES = ("loaded", "embedded", "catalog", "lexical", "marks", "vectors", "stamped")

# What a record is searched by: its name (in the title), what it covers and who holds it; for a geographical
# indication also its province, since the place is what the name protects. Dates, numbers, statuses and other
# records' provinces are for BM25 and filters; in a vector they only blur the name (and cost tokens: dropping
# them and the goods list's class labels cuts a sample trademark's text from 47 to ~35 tokens).
_RECORD_EMBED_FIELDS = {"gi": ("product", "province", "holder"),
                        "*": ("product", "goods_services", "abstract", "description", "owner", "applicant", "holder")}
# "Nhóm 30: cà phê; Nhóm 43: quán cà phê" → "cà phê; quán cà phê": the classes are a filter (nice_classes).
_CLASS_LABEL = re.compile(r"\b(?:Nh[oó]m|Class)\s*\d{1,2}\s*:\s*", re.IGNORECASE)


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
    fields = _RECORD_EMBED_FIELDS.get(str(rec.get("ip_type")), _RECORD_EMBED_FIELDS["*"])
    # The bare name, not the title: "Nhãn hiệu “…”" is the same six tokens on every record of a type (the type
    # is a filter, ip_type), and those tokens were a fifth of a record's encoder time.
    parts = [record_name(rec) or source.title]
    for k in fields:
        value = rec.get(k)
        if value in (None, "", []):
            continue
        value = _CLASS_LABEL.sub("", str(value)) if k == "goods_services" else str(value)
        if value not in parts:  # applicant and owner are often the same company
            parts.append(value)
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
    vkeys = [[vector_key(identity, x) for x in p.texts] for p in pending]
    todo = _missing(cache, [k for ks in vkeys for k in ks], [x for p in pending for x in p.texts])
    cache.close()
    # The model runs in a thread (onnxruntime and the tokenizer release the GIL) while this one writes the
    # catalog, BM25 and mark indexes, and then adds each block of new vectors to Chroma as it comes: the
    # stages that use one core overlap the one that uses both.
    embedding = _Embedding(todo, settings, embedder, embedder_factory, progress)
    embedding.start()
    try:
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
        # From here on the catalog is the record of what was loaded: let go of the loaded objects (a register
        # of 100,000 records is ~1 GB of them) before the indexes are built.
        pending.clear()
        vkeys.clear()
        owner_of.clear()
        p = None  # the loop's last file too
        catalog.set_info("embed_model", identity)
        catalog.set_info("index_version", INDEX_VERSION)
        report.stages["catalog"] = time.perf_counter() - t
        crash_point("catalog")

        t = time.perf_counter()
        chunks = catalog.all_chunks()
        LexicalIndex.build([c.chunk_id for c in chunks], [c.embed_text() for c in chunks]).save(gen_settings.lexical_path)
        report.stages["lexical"] = time.perf_counter() - t
        crash_point("lexical")
        t = time.perf_counter()
        build_mark_index(catalog, gen_settings.marks_path)
        report.stages["marks"] = time.perf_counter() - t
        crash_point("marks")

        t = time.perf_counter()
        # An embedded store starts from a copy of the served generation's Chroma directory and applies the
        # difference: a one-record edit in a 100,000-record register re-inserts one vector, not 100,000.
        reuse = prev_dir if prev_dir is not None and not rebuild and not settings.chroma_host else None
        _store_vectors(gen_settings, chunks, catalog.vector_keys(), embedding, progress, reuse)
        report.stages["vectors"] = time.perf_counter() - t - embedding.waited
    finally:
        embedding.stop()
    report.embedded = embedding.count
    report.stages["embed"] = embedding.seconds

    counts = catalog.counts()
    catalog.close()
    report.chunks, report.sources, report.generation = counts["chunks"], counts["sources"], name
    generations.write_stamp(store_dir, {"generation": name, "previous": prev_name, "index_version": INDEX_VERSION,
                                        "embed_model": identity, "chunks": counts["chunks"],
                                        "sources": counts["sources"], "written_at": time.time()})
    crash_point("stamped")
    generations.collect_garbage(store_dir, _collection_dropper(settings))
    if prev_dir is None and legacy.exists():
        _remove_legacy(Path(store_dir))


def _reuse_chroma(gen_settings: Settings, previous: Path, by_chunk: dict[str, str]) -> set[str] | None:
    """Copy the previous generation's Chroma directory, drop its vectors that changed or went away, and return
    the chunk ids still to add; None when there is nothing sound to start from (then the collection is built)."""
    source = previous / "chroma"
    target = gen_settings.chroma_dir
    if not source.is_dir() or not (previous / "catalog.sqlite3").exists():
        return None
    with _open(previous / "catalog.sqlite3") as old:
        before = old.vector_keys()
    shutil.copytree(source, target)
    vectors = VectorStore(gen_settings)
    try:
        if vectors.count() != len(before):  # not the directory its catalog describes: start clean
            vectors.close()
            shutil.rmtree(target)
            return None
        vectors.delete([cid for cid, k in before.items() if by_chunk.get(cid) != k])
    finally:
        vectors.close()
    return {cid for cid, k in by_chunk.items() if before.get(cid) != k}


def _missing(cache: VectorCache, keys: list[str], texts: list[str]) -> dict[str, str]:
    """Key → text of the texts the cache has no vector for."""
    missing = cache.missing(keys)
    todo: dict[str, str] = {}
    for k, x in zip(keys, texts):
        if k in missing:
            todo.setdefault(k, x)
    return todo


class _Embedding(threading.Thread):
    """Embeds the missing texts longest first in blocks, caching each block and handing it on as it comes."""

    def __init__(self, todo: dict[str, str], settings: Settings, embedder: Embedder | None,
                 factory: Callable[[Settings], Embedder], progress: bool):
        super().__init__(name="ingest-embed", daemon=True)
        self.todo, self.settings, self.embedder, self.factory, self.progress = todo, settings, embedder, factory, progress
        self.blocks: queue.Queue = queue.Queue()
        self.count = 0
        self.seconds = 0.0
        self.waited = 0.0  # how long the consumer waited for blocks: not its own time
        self.error: BaseException | None = None
        self._stop_flag = threading.Event()

    def run(self) -> None:
        started = time.perf_counter()
        try:
            if self.todo:
                self._embed()
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            self.error = exc
        finally:
            self.seconds = time.perf_counter() - started
            self.blocks.put(None)

    def _embed(self) -> None:
        items = sorted(self.todo.items(), key=lambda kv: -len(kv[1]))  # similar lengths batch with little padding
        blocks = [items[i:i + EMBED_BLOCK] for i in range(0, len(items), EMBED_BLOCK)]
        workers = 1 if self.embedder is not None or self.factory is not make_embedder else \
            min(pool_workers(self.settings), len(blocks))
        pool = EmbeddingPool(self.settings, workers) if workers > 1 else None
        if pool is not None:
            vectors = pool.imap([[x for _, x in block] for block in blocks])
        else:
            model = self.embedder or self.factory(self.settings)
            vectors = (np.asarray(model.embed([x for _, x in block]), dtype=np.float32) for block in blocks)
        cache = VectorCache(self.settings.vector_cache_path)  # this thread's own connection
        bar = _bar(len(items), "embed", self.progress)
        try:
            for block, vecs in zip(blocks, vectors):
                if self._stop_flag.is_set():
                    return
                keys = [k for k, _ in block]
                cache.put(keys, vecs)
                self.count += len(block)
                self.blocks.put((keys, vecs))
                bar.update(len(block))
                crash_point("embedded")
        finally:
            bar.close()
            cache.close()
            if pool is not None:
                pool.close()

    def results(self) -> Iterator[tuple[list[str], np.ndarray]]:
        """Each block of new vectors as it is cached; raises what the thread raised."""
        while True:
            t = time.perf_counter()
            item = self.blocks.get()
            self.waited += time.perf_counter() - t
            if item is None:
                break
            yield item
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        self._stop_flag.set()
        if self.is_alive():
            self.join()


def _store_vectors(gen_settings: Settings, chunks: list[Chunk], by_chunk: dict[str, str], embedding: _Embedding,
                   progress: bool, previous: Path | None = None) -> None:
    """Every chunk's vector into Chroma — cached ones first, new ones block by block as the model gives them —
    then the same vectors, in the BM25 index's row order, as the matrix a server searches (assistant/dense.py).
    With ``previous`` (an embedded generation), its Chroma directory is copied and only the difference applied."""
    wanted = _reuse_chroma(gen_settings, previous, by_chunk) if previous is not None else None
    vectors = VectorStore(gen_settings)
    if wanted is None:
        vectors.drop_collection(collection_name(gen_settings))  # a leftover on a Chroma server
        vectors = VectorStore(gen_settings)
        wanted = chunks
    else:
        wanted = [c for c in chunks if c.chunk_id in wanted]
    by_key: dict[str, list[Chunk]] = {}
    for c in wanted:
        by_key.setdefault(by_chunk[c.chunk_id], []).append(c)
    bar = _bar(len(wanted), "store", progress, position=1)
    step = vectors.max_batch
    cache = VectorCache(gen_settings.vector_cache_path)
    try:
        cached = [c for c in wanted if by_chunk[c.chunk_id] not in embedding.todo]
        for i in range(0, len(cached), step):
            part = cached[i:i + step]
            vectors.add(part, cache.get([by_chunk[c.chunk_id] for c in part]))
            bar.update(len(part))
            crash_point("vectors")
        for keys, vecs in embedding.results():
            rows = [(c, j) for j, k in enumerate(keys) for c in by_key.get(k, ())]
            for i in range(0, len(rows), step):
                part = rows[i:i + step]
                vectors.add([c for c, _ in part], vecs[[j for _, j in part]])
                bar.update(len(part))
                crash_point("vectors")
        bar.close()
        matrix = MatrixWriter(gen_settings.dense_path, [c.chunk_id for c in chunks])
        for i in range(0, len(chunks), 5000):
            matrix.write(cache.get([by_chunk[c.chunk_id] for c in chunks[i:i + 5000]]))
        matrix.close()
    finally:
        cache.close()
        vectors.close()


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _bar(total: int, what: str, progress: bool, position: int = 0):
    if not progress or total == 0:
        return _NoBar()
    from tqdm import tqdm

    # The embed and store bars run at once (two threads): each keeps its own line.
    return tqdm(total=total, desc=f"{what:<5}", unit=" chunks", file=sys.stderr, dynamic_ncols=True,
                position=position)


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
