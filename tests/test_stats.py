"""Usage statistics: counts per day and month, privacy (no address, no question text, daily keys), bounded
growth (roll-ups, retention, a per-day cap), latency percentiles, the IPPlatform 2023 import, and the staff-only
API over HTTP."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from assistant.errors import BadInput
from assistant.stats import StatsStore, percentile, latency_bucket, read_history_csv

ROOT = Path(__file__).resolve().parent.parent
USAGE_CSV = ROOT / "assistant" / "data" / "ipplatform-2023-usage.csv"


class Clock:
    """UTC now, moved by the test. 05:00 UTC is midday in Viet Nam, so days never straddle the boundary."""

    def __init__(self, day: date):
        self.now = datetime(day.year, day.month, day.day, 5, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def next_day(self, n: int = 1) -> None:
        self.now += timedelta(days=n)


@pytest.fixture()
def clock():
    return Clock(date(2026, 3, 1))


@pytest.fixture()
def store(tmp_path, clock):
    s = StatsStore(tmp_path / "stats.sqlite3", retention_days=7, max_events_per_day=1000, clock=clock)
    yield s
    s.close()


def visit(store: StatsStore, cookie: str, pages: int, first: bool = False) -> None:
    for i in range(pages):
        store.record("pageview", path="/", visitor=store.visitor_hash("c:" + cookie), first_visit=first and i == 0)


def test_page_views_visitors_and_first_time_visitors_per_day_and_month(store, clock):
    visit(store, "aaaaaaaaaaaa", 3, first=True)
    visit(store, "bbbbbbbbbbbb", 2)
    clock.next_day()
    visit(store, "aaaaaaaaaaaa", 1)  # the same browser on another day is another day's visitor
    days = store.summary(date(2026, 3, 1), date(2026, 3, 2), "day")["rows"]
    assert [(r["period"], r["visitors"], r["first_time_visitors"], r["page_views"]) for r in days] == [
        ("2026-03-01", 2, 1, 5), ("2026-03-02", 1, 0, 1)]
    month = store.summary(date(2026, 3, 1), date(2026, 3, 31), "month")
    assert [(r["period"], r["visitors"], r["page_views"]) for r in month["rows"]] == [("2026-03", 3, 6)]
    assert month["totals"]["page_views"] == 6


def test_questions_grounded_rate_objects_facets_checks_drafts_and_feedback(store):
    store.record("question", grounded=True, objects=["trademark"], facets=["term", "fees"], latency_ms=20)
    store.record("question", grounded=False, objects=["patent", "<script>", "x" * 60], latency_ms=40)
    store.record("question", grounded=None, latency_ms=30)  # the form path: grounded not known
    store.record("trademark_check")
    store.record("advice_draft")
    for rating in ("up", "up", "down", "sideways"):
        store.record("feedback", rating=rating)
    t = store.summary(granularity="day")["totals"]
    assert (t["questions"], t["grounded_rate"], t["trademark_checks"], t["advice_drafts"]) == (3, 0.5, 1, 1)
    assert t["by_object"] == {"patent": 1, "trademark": 1} and t["by_facet"] == {"fees": 1, "term": 1}
    assert (t["feedback_up"], t["feedback_down"], t["feedback_ratio"]) == (2, 1, 0.667)
    assert t["latency_p50_ms"] == pytest.approx(30, rel=0.05) and t["latency_p95_ms"] == pytest.approx(40, rel=0.05)


def test_latency_percentiles_from_the_histogram_are_within_five_percent():
    values = [5 + i * 0.37 for i in range(1000)]
    hist: dict[int, float] = {}
    for v in values:
        hist[latency_bucket(v)] = hist.get(latency_bucket(v), 0) + 1
    exact = sorted(values)
    assert percentile(hist, 0.5) == pytest.approx(exact[499], rel=0.05)
    assert percentile(hist, 0.95) == pytest.approx(exact[949], rel=0.05)
    assert percentile({}, 0.5) is None


def test_finished_days_are_rolled_up_and_their_raw_events_pruned_without_changing_the_counts(store, clock):
    for _ in range(3):
        visit(store, "cccccccccccc", 4, first=True)
        store.record("question", grounded=True, objects=["design"], latency_ms=12)
        clock.next_day()
    before = store.summary(date(2026, 3, 1), date(2026, 3, 3), "day")
    assert store.raw_event_count() == 15
    clock.next_day(10)  # past the 7-day retention
    store.maintain()
    assert store.raw_event_count() == 0
    after = store.summary(date(2026, 3, 1), date(2026, 3, 3), "day")
    assert after["rows"] == before["rows"] and after["totals"] == before["totals"]
    assert after["totals"]["page_views"] == 12 and after["totals"]["by_object"] == {"design": 3}


def test_a_day_keeps_at_most_the_cap_of_raw_events_and_counts_the_rest_as_dropped(tmp_path, clock):
    s = StatsStore(tmp_path / "s.sqlite3", max_events_per_day=100, clock=clock)
    for _ in range(130):
        s.record("trademark_check")
    t = s.summary(granularity="day")["totals"]
    assert s.raw_event_count() == 100 and t["trademark_checks"] == 100 and t["dropped_events"] == 30
    s.close()


def test_visitor_hashes_change_every_day_and_yesterdays_key_is_gone(store, clock):
    h1 = store.visitor_hash("c:dddddddddddd")
    assert store.visitor_hash("c:dddddddddddd") == h1 and "dddd" not in h1
    clock.next_day()
    assert store.visitor_hash("c:dddddddddddd") != h1
    keys = store._db.execute("SELECT day FROM day_keys").fetchall()
    assert keys == [("2026-03-02",)]  # nobody can recompute yesterday's hashes


def test_the_file_holds_no_address_and_no_question_text_unless_the_operator_opts_in(tmp_path, clock):
    private = StatsStore(tmp_path / "private.sqlite3", clock=clock)
    private.record("pageview", visitor=private.visitor_hash("a:203.0.113.77|Mozilla"), first_visit=None)
    private.record("question", grounded=True, question="Bí mật kinh doanh của công ty Zeta?", latency_ms=5)
    private.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("private.sqlite3*"))
    assert b"203.0.113.77" not in raw and "Zeta".encode() not in raw and b"Mozilla" not in raw
    opted = StatsStore(tmp_path / "opted.sqlite3", store_questions=True, clock=clock)
    opted.record("question", grounded=True, question="Bí mật kinh doanh của công ty Zeta?", latency_ms=5)
    opted.close()
    assert "Zeta".encode() in b"".join(p.read_bytes() for p in tmp_path.glob("opted.sqlite3*"))


def test_bad_ranges_and_granularities_are_refused(store):
    for args, word in (((date(2026, 3, 2), date(2026, 3, 1), "day"), "after"),
                       ((None, None, "week"), "granularity"),
                       ((date(2020, 1, 1), date(2026, 3, 1), "day"), "at most")):
        with pytest.raises(BadInput, match=word):
            store.summary(*args)


# --------------------------------------------------------------------------- the IPPlatform 2023 history
def test_the_shipped_csv_holds_the_reports_2023_totals():
    rows = {r["period"]: r for r in read_history_csv(USAGE_CSV)}
    year = rows["2023"]
    assert (year["visitors"], year["first_time_visitors"], year["page_views"]) == (232_576, 44_991, 2_444_063)
    assert rows["2023-03"]["page_views"] == 287_614  # the peak month the report names
    assert set(rows) == {"2023", "2023-03"}  # nothing the report does not state
    report = (ROOT.parent / "shared" / "seed" / "ipplatform-2023-report.txt")
    if report.exists():
        text = report.read_text(encoding="utf-8")
        assert all(n in text for n in ("232.576", "44.991", "2.444.063", "287.614"))


def test_an_import_whose_months_do_not_add_up_to_the_year_is_refused(tmp_path):
    lines = ["period,source,visitors,first_time_visitors,page_views,note", "2023,p,1200,100,5000,"]
    lines += [f"2023-{m:02d},p,100,8,400," for m in range(1, 13)]  # 12 × 400 = 4800, not 5000
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(BadInput, match="add up"):
        read_history_csv(bad)
    bad.write_text("period,source,visitors,first_time_visitors,page_views\n2023-13,p,1,1,1\n", encoding="utf-8")
    with pytest.raises(BadInput, match="period"):
        read_history_csv(bad)


def test_the_command_line_imports_the_report_and_shows_it(tmp_path):
    env = {**os.environ, "IPA_STORE_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "assistant.stats", "import", str(USAGE_CSV)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "imported 2 rows" in out.stdout, out.stderr
    show = subprocess.run([sys.executable, "-m", "assistant.stats", "summary"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert show.returncode == 0 and '"page_views": 2444063' in show.stdout
    bad = subprocess.run([sys.executable, "-m", "assistant.stats", "summary", "--from", "tomorrow"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "from" in bad.stderr


# --------------------------------------------------------------------------- over HTTP (fixture server)
def test_the_stats_api_needs_the_staff_token(http):
    r = http.get("/api/stats")
    assert r.status_code == 401 and r.json()["error"] == "unauthorized" and "WWW-Authenticate" in r.headers
    assert http.get("/api/stats", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert http.get("/stats").status_code == 401


def test_the_stats_api_counts_what_the_server_served(http):
    auth = {"Authorization": "Bearer staff-secret"}  # the fixture server's IPA_FEEDBACK_TOKEN
    before = http.get("/api/stats", headers=auth).json()["totals"]
    assert http.get("/sources").status_code == 200
    answer = http.post("/api/chat", json={"question": "Thời hạn bảo hộ nhãn hiệu là bao lâu?"})
    assert answer.status_code == 200
    understood = answer.json().get("understood") or {}  # read from the response the client got
    assert http.post("/api/trademark/check", json={"mark": "Phở Việt"}).status_code == 200
    after = http.get("/api/stats", headers=auth).json()
    t = after["totals"]
    assert t["page_views"] == before["page_views"] + 1 and t["questions"] == before["questions"] + 1
    assert t["trademark_checks"] == before["trademark_checks"] + 1 and t["latency_p50_ms"] > 0
    assert understood.get("objects")  # "nhãn hiệu": the trademark object
    for obj in understood["objects"]:
        assert t["by_object"][obj] == before["by_object"].get(obj, 0) + 1
    assert t["grounded_rate"] is not None  # the chat's `grounded` was read from its body
    assert set(after) == {"from", "to", "granularity", "as_of", "rows", "totals", "history"}
    r = http.get("/api/stats.csv", headers=auth, params={"granularity": "month"})
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert sum(int(x["questions"]) for x in rows) == t["questions"]  # the store began today: both ranges hold it all
    for params in ({"granularity": "week"}, {"from": "2026-13-01"}, {"from": "2026-02-01", "to": "2026-01-01"}):
        bad = http.get("/api/stats", headers=auth, params=params)
        assert bad.status_code == 422 and bad.json()["detail"], params


def test_events_are_written_in_batches_and_a_flood_never_piles_up_in_memory(tmp_path, clock):
    import sqlite3

    s = StatsStore(tmp_path / "batch.sqlite3", clock=clock)
    s.FLUSH_SECONDS = 3600  # only the size bound and reads flush here
    s.MAX_PENDING = 10
    for _ in range(25):
        s.record("trademark_check")
    assert len(s._pending) < 10
    on_disk = sqlite3.connect(tmp_path / "batch.sqlite3").execute("SELECT COUNT(*) FROM events").fetchone()[0]
    assert on_disk >= 20  # written while recording, not held until a read
    assert s.raw_event_count() == 25  # a read sees every event recorded
    s.close()
