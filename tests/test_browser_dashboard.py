"""The dashboard and the usage statistics in headless Debian Chromium, against a real server over a store that
holds every Sóc Trăng record of corpus/records plus the real GI register. Expected figures are counted here,
directly from the corpus files."""

from __future__ import annotations

import csv
import io
import json
import os
import queue
import subprocess
import sys
import threading
from collections import Counter
from concurrent.futures import Future
from datetime import date
from pathlib import Path

import httpx
import pytest

from conftest import ROOT, running_server

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
RECORDS = ROOT / "corpus" / "records"
PROVINCE = "Sóc Trăng"
AS_OF = date(2026, 12, 1)
TOKEN = "dash-staff-token"
QUESTIONS = ["Thời hạn bảo hộ nhãn hiệu là bao lâu?", "Bánh pía Sóc Trăng có nhãn hiệu nào?"]


def corpus_records() -> list[dict]:
    return [json.loads(line) for path in sorted(RECORDS.glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def of_province(records: list[dict], province: str = PROVINCE) -> list[dict]:
    return [r for r in records if (r.get("owner_province") or r.get("province")) == province]


def expected_renewals(records: list[dict]) -> list[str]:
    # Renewal requests: within 6 months before expiry, or late within 6 months after (Điều 31 NĐ 65/2023), so on
    # 1 Dec 2026 the expiries from 1 Jun 2026 to 1 Jun 2027 count; only trademarks and designs are renewed.
    return sorted((r["expiry_date"], r["id"]) for r in records
                  if r["ip_type"] in ("trademark", "design") and r["status"] in ("registered", "expired")
                  and r["expiry_date"] and "2026-06-01" <= r["expiry_date"] <= "2027-06-01")


@pytest.fixture(scope="module")
def dash_server(tmp_path_factory, embedder):
    from assistant.ingest import ingest
    from assistant.settings import Settings

    base = tmp_path_factory.mktemp("dash")
    corpus = base / "corpus" / "records"
    corpus.mkdir(parents=True)
    for path in RECORDS.glob("*.jsonl"):
        lines = path.read_text(encoding="utf-8").splitlines()
        keep = lines if path.name.startswith("geographical") else [
            ln for ln in lines if ln.strip() and json.loads(ln).get("owner_province") == PROVINCE]
        (corpus / path.name).write_text("\n".join(keep) + "\n", encoding="utf-8")
    store = base / "store"
    ingest(Settings(store_dir=store, corpus_dir=base / "corpus"), [base / "corpus"], embedder=embedder)
    stats_file = base / "stats" / "stats.sqlite3"
    env = {**os.environ, "IPA_STORE_DIR": str(store), "IPA_STAFF_TOKEN": TOKEN, "IPA_AS_OF": AS_OF.isoformat(),
           "IPA_STATS_FILE": str(stats_file)}
    imported = subprocess.run([sys.executable, "-m", "assistant.stats", "import",
                               str(ROOT / "assistant" / "data" / "ipplatform-2023-usage.csv")],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert imported.returncode == 0, imported.stderr
    with running_server(env, base / "server.log", 180) as (url, _):
        yield {"url": url, "stats_file": stats_file}


class BrowserThread:
    """Chromium driven from a thread of its own. Playwright's sync API refuses to start while another sync
    Playwright (test_browser.py's session browser) runs on the main thread, so this module's browser lives in a
    worker thread and each test hands it a function to run there."""

    def __init__(self):
        self._jobs: queue.Queue = queue.Queue()
        self._started: Future = Future()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        self._started.result(timeout=120)

    def _loop(self):
        from playwright.sync_api import sync_playwright

        try:
            pw = sync_playwright().start()
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        except BaseException as exc:  # noqa: BLE001 — reported to the waiting test
            self._started.set_exception(exc)
            return
        self._started.set_result(True)
        while (job := self._jobs.get()) is not None:
            fn, done = job
            try:
                done.set_result(fn(browser))
            except BaseException as exc:  # noqa: BLE001 — re-raised in the test's thread
                done.set_exception(exc)
        browser.close()
        pw.stop()

    def run(self, fn):
        done: Future = Future()
        self._jobs.put((fn, done))
        return done.result(timeout=600)

    def close(self):
        self._jobs.put(None)
        self._thread.join(60)


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    worker = BrowserThread()
    yield worker
    worker.close()


@pytest.fixture()
def on_page(chromium, dash_server):
    """Run ``test(page)`` on a fresh page in the browser thread; the page records console and page errors."""

    def run(test):
        def job(browser):
            context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=dash_server["url"],
                                          locale="vi-VN")
            pg = context.new_page()
            pg.errors = []
            pg.on("console", lambda m: m.type == "error" and pg.errors.append(m.text))
            pg.on("pageerror", lambda e: pg.errors.append(str(e)))
            try:
                return test(pg)
            finally:
                context.close()

        return chromium.run(job)

    return run


def table(page, testid: str) -> list[list[str]]:
    return [[c.strip() for c in row.locator("td").all_inner_texts()]
            for row in page.locator(f"[data-testid={testid}] tbody tr").all()]


def test_the_soc_trang_dashboard_shows_the_counts_charts_and_renewals_of_its_records(on_page):
    def check(page):
        mine = of_province(corpus_records())
        assert len(mine) > 60
        response = page.goto(f"/dashboard?province={PROVINCE}")
        assert response.status == 200
        assert page.locator("[data-testid=dash-province-name]").inner_text() == PROVINCE
        by_kind = Counter(r["ip_type"] for r in mine)
        for kind in ("trademark", "patent", "utility_solution", "design", "gi"):
            shown = page.locator(f"[data-testid=count-{kind}] .dash-count-n").inner_text()
            assert int(shown) == by_kind.get(kind, 0), kind
        # Each chart is an SVG drawn by the server, with one bar per row of the table beside it.
        assert page.locator("[data-testid=chart-by-kind] rect.bar").count() == 5
        years = Counter(r["filing_date"][:4] for r in mine)
        span = int(max(years)) - int(min(years)) + 1
        assert page.locator("[data-testid=chart-filings-per-year] rect.bar").count() == span == len(
            table(page, "table-filings-per-year"))
        shown_years = {row[0]: int(row[1]) for row in table(page, "table-filings-per-year") if row[1] != "0"}
        assert shown_years == dict(years)
        statuses = [row.get_attribute("data-key")
                    for row in page.locator("[data-testid=table-by-status] tbody tr").all()]
        counts = [int(row[1]) for row in table(page, "table-by-status")]
        assert dict(zip(statuses, counts)) == dict(Counter(r["status"] for r in mine))
        assert page.locator("[data-testid=chart-by-status] rect.bar").count() == len(statuses)
        due = [row.get_attribute("data-record-id")
               for row in page.locator("[data-testid=table-renewals-due] tbody tr").all()]
        expected = expected_renewals(mine)
        assert due == [rid for _, rid in expected] and due  # Bánh Pía Sóc Trăng Tân Huê (2026-10-03) among them
        assert "4-2016-45421" in due
        assert page.locator("[data-testid=table-renewals-due]").inner_text().count("Công ty") >= 1
        assert not page.errors, page.errors  # no CSP violation, no script error
    on_page(check)


def test_every_csv_download_parses_and_matches_the_records(on_page):
    def check(page):
        mine = of_province(corpus_records())
        page.goto(f"/dashboard?province={PROVINCE}")
        links = page.locator("a.csv-link")
        assert links.count() == 7
        parsed = {}
        for i in range(links.count()):
            href = links.nth(i).get_attribute("href")
            r = page.request.get(href)
            assert r.status == 200 and r.headers["content-type"].startswith("text/csv"), href
            parsed[links.nth(i).get_attribute("data-testid")] = list(csv.DictReader(io.StringIO(
                r.body().decode("utf-8-sig"))))
        by_kind = Counter(r["ip_type"] for r in mine)
        assert {row["kind"]: int(row["n"]) for row in parsed["csv-by_kind"]} == {
            k: by_kind.get(k, 0) for k in ("trademark", "patent", "utility_solution", "design", "gi")}
        assert [row["record_id"] for row in parsed["csv-renewals_due"]] == [rid for _, rid in expected_renewals(mine)]
        assert sum(int(row["n"]) for row in parsed["csv-filings_per_year"]) == len(mine)
        assert parsed["csv-gis"] == []  # the real register has no Sóc Trăng GI
    on_page(check)


def test_the_form_filters_by_kind_and_reads_the_merged_province(on_page):
    def check(page):
        mine = of_province(corpus_records())
        page.goto("/dashboard")
        page.fill("[data-testid=dash-province]", "Can Tho")
        page.select_option("#dash-scheme", "34")
        page.click("[data-testid=dash-submit]")
        page.wait_for_load_state()
        # Cần Thơ since 2025 = Cần Thơ + Sóc Trăng + Hậu Giang: this store holds Sóc Trăng's records and Hậu Giang's GI.
        assert page.locator("[data-testid=dash-province-name]").inner_text() == "Cần Thơ"
        assert int(page.locator("[data-testid=count-trademark] .dash-count-n").inner_text()) == sum(
            r["ip_type"] == "trademark" for r in mine)
        assert table(page, "table-gis")[0][0] == "Cầu Đúc"
        page.select_option("#dash-kind", "design")
        page.click("[data-testid=dash-submit]")
        page.wait_for_load_state()
        assert int(page.locator("[data-testid=count-trademark] .dash-count-n").inner_text()) == 0
        assert int(page.locator("[data-testid=count-design] .dash-count-n").inner_text()) == sum(
            r["ip_type"] == "design" for r in mine)
        bad = page.goto("/dashboard?province=Atlantis")
        assert bad.status == 422 and "Atlantis" in page.locator("[data-testid=dash-error]").inner_text()
    on_page(check)


def test_an_owner_link_opens_all_of_that_enterprises_records(on_page):
    def check(page):
        mine = of_province(corpus_records())
        page.goto(f"/dashboard?province={PROVINCE}")
        link = page.locator("[data-testid=table-top-owners] a").first
        owner = link.inner_text()
        link.click()
        page.wait_for_load_state()
        assert page.locator("[data-testid=ent-name]").inner_text() == owner
        shown = [r.get_attribute("data-record-id") for r in page.locator("[data-testid=ent-records] tbody tr").all()]
        assert sorted(shown) == sorted(r["id"] for r in mine if r.get("owner") == owner) and len(shown) >= 2
        r = page.request.get(page.locator("[data-testid=ent-csv]").get_attribute("href"))
        assert sorted(row["record_id"] for row in csv.DictReader(io.StringIO(r.body().decode("utf-8-sig")))) == \
            sorted(shown)
    on_page(check)


def test_stats_show_the_page_views_and_questions_made_and_keep_no_address_or_question(chromium, dash_server):
    chromium.run(lambda browser: check_stats(browser, dash_server))


def check_stats(browser, dash_server):
    url, auth = dash_server["url"], {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=url, timeout=60) as http:
        assert http.get("/api/stats").status_code == 401
        before = http.get("/api/stats", params={"granularity": "month"}, headers=auth).json()["totals"]
        context = browser.new_context(base_url=url)
        page = context.new_page()
        assert page.goto("/stats").status == 401  # the login form, not the figures
        assert page.locator("[data-testid=stats-need-token]").count() == 1
        assert page.locator("[data-testid=kpi-page_views]").count() == 0
        visited = ["/", "/sources", f"/dashboard?province={PROVINCE}"]
        for path in visited:  # a new browser: one (first-time) visitor, three page views
            assert page.goto(path).status == 200
        for q in QUESTIONS:
            assert http.post("/api/chat", json={"question": q}).status_code == 200
        assert page.goto("/stats").status == 401
        page.fill("[data-testid=stats-token]", TOKEN)
        page.click("[data-testid=stats-login-submit]")
        page.wait_for_load_state()
        assert page.url.endswith("/stats")

        def kpi(name: str) -> int:
            return int(page.locator(f"[data-testid=kpi-{name}] .kpi-n").inner_text())

        assert kpi("page_views") == before["page_views"] + len(visited)
        assert kpi("visitors") == before["visitors"] + 1
        assert kpi("first_time_visitors") == before["first_time_visitors"] + 1
        assert kpi("questions") == before["questions"] + len(QUESTIONS)
        assert page.locator("[data-testid=chart-usage] circle.point").count() == 3 * 12  # 3 series × 12 months
        history = {row.get_attribute("data-period"): row.inner_text()
                   for row in page.locator("[data-testid=history-table] tbody tr").all()}
        assert "232.576" in history["2023"] and "44.991" in history["2023"] and "2.444.063" in history["2023"]
        assert "287.614" in history["2023-03"]
        cookie = next(c["value"] for c in context.cookies() if c["name"] == "ipa_vid")
        context.close()
    raw = b"".join(p.read_bytes() for p in dash_server["stats_file"].parent.glob("stats.sqlite3*"))
    assert raw and b"127.0.0.1" not in raw and cookie.encode() not in raw
    for q in QUESTIONS:
        assert q.encode() not in raw and q.split()[0].encode() not in raw
