"""Answer feedback (thumbs up/down with an optional comment), kept in a small SQLite file.

A vote is stored as soon as it is cast; the browser gets back a one-time key with which it may add a comment
to that same vote afterwards, so one answer yields one row and nobody else can edit it.
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
    key_hash TEXT NOT NULL
)
"""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class FeedbackStore:
    """Thread-safe: one connection, one lock (feedback is rare and tiny)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        with self._lock, self._db:
            self._db.execute(_SCHEMA)

    def add(self, *, question: str, answer: str, rating: str, comment: str | None = None,
            citations: list[dict[str, Any]] | None = None, lang: str | None = None) -> tuple[int, str]:
        """Store a vote; returns (id, key) — the key lets its author add a comment later."""
        if rating not in ("up", "down"):
            raise ValueError("rating must be 'up' or 'down'")
        key = secrets.token_urlsafe(18)
        with self._lock, self._db:
            cur = self._db.execute(
                "INSERT INTO feedback (created_at, rating, question, answer, comment, citations, lang, key_hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (_now(), rating, question, answer, comment or None, json.dumps(citations or [], ensure_ascii=False),
                 lang, _hash(key)))
            return int(cur.lastrowid), key

    def update(self, feedback_id: int, key: str, *, comment: str | None = None, rating: str | None = None) -> bool:
        """Change the comment (and optionally the rating) of a vote; False if the id/key pair is wrong."""
        if rating is not None and rating not in ("up", "down"):
            raise ValueError("rating must be 'up' or 'down'")
        with self._lock, self._db:
            row = self._db.execute("SELECT key_hash FROM feedback WHERE id=?", (feedback_id,)).fetchone()
            if row is None or not hmac.compare_digest(row[0], _hash(key)):
                return False
            self._db.execute("UPDATE feedback SET comment=COALESCE(?, comment), rating=COALESCE(?, rating), "
                             "updated_at=? WHERE id=?", (comment or None, rating, _now(), feedback_id))
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
