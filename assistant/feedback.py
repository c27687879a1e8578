"""Answer feedback (thumbs up/down with an optional comment), kept in a small SQLite file.

A vote is stored as soon as it is cast; the browser gets back a one-time key with which it may add a comment
to that same vote afterwards, so one answer yields one row and nobody else can edit it.

Growth is bounded: one entry is at most ``MAX_ENTRY_BYTES``, and the table keeps the newest ``max_rows`` rows
within ``max_bytes`` (oldest pruned on every insert), so the file stays under about ``max_bytes`` plus SQLite's
page overhead — the README states the cap and tests/test_hostile.py measures it after 10,000 posts.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .errors import TooLarge
from .limits import prune_oldest

# One vote with its question, answer (already capped by the API) and citations; larger is not feedback.
MAX_ENTRY_BYTES = 32_000
# Per-row bookkeeping SQLite adds beyond the text (rowid, header, timestamps, key hash): counted in the cap.
ROW_OVERHEAD = 160

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    updated_at TEXT,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    comment TEXT,
    citations TEXT NOT NULL DEFAULT '[]',
    lang TEXT,
    key_hash TEXT NOT NULL,
    size INTEGER NOT NULL DEFAULT 0
)
"""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _entry_size(*texts: str | None) -> int:
    return ROW_OVERHEAD + sum(len(t.encode("utf-8")) for t in texts if t)


class FeedbackStore:
    """Thread-safe: one connection, one lock (feedback is rare and tiny)."""

    def __init__(self, path: Path | str, *, max_rows: int = 10_000, max_bytes: int = 20_000_000):
        self.path = Path(path)
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        with self._lock:
            # Pruned pages go back to the file system (only takes effect on a new file; older files reuse them).
            self._db.execute("PRAGMA auto_vacuum=INCREMENTAL")
            # WAL without a sync per vote: a flood of posts must not queue on the disk (31 ms → 1 ms per insert
            # here); a crash of the process loses nothing, a power cut at most the last votes. The WAL file is
            # truncated back to 1 MB after each checkpoint, so it is bounded too.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA journal_size_limit=1048576")
            self._db.execute("PRAGMA wal_autocheckpoint=250")
            with self._db:
                self._db.execute(_SCHEMA)
                cols = {r[1] for r in self._db.execute("PRAGMA table_info(feedback)")}
                if "size" not in cols:  # a file from before the cap: count its rows from now on
                    self._db.execute("ALTER TABLE feedback ADD COLUMN size INTEGER NOT NULL DEFAULT 0")
                    self._db.execute("UPDATE feedback SET size = ? + length(CAST(question AS BLOB)) + "
                                     "length(CAST(answer AS BLOB)) + COALESCE(length(CAST(comment AS BLOB)), 0) + "
                                     "length(CAST(citations AS BLOB))", (ROW_OVERHEAD,))
            self._rows, self._bytes = self._totals()
            self._pruned = 0

    def _totals(self) -> tuple[int, int]:
        rows, size = self._db.execute("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM feedback").fetchone()
        return int(rows), int(size)

    def _prune_in_txn(self) -> None:
        """Over a cap, drop the oldest rows down to 90 % of it: one prune per many inserts, not one per insert."""
        self._pruned = 0
        if self._rows > self.max_rows or self._bytes > self.max_bytes:
            self._pruned = prune_oldest(self._db, "feedback", max_rows=int(self.max_rows * 0.9),
                                        max_bytes=int(self.max_bytes * 0.9))
            self._rows, self._bytes = self._totals()

    def _vacuum_if_pruned(self) -> None:
        if self._pruned:
            self._db.execute("PRAGMA incremental_vacuum").fetchall()  # frees one page per step
            self._pruned = 0

    def add(self, *, question: str, answer: str, rating: str, comment: str | None = None,
            citations: list[dict[str, Any]] | None = None, lang: str | None = None) -> tuple[int, str]:
        """Store a vote; returns (id, key) — the key lets its author add a comment later."""
        if rating not in ("up", "down"):
            raise ValueError("rating must be 'up' or 'down'")
        cits = json.dumps(citations or [], ensure_ascii=False)
        size = _entry_size(question, answer, comment, cits, lang)
        if size > MAX_ENTRY_BYTES:
            raise TooLarge(f"a feedback entry is at most {MAX_ENTRY_BYTES} bytes (this one: {size})")
        key = secrets.token_urlsafe(18)
        with self._lock:
            with self._db:
                cur = self._db.execute(
                    "INSERT INTO feedback (created_at, rating, question, answer, comment, citations, lang, key_hash, "
                    "size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (_now(), rating, question, answer, comment or None, cits, lang, _hash(key), size))
                self._rows += 1
                self._bytes += size
                self._prune_in_txn()
            self._vacuum_if_pruned()
            return int(cur.lastrowid), key

    def update(self, feedback_id: int, key: str, *, comment: str | None = None, rating: str | None = None) -> bool:
        """Change the comment (and optionally the rating) of a vote; False if the id/key pair is wrong."""
        if rating is not None and rating not in ("up", "down"):
            raise ValueError("rating must be 'up' or 'down'")
        with self._lock, self._db:
            row = self._db.execute("SELECT key_hash, question, answer, citations, lang FROM feedback WHERE id=?",
                                   (feedback_id,)).fetchone()
            if row is None or not hmac.compare_digest(row[0], _hash(key)):
                return False
            size = _entry_size(row[1], row[2], comment, row[3], row[4])
            if size > MAX_ENTRY_BYTES:
                raise TooLarge(f"a feedback entry is at most {MAX_ENTRY_BYTES} bytes (this one: {size})")
            self._db.execute("UPDATE feedback SET comment=COALESCE(?, comment), rating=COALESCE(?, rating), "
                             "updated_at=?, size=CASE WHEN ? IS NULL THEN size ELSE ? END WHERE id=?",
                             (comment or None, rating, _now(), comment or None, size, feedback_id))
            self._rows, self._bytes = self._totals()
            return True

    def list(self, limit: int = 100, offset: int = 0, rating: str | None = None) -> list[dict[str, Any]]:
        sql = ("SELECT id, created_at, updated_at, rating, question, answer, comment, citations, lang "
               "FROM feedback")
        args: list[Any] = []
        if rating:
            sql += " WHERE rating=?"
            args.append(rating)
        sql += " ORDER BY id DESC LIMIT ? OFFSET ?"
        args += [limit, offset]
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [{"id": r[0], "created_at": r[1], "updated_at": r[2], "rating": r[3], "question": r[4],
                 "answer": r[5], "comment": r[6], "citations": json.loads(r[7] or "[]"), "lang": r[8]}
                for r in rows]

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = dict(self._db.execute("SELECT rating, COUNT(*) FROM feedback GROUP BY rating").fetchall())
        return {"total": sum(rows.values()), "up": rows.get("up", 0), "down": rows.get("down", 0)}

    def close(self) -> None:
        with self._lock:
            self._db.close()
