"""Persistence: vectors in Chroma (embedded, or a Chroma server), the rest in a SQLite catalog."""

from __future__ import annotations

import json
import sqlite3
from array import array
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from .models import Chunk, Section, Source
from .settings import Settings

_BATCH = 1000


class VectorStore:
    def __init__(self, settings: Settings):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        match settings.chroma_host:
            case None | "":
                settings.chroma_dir.mkdir(parents=True, exist_ok=True)
                self._client = chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
            case host:
                self._client = chromadb.HttpClient(host=host, port=settings.chroma_port, settings=chroma_settings)
        self._embedded = settings.chroma_host in (None, "")
        self._name = collection_name(settings)
        self._collection = self._open()
        # The client's own limit: one request per this many vectors.
        self.max_batch = max(1, min(int(self._client.get_max_batch_size()), 5000))

    def _open(self):
        # Embeddings are always computed by us; embedding_function=None keeps Chroma from
        # fetching its own default model.
        return self._client.get_or_create_collection(
            self._name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}})

    def reset(self) -> None:
        try:
            self._client.delete_collection(self._name)
        except Exception:  # absent collection: nothing to reset
            pass
        self._collection = self._open()

    def upsert(self, chunks: Sequence[Chunk], embeddings: Sequence[Sequence[float]]) -> None:
        for i in range(0, len(chunks), _BATCH):
            part = chunks[i:i + _BATCH]
            self._collection.upsert(ids=[c.chunk_id for c in part], embeddings=list(embeddings[i:i + _BATCH]),
                                    metadatas=[c.metadata() for c in part], documents=[c.text for c in part])

    def add(self, chunks: Sequence[Chunk], embeddings: np.ndarray) -> None:
        """Vectors and filter metadata only: the text and the rest live in the catalog, so Chroma indexes no
        documents and no display fields."""
        for i in range(0, len(chunks), self.max_batch):
            part = chunks[i:i + self.max_batch]
            self._collection.add(ids=[c.chunk_id for c in part], embeddings=embeddings[i:i + self.max_batch],
                                 metadatas=[c.filter_metadata() for c in part])

    def drop_collection(self, name: str) -> None:
        try:
            self._client.delete_collection(name)
        except Exception:  # already gone
            pass

    def close(self) -> None:
        """Release an embedded store's files and memory (a server does this for a retired generation)."""
        if not self._embedded:
            return
        from chromadb.api.shared_system_client import SharedSystemClient

        ident = getattr(self._client, "_identifier", None)
        system = SharedSystemClient._identifier_to_system.pop(ident, None) if ident else None
        if system is not None:
            try:
                system.stop()
            except Exception:  # best effort: the process keeps running either way
                pass

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        for i in range(0, len(ids), _BATCH):
            self._collection.delete(ids=ids[i:i + _BATCH])

    def query(self, embedding: Sequence[float], n: int, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        res = self._collection.query(query_embeddings=[list(embedding)], n_results=n, where=where or None,
                                     include=["distances"])
        return [(cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], res["distances"][0])]

    def count(self) -> int:
        return self._collection.count()

    def ids(self) -> list[str]:
        """Every vector's id (for checks that the vectors and the catalog agree)."""
        out: list[str] = []
        total = self.count()
        for offset in range(0, total, self.max_batch):
            out += self._collection.get(include=[], limit=self.max_batch, offset=offset)["ids"]
        return out


def _uri(path: Path, readonly: bool = False) -> str:
    from urllib.parse import quote

    return f"file:{quote(str(Path(path).resolve()))}" + ("?mode=ro" if readonly else "")


def collection_name(settings: Settings, generation: str | None = None) -> str:
    """Each generation has its own collection on a Chroma server; an embedded one has its own directory."""
    generation = generation or (settings.generation if settings.chroma_host else None)
    return f"{settings.collection}-{generation}" if generation else settings.collection


class VectorCache:
    """Embeddings by (model, text) key, shared by all generations: a rebuild re-embeds nothing it has seen."""

    def __init__(self, path: Path, dim: int | None = None):
        path.parent.mkdir(parents=True, exist_ok=True)
        # Ingest's model thread writes blocks while its main thread reads cached vectors: a reader waits out a
        # writer's short commit instead of failing with "database is locked".
        self._db = sqlite3.connect(path, timeout=60)
        self._db.execute("CREATE TABLE IF NOT EXISTS embeddings (key TEXT PRIMARY KEY, vec BLOB)")

    def close(self) -> None:
        self._db.close()

    def import_from(self, other: Path) -> None:
        """Adopt the vectors of a store built before generations (its catalog held them)."""
        src = sqlite3.connect(_uri(other, readonly=True), uri=True)
        try:
            if src.execute("SELECT 1 FROM sqlite_master WHERE name='embeddings'").fetchone():
                with self._db:
                    for rows in iter(lambda cur=src.execute("SELECT key, vec FROM embeddings"): cur.fetchmany(5000),
                                     []):
                        self._db.executemany("INSERT OR IGNORE INTO embeddings VALUES (?,?)", rows)
        finally:
            src.close()

    def missing(self, keys: Iterable[str]) -> set[str]:
        keys = list(dict.fromkeys(keys))
        have: set[str] = set()
        for i in range(0, len(keys), 900):
            part = keys[i:i + 900]
            have.update(k for (k,) in self._db.execute(
                f"SELECT key FROM embeddings WHERE key IN ({','.join('?' * len(part))})", part))
        return set(keys) - have

    def get(self, keys: Sequence[str]) -> np.ndarray:
        """The vectors of these keys, in order, as one float32 matrix; every key must be cached."""
        found: dict[str, bytes] = {}
        unique = list(dict.fromkeys(keys))
        for i in range(0, len(unique), 900):
            part = unique[i:i + 900]
            found.update(self._db.execute(
                f"SELECT key, vec FROM embeddings WHERE key IN ({','.join('?' * len(part))})", part).fetchall())
        return np.stack([np.frombuffer(found[k], dtype=np.float32) for k in keys]) if keys else np.zeros((0, 0))

    def put(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32)
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?,?)",
                                 [(k, v.tobytes()) for k, v in zip(keys, vectors)])


class Catalog:
    """Files, sources and chunks as ingested: what changed, what to cite, what to show."""

    SCHEMA = """
    CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, root TEXT, hash TEXT, source_ids TEXT, chunk_ids TEXT);
    CREATE TABLE IF NOT EXISTS sources (source_id TEXT PRIMARY KEY, path TEXT, title TEXT, kind TEXT, ip_type TEXT,
        url TEXT, meta TEXT, sections TEXT);
    CREATE TABLE IF NOT EXISTS chunks (chunk_id TEXT PRIMARY KEY, source_id TEXT, ord INTEGER, title TEXT, kind TEXT,
        locator TEXT, ip_type TEXT, url TEXT, page INTEGER, text TEXT, attrs TEXT);
    CREATE INDEX IF NOT EXISTS chunks_source ON chunks(source_id);
    CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT);
    CREATE TABLE IF NOT EXISTS embeddings (key TEXT PRIMARY KEY, vec BLOB);
    CREATE TABLE IF NOT EXISTS chunk_vectors (chunk_id TEXT PRIMARY KEY, vkey TEXT);
    """

    def __init__(self, path: Path, readonly: bool = False):
        path.parent.mkdir(parents=True, exist_ok=True)
        # Read-only opens never write, not even the schema: an ingest reads the generation a server serves.
        self._db = sqlite3.connect(_uri(path, readonly), uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        if not readonly:
            self._db.executescript(self.SCHEMA)

    def close(self) -> None:
        self._db.close()

    # --- ingest side ---
    def files(self) -> dict[str, dict[str, Any]]:
        rows = self._db.execute("SELECT path, root, hash, source_ids, chunk_ids FROM files").fetchall()
        return {p: {"root": r, "hash": h, "source_ids": json.loads(s), "chunk_ids": json.loads(c)}
                for p, r, h, s, c in rows}

    def put_file(self, path: str, root: str, digest: str, sources: list[Source], chunks: list[Chunk],
                 vector_keys: Sequence[str] | None = None) -> None:
        with self._db:
            if vector_keys is not None:
                self._db.executemany("INSERT OR REPLACE INTO chunk_vectors VALUES (?,?)",
                                     zip([c.chunk_id for c in chunks], vector_keys))
            self._db.execute("INSERT OR REPLACE INTO files VALUES (?,?,?,?,?)",
                             (path, root, digest, json.dumps([s.source_id for s in sources]),
                              json.dumps([c.chunk_id for c in chunks])))
            self._db.executemany(
                "INSERT OR REPLACE INTO sources VALUES (?,?,?,?,?,?,?,?)",
                [(s.source_id, s.path, s.title, s.kind, s.ip_type, s.url, json.dumps(s.meta, ensure_ascii=False,
                  default=str), json.dumps([asdict(x) for x in s.sections], ensure_ascii=False)) for s in sources])
            self._db.executemany(
                "INSERT OR REPLACE INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [(c.chunk_id, c.source_id, c.ord, c.title, c.kind, c.locator, c.ip_type, c.url, c.page, c.text,
                  json.dumps(c.attrs(), ensure_ascii=False)) for c in chunks])

    def drop_file(self, path: str) -> list[str]:
        """Forget a file; returns the chunk ids to delete from the vector store."""
        row = self._db.execute("SELECT source_ids, chunk_ids FROM files WHERE path=?", (path,)).fetchone()
        if not row:
            return []
        source_ids = json.loads(row[0])
        with self._db:
            self._db.execute("DELETE FROM files WHERE path=?", (path,))
            self._db.executemany("DELETE FROM sources WHERE source_id=?", [(sid,) for sid in source_ids])
            self._db.executemany("DELETE FROM chunks WHERE source_id=?", [(sid,) for sid in source_ids])
            self._db.executemany("DELETE FROM chunk_vectors WHERE chunk_id=?", [(c,) for c in json.loads(row[1])])
        return json.loads(row[1])

    def copy_files(self, other: Path, paths: Iterable[str]) -> None:
        """Take these files' rows (sources, chunks, vector keys) as they are from another generation's catalog."""
        self._db.execute("ATTACH DATABASE ? AS prev", (_uri(other, readonly=True),))
        try:
            with self._db:
                self._db.execute("CREATE TEMP TABLE keep (path TEXT PRIMARY KEY)")
                self._db.executemany("INSERT OR IGNORE INTO keep VALUES (?)", [(p,) for p in paths])
                for table, where in (
                        ("files", "path IN (SELECT path FROM temp.keep)"),
                        ("sources", "source_id IN (SELECT value FROM prev.files, json_each(prev.files.source_ids) "
                                    "WHERE prev.files.path IN (SELECT path FROM temp.keep))"),
                        ("chunks", "source_id IN (SELECT source_id FROM main.sources)"),
                        ("chunk_vectors", "chunk_id IN (SELECT chunk_id FROM main.chunks)")):
                    cols = ", ".join(self._common_columns(table))
                    self._db.execute(f"INSERT OR REPLACE INTO main.{table} ({cols}) SELECT {cols} FROM prev.{table} "
                                     f"WHERE {where}")
                self._db.execute("DROP TABLE temp.keep")
        finally:
            self._db.execute("DETACH DATABASE prev")

    def _common_columns(self, table: str) -> list[str]:
        mine = [r[1] for r in self._db.execute(f"PRAGMA main.table_info({table})")]
        theirs = {r[1] for r in self._db.execute(f"PRAGMA prev.table_info({table})")}
        return [c for c in mine if c in theirs]

    def vector_keys(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT chunk_id, vkey FROM chunk_vectors"))

    def cached_vectors(self, keys: Sequence[str]) -> dict[str, list[float]]:
        """Vectors already computed for these (model, text) keys: an edit re-embeds only what changed."""
        out: dict[str, list[float]] = {}
        for i in range(0, len(keys), 500):
            part = list(keys[i:i + 500])
            rows = self._db.execute(f"SELECT key, vec FROM embeddings WHERE key IN ({','.join('?' * len(part))})",
                                    part).fetchall()
            out.update({k: array("f", v).tolist() for k, v in rows})
        return out

    def cache_vectors(self, vectors: dict[str, Sequence[float]]) -> None:
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?,?)",
                                 [(k, array("f", v).tobytes()) for k, v in vectors.items()])

    def set_info(self, key: str, value: str) -> None:
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO info VALUES (?,?)", (key, value))

    def info(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM info WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def clear(self) -> None:
        # Dropped, not emptied: a rebuild after a schema change gets the new columns.
        with self._db:
            for table in ("files", "sources", "chunks", "chunk_vectors"):
                self._db.execute(f"DROP TABLE IF EXISTS {table}")
            self._db.executescript(self.SCHEMA)

    # --- query side ---
    def all_chunks(self) -> list[Chunk]:
        rows = self._db.execute("SELECT chunk_id, source_id, text, title, kind, locator, ip_type, url, page, ord, "
                                "attrs FROM chunks ORDER BY source_id, ord").fetchall()
        return [Chunk(chunk_id=r[0], source_id=r[1], text=r[2], title=r[3], kind=r[4], locator=r[5], ip_type=r[6],
                      url=r[7], page=r[8], ord=r[9], **json.loads(r[10] or "{}")) for r in rows]

    def source(self, source_id: str) -> Source | None:
        with self._lock:
            row = self._db.execute("SELECT source_id, path, title, kind, ip_type, url, meta, sections FROM sources "
                                   "WHERE source_id=?", (source_id,)).fetchone()
        if not row:
            return None
        sections = [Section(text=s["text"], locator=s["locator"], page=s["page"], heading_path=tuple(s["heading_path"]),
                            attrs=s.get("attrs") or {}) for s in json.loads(row[7])]
        return Source(source_id=row[0], path=row[1], title=row[2], kind=row[3], ip_type=row[4], url=row[5],
                      meta=json.loads(row[6]), sections=sections)

    def list_sources(self, kind: str | None = None, q: str | None = None, limit: int = 200,
                     offset: int = 0) -> list[dict[str, Any]]:
        sql = "SELECT source_id, title, kind, ip_type, url FROM sources WHERE 1=1"
        args: list[Any] = []
        if kind:
            sql += " AND kind=?"
            args.append(kind)
        if q:
            # The query is text to find, not a pattern: "%" or "_" must match themselves, not everything.
            like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            sql += " AND (title LIKE ? ESCAPE '\\' OR source_id LIKE ? ESCAPE '\\')"
            args += [like, like]
        sql += " ORDER BY kind, source_id LIMIT ? OFFSET ?"
        args += [limit, offset]
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [{"source_id": r[0], "title": r[1], "kind": r[2], "ip_type": r[3], "url": r[4]} for r in rows]

    def counts(self) -> dict[str, int]:
        with self._lock:
            chunks = self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
            sources = self._db.execute("SELECT COUNT(*) FROM sources").fetchone()[0]
            by_kind = dict(self._db.execute("SELECT kind, COUNT(*) FROM sources GROUP BY kind").fetchall())
        return {"chunks": chunks, "sources": sources, **{f"sources_{k}": v for k, v in by_kind.items()}}

    def records(self, ip_type: str | None = None) -> Iterable[dict[str, Any]]:
        sql = "SELECT meta FROM sources WHERE kind='record'"
        args: list[Any] = []
        if ip_type:
            sql += " AND ip_type=?"
            args.append(ip_type)
        for (meta,) in self._db.execute(sql, args):
            rec = json.loads(meta).get("record")
            if rec:
                yield rec
