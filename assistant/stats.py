"""Usage statistics in SQLite, private by design, with bounded growth.

What is kept: one raw event per counted request (page view, question, trademark check, advice draft, feedback)
with its day, route and — for questions — whether it was grounded, the understood IP objects/facets and the
latency. What is never kept: IP addresses, user agents, cookie ids, and (unless ``IPA_STATS_STORE_QUESTIONS=true``)
question text. A visitor is ``HMAC(daily key, first-party cookie id)`` (or of address + user agent, if the operator
chooses); the daily key is random and deleted when the day is over, so nothing links one day's visitors to
another's, not even for whoever holds the file.

Growth is bounded: a finished day is rolled up into a few counter rows (``daily``) and its raw events are deleted
after ``retention_days``; beyond ``max_events_per_day`` raw events a day only a ``dropped`` counter grows; object
and facet names are checked against a pattern and capped per event. Days are Vietnam days (UTC+7).

``python -m assistant.stats import FILE.csv`` loads monthly (or yearly) platform figures such as the IPPlatform
2023 report's, shown beside the assistant's own.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import hmac
import json
import math
import re
import secrets
import sqlite3
import sys
import threading
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from .dashboard import add_months
from .errors import BadInput

VN = timezone(timedelta(hours=7), "ICT")
EVENT_KINDS = ("pageview", "question", "trademark_check", "advice_draft", "feedback")
GRANULARITIES = ("day", "month")
MAX_DAYS = {"day": 400, "month": 3700}  # longest range a query may ask for
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_NAMES_PER_EVENT = 6
LATENCY_STEP = 1.05  # histogram bucket width: percentiles are exact to within 5 %
SUMMED = ("page_views", "visitors", "first_time_visitors", "questions", "grounded", "grounded_known",
          "trademark_checks", "advice_drafts", "feedback_up", "feedback_down", "dropped")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    path TEXT,
    visitor TEXT,
    first_visit INTEGER,
    grounded INTEGER,
    objects TEXT,
    facets TEXT,
    jurisdiction TEXT,
    latency_ms REAL,
    rating TEXT,
    question TEXT
);
CREATE INDEX IF NOT EXISTS events_day ON events(day);
CREATE TABLE IF NOT EXISTS daily (day TEXT NOT NULL, metric TEXT NOT NULL, key TEXT NOT NULL DEFAULT '',
    value REAL NOT NULL, PRIMARY KEY (day, metric, key));
CREATE TABLE IF NOT EXISTS rolled (day TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS day_keys (day TEXT PRIMARY KEY, secret BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS history (period TEXT NOT NULL, source TEXT NOT NULL, visitors INTEGER,
    first_time_visitors INTEGER, page_views INTEGER, note TEXT, PRIMARY KEY (period, source));
"""


def today_vn(now: datetime | None = None) -> date:
    return (now or datetime.now(timezone.utc)).astimezone(VN).date()


def clean_names(values: Any) -> list[str]:
    """IP-object / facet names from a response body: short snake_case words only, at most a few."""
    if not isinstance(values, (list, tuple)):
        return []
    out = []
    for v in values:
        if isinstance(v, str) and _NAME.match(v) and v not in out:
            out.append(v)
    return out[:MAX_NAMES_PER_EVENT]


def latency_bucket(ms: float) -> int:
    return math.floor(math.log(max(ms, 0.01)) / math.log(LATENCY_STEP))


def bucket_value(bucket: int) -> float:
    return LATENCY_STEP ** (bucket + 0.5)


def percentile(hist: dict[int, float], q: float) -> float | None:
    """The q-quantile (0..1) of a latency histogram, as the middle of its bucket."""
    total = sum(hist.values())
    if not total:
        return None
    need, seen = q * total, 0.0
    for b in sorted(hist):
        seen += hist[b]
        if seen >= need:
            return round(bucket_value(b), 1)
    return round(bucket_value(max(hist)), 1)


class StatsStore:
    """Thread-safe: one connection, one lock. ``clock`` returns the current UTC datetime (tests move it)."""

    def __init__(self, path: Path | str, retention_days: int = 30, max_events_per_day: int = 200_000,
                 store_questions: bool = False, clock: Callable[[], datetime] | None = None):
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.retention_days = retention_days
        self.max_events_per_day = max_events_per_day
        self.store_questions = store_questions
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        with self._lock, self._db:
            self._db.executescript(_SCHEMA)
        self._maintained_for: date | None = None
        self._today_count: tuple[date, int] | None = None
        self._keys: dict[date, bytes] = {}
        # Events wait in memory and are written in one transaction per FLUSH_SECONDS by a background thread:
        # a request (on the server's event loop) never waits for SQLite. Every read flushes first, so what is
        # read includes everything recorded; a crash loses at most the last second of counts.
        self._pending: list[tuple] = []
        self._plock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self._flusher = threading.Thread(target=self._flush_loop, name="stats-flush", daemon=True)
        self._flusher.start()

    FLUSH_SECONDS = 1.0
    MAX_PENDING = 5_000  # beyond this a record() writes at once: memory stays bounded under any flood

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        self._flusher.join(timeout=5)
        self.flush()
        with self._lock:
            self._db.close()

    def _flush_loop(self) -> None:
        while not self._closed:
            self._wake.wait(self.FLUSH_SECONDS)
            self._wake.clear()
            try:
                self.flush()
            except sqlite3.Error:  # a full disk or a closed file: counts are best effort, the server goes on
                pass

    def flush(self) -> None:
        with self._plock:
            batch, self._pending = self._pending, []
        if not batch:
            return
        with self._lock, self._db:
            for row in batch:
                day = date.fromisoformat(row[0])
                self._maintain(day)
                if self._count_today(day) >= self.max_events_per_day:
                    self._bump(row[0], "dropped", "", 1)
                    continue
                self._db.execute(
                    "INSERT INTO events (day, kind, path, visitor, first_visit, grounded, objects, facets, "
                    "jurisdiction, latency_ms, rating, question) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", row)
                self._today_count = (day, self._today_count[1] + 1)

    # ------------------------------------------------------------------ writing
    def today(self) -> date:
        return today_vn(self.clock())

    def visitor_hash(self, seed: str) -> str:
        """HMAC of a cookie id (or address + user agent) under today's random key; the key dies with the day."""
        day = self.today()
        key = self._keys.get(day)
        if key is None:
            self.flush()  # a new day rolls the last one up: its pending events go in first
            with self._lock, self._db:
                self._maintain(day)
                row = self._db.execute("SELECT secret FROM day_keys WHERE day=?", (day.isoformat(),)).fetchone()
                if row is None:
                    secret = secrets.token_bytes(32)
                    self._db.execute("INSERT OR IGNORE INTO day_keys VALUES (?, ?)", (day.isoformat(), secret))
                    row = self._db.execute("SELECT secret FROM day_keys WHERE day=?", (day.isoformat(),)).fetchone()
                key = row[0]
                self._keys = {day: key}  # only today's: yesterday's key leaves memory with the day
        return hmac.new(key, seed.encode(), hashlib.sha256).hexdigest()[:20]

    def record(self, kind: str, *, path: str | None = None, visitor: str | None = None,
               first_visit: bool | None = None, grounded: bool | None = None, objects: Sequence[str] = (),
               facets: Sequence[str] = (), jurisdiction: str | None = None, latency_ms: float | None = None,
               rating: str | None = None, question: str | None = None) -> None:
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {kind!r}")
        day = self.today()
        jurisdiction = jurisdiction if isinstance(jurisdiction, str) and _NAME.match(jurisdiction) else None
        row = (day.isoformat(), kind, (path or "")[:80] or None, visitor,
               None if first_visit is None else int(first_visit), None if grounded is None else int(grounded),
               json.dumps(clean_names(list(objects))), json.dumps(clean_names(list(facets))), jurisdiction,
               None if latency_ms is None else round(float(latency_ms), 2),
               rating if rating in ("up", "down") else None,
               question[:2000] if (self.store_questions and isinstance(question, str)) else None)
        with self._plock:
            self._pending.append(row)
            full = len(self._pending) >= self.MAX_PENDING
        if full:
            self.flush()

    def _count_today(self, day: date) -> int:
        if not self._today_count or self._today_count[0] != day:
            n = self._db.execute("SELECT COUNT(*) FROM events WHERE day=?", (day.isoformat(),)).fetchone()[0]
            self._today_count = (day, n)
        return self._today_count[1]

    def _bump(self, day: str, metric: str, key: str, n: float) -> None:
        self._db.execute("INSERT INTO daily VALUES (?,?,?,?) ON CONFLICT(day, metric, key) "
                         "DO UPDATE SET value = value + excluded.value", (day, metric, key, n))

    def _maintain(self, today: date) -> None:
        """Once per day: roll up finished days, drop their keys, prune raw events past retention."""
        if self._maintained_for == today:
            return
        t = today.isoformat()
        days = [d for (d,) in self._db.execute(
            "SELECT DISTINCT day FROM events WHERE day < ? AND day NOT IN (SELECT day FROM rolled)", (t,))]
        for d in days:
            for (metric, key), value in aggregate(self._events(d)).items():
                if metric != "dropped":
                    self._bump(d, metric, key, value)
            self._db.execute("INSERT OR IGNORE INTO rolled VALUES (?)", (d,))
        self._db.execute("DELETE FROM day_keys WHERE day < ?", (t,))
        cutoff = (today - timedelta(days=self.retention_days)).isoformat()
        self._db.execute("DELETE FROM events WHERE day < ? AND day IN (SELECT day FROM rolled)", (cutoff,))
        self._maintained_for = today

    def maintain(self) -> None:
        self.flush()
        with self._lock, self._db:
            self._maintained_for = None
            self._maintain(self.today())

    def _events(self, day: str) -> list[tuple]:
        return self._db.execute("SELECT kind, visitor, first_visit, grounded, objects, facets, jurisdiction, "
                                "latency_ms, rating FROM events WHERE day=?", (day,)).fetchall()

    # ------------------------------------------------------------------ reading
    def summary(self, start: date | None = None, end: date | None = None, granularity: str = "day") -> dict[str, Any]:
        if granularity not in GRANULARITIES:
            raise BadInput(f"granularity must be one of {', '.join(GRANULARITIES)}, not {granularity!r}")
        self.flush()
        today = self.today()
        end = end or today
        if start is None:  # the last 30 days, or the last 12 months
            start = end - timedelta(days=29) if granularity == "day" else add_months(date(end.year, end.month, 1), -11)
        if start > end:
            raise BadInput(f"from ({start.isoformat()}) is after to ({end.isoformat()})")
        if (end - start).days >= MAX_DAYS[granularity]:
            raise BadInput(f"a {granularity} range may cover at most {MAX_DAYS[granularity]} days")
        with self._lock, self._db:
            self._maintain(today)
            a, b = start.isoformat(), end.isoformat()
            per_day: dict[str, Counter] = {}
            for d, metric, key, value in self._db.execute(
                    "SELECT day, metric, key, value FROM daily WHERE day BETWEEN ? AND ?", (a, b)):
                per_day.setdefault(d, Counter())[(metric, key)] += value
            live = [d for (d,) in self._db.execute(
                "SELECT DISTINCT day FROM events WHERE day BETWEEN ? AND ? AND day NOT IN (SELECT day FROM rolled)",
                (a, b))]
            for d in live:
                per_day.setdefault(d, Counter()).update(aggregate(self._events(d)))
            history = self._db.execute("SELECT period, source, visitors, first_time_visitors, page_views, note "
                                       "FROM history ORDER BY source, period").fetchall()
        buckets: dict[str, Counter] = {}
        day = start
        while day <= end:
            label = day.isoformat() if granularity == "day" else day.isoformat()[:7]
            buckets.setdefault(label, Counter()).update(per_day.get(day.isoformat(), Counter()))
            day += timedelta(days=1)
        rows = [{"period": label, **figures(c)} for label, c in buckets.items()]
        total = Counter()
        for c in buckets.values():
            total.update(c)
        return {"from": a, "to": b, "granularity": granularity, "as_of": today.isoformat(),
                "rows": rows, "totals": figures(total, detail=True),
                "history": [{"period": p, "source": s, "visitors": v, "first_time_visitors": f, "page_views": pv,
                             "note": n} for p, s, v, f, pv, n in history]}

    def raw_event_count(self) -> int:
        self.flush()
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM events").fetchone()[0]

    # ------------------------------------------------------------------ history
    def import_history(self, rows: Iterable[dict[str, Any]]) -> int:
        rows = list(rows)
        with self._lock, self._db:
            for r in rows:
                self._db.execute("INSERT OR REPLACE INTO history VALUES (?,?,?,?,?,?)",
                                 (r["period"], r["source"], r["visitors"], r["first_time_visitors"],
                                  r["page_views"], r.get("note")))
        return len(rows)


def aggregate(events: Iterable[tuple]) -> Counter:
    """One day's raw events → counters keyed (metric, key). Visitors are distinct hashes among page views."""
    c: Counter = Counter()
    visitors, first = set(), set()
    for kind, visitor, first_visit, grounded, objects, facets, jurisdiction, latency, rating in events:
        if kind == "pageview":
            c[("page_views", "")] += 1
            if visitor:
                visitors.add(visitor)
                if first_visit:
                    first.add(visitor)
        elif kind == "question":
            c[("questions", "")] += 1
            if grounded is not None:
                c[("grounded_known", "")] += 1
                c[("grounded", "")] += int(grounded)
            for o in json.loads(objects or "[]"):
                c[("object", o)] += 1
            for f in json.loads(facets or "[]"):
                c[("facet", f)] += 1
            if jurisdiction:
                c[("jurisdiction", jurisdiction)] += 1
            if latency is not None:
                c[("latency", str(latency_bucket(latency)))] += 1
        elif kind == "trademark_check":
            c[("trademark_checks", "")] += 1
        elif kind == "advice_draft":
            c[("advice_drafts", "")] += 1
        elif kind == "feedback" and rating in ("up", "down"):
            c[(f"feedback_{rating}", "")] += 1
    if visitors:
        c[("visitors", "")] = len(visitors)
    if first:
        c[("first_time_visitors", "")] = len(first)
    return c


def figures(c: Counter, detail: bool = False) -> dict[str, Any]:
    get = lambda m: int(c.get((m, ""), 0))  # noqa: E731
    hist = {int(k): v for (m, k), v in c.items() if m == "latency"}
    votes = get("feedback_up") + get("feedback_down")
    out: dict[str, Any] = {
        "visitors": get("visitors"), "first_time_visitors": get("first_time_visitors"),
        "page_views": get("page_views"), "questions": get("questions"),
        "grounded_rate": round(get("grounded") / get("grounded_known"), 3) if get("grounded_known") else None,
        "trademark_checks": get("trademark_checks"), "advice_drafts": get("advice_drafts"),
        "feedback_up": get("feedback_up"), "feedback_down": get("feedback_down"),
        "feedback_ratio": round(get("feedback_up") / votes, 3) if votes else None,
        "latency_p50_ms": percentile(hist, 0.5), "latency_p95_ms": percentile(hist, 0.95),
    }
    if detail:
        out["feedback_per_question"] = round(votes / get("questions"), 3) if get("questions") else None
        out["dropped_events"] = get("dropped")
        for metric, name in (("object", "by_object"), ("facet", "by_facet"), ("jurisdiction", "by_jurisdiction")):
            out[name] = dict(sorted(((k, int(v)) for (m, k), v in c.items() if m == metric),
                                    key=lambda kv: (-kv[1], kv[0])))
    return out


# --------------------------------------------------------------------------- history CSV
HISTORY_COLUMNS = ("period", "source", "visitors", "first_time_visitors", "page_views", "note")
_PERIOD = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]))?$")


def read_history_csv(path: Path) -> list[dict[str, Any]]:
    """Rows of ``period`` (YYYY or YYYY-MM), ``source``, the three counts (blank = not reported) and a note.
    Checks: numbers are whole and non-negative; a month never exceeds its year's total; when all twelve months are
    given, they add up to the year; first-time visitors never exceed visitors."""
    text = path.read_text(encoding="utf-8-sig")
    rows = []
    for n, raw in enumerate(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")), 2):
        missing = [c for c in HISTORY_COLUMNS[:5] if c not in raw]
        if missing:
            raise BadInput(f"{path.name}: missing column(s) {', '.join(missing)}")
        period = (raw["period"] or "").strip()
        if not _PERIOD.match(period):
            raise BadInput(f"{path.name} line {n}: period must be YYYY or YYYY-MM, not {period!r}")
        row: dict[str, Any] = {"period": period, "source": (raw["source"] or "").strip() or "import",
                               "note": (raw.get("note") or "").strip() or None}
        for col in ("visitors", "first_time_visitors", "page_views"):
            v = (raw[col] or "").strip().replace(".", "").replace(",", "")
            if v and not v.isdigit():
                raise BadInput(f"{path.name} line {n}: {col} must be a whole number, not {raw[col]!r}")
            row[col] = int(v) if v else None
        if row["visitors"] is not None and row["first_time_visitors"] is not None \
                and row["first_time_visitors"] > row["visitors"]:
            raise BadInput(f"{path.name} line {n}: more first-time visitors than visitors")
        rows.append(row)
    years = {(r["source"], r["period"]): r for r in rows if len(r["period"]) == 4}
    for (source, year), y in years.items():
        months = [r for r in rows if r["source"] == source and r["period"].startswith(year + "-")]
        for col in ("visitors", "first_time_visitors", "page_views"):
            vals = [m[col] for m in months if m[col] is not None]
            if y[col] is None:
                continue
            if any(v > y[col] for v in vals):
                raise BadInput(f"{path.name}: a month of {year} has more {col} than the year's total {y[col]}")
            if len(vals) == 12 and sum(vals) != y[col]:
                raise BadInput(f"{path.name}: the months of {year} add up to {sum(vals)} {col}, "
                               f"not the year's total {y[col]}")
    return rows


# --------------------------------------------------------------------------- CLI
def main(argv: list[str] | None = None) -> int:
    from .settings import Settings

    ap = argparse.ArgumentParser(prog="python -m assistant.stats", description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path, help="store directory (default: IPA_STORE_DIR)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    imp = sub.add_parser("import", help="load platform figures from a CSV "
                                        "(see assistant/data/ipplatform-2023-usage.csv)")
    imp.add_argument("csv", type=Path)
    show = sub.add_parser("summary", help="print the statistics as JSON")
    show.add_argument("--from", dest="start")
    show.add_argument("--to", dest="end")
    show.add_argument("--granularity", default="month", choices=GRANULARITIES)
    sub.add_parser("maintain", help="roll up finished days and prune raw events now")
    args = ap.parse_args(argv)
    settings = Settings(**({"store_dir": args.store} if args.store else {}))
    store = StatsStore(settings.stats_path, settings.stats_retention_days, settings.stats_max_events_per_day)
    try:
        if args.cmd == "import":
            rows = read_history_csv(args.csv)
            print(f"imported {store.import_history(rows)} rows from {args.csv} into {settings.stats_path}")
        elif args.cmd == "summary":
            from .dashboard import parse_day

            out = store.summary(parse_day(args.start, "from"), parse_day(args.end, "to", end=True), args.granularity)
            print(json.dumps(out, ensure_ascii=False, indent=1))
        else:
            store.maintain()
            print(f"maintained {settings.stats_path}: {store.raw_event_count()} raw events kept")
    except BadInput as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
