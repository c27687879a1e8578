"""Hostile input, as an attacker or an unlucky client would send it: every answer is a clear 4xx, never a 5xx,
and never echoes what it refuses. Most cases go to the real session server; body streaming and memory use go
to a server of this module's own (its PID is known), and the feedback flood runs in-process."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import httpx
import pytest

from conftest import running_server

STAFF = {"Authorization": "Bearer staff-secret"}
HUGE = 2**63  # one past SQLite's largest integer
FEEDBACK = {"question": "Thời hạn bảo hộ nhãn hiệu?", "answer": "10 năm [1]", "rating": "up"}


def raw_request(base: str, head: str, body_chunks=(), timeout: float = 10) -> tuple[int, dict[str, str], bytes, int]:
    """Send bytes exactly as given (no client-side path normalisation) and read the reply.
    Returns (status, headers, body, bytes of body the server let us send before it answered/closed)."""
    u = urlsplit(base)
    sent = 0
    with socket.create_connection((u.hostname, u.port), timeout=timeout) as s:
        s.sendall(head.encode("latin-1"))
        try:
            for chunk in body_chunks:
                s.sendall(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading: that is the point
        data = b""
        try:
            while True:
                part = s.recv(65536)
                if not part:
                    break
                data += part
                if b"\r\n\r\n" in data:
                    header_blob = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()
                    if "content-length:" in header_blob:
                        n = int(header_blob.split("content-length:", 1)[1].split("\r\n", 1)[0])
                        if len(data.split(b"\r\n\r\n", 1)[1]) >= n:
                            break
        except (ConnectionResetError, socket.timeout):
            pass
    head_part, _, body = data.partition(b"\r\n\r\n")
    lines = head_part.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0].startswith("HTTP/") else 0
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    return status, headers, body, sent


def get_raw(base: str, path: str) -> tuple[int, dict[str, str], bytes]:
    status, headers, body, _ = raw_request(base, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    return status, headers, body


def assert_json_4xx(r: httpx.Response, *statuses: int) -> dict:
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    if statuses:
        assert r.status_code in statuses, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert isinstance(body["error"], str) and isinstance(body["detail"], str) and body["detail"]
    return body


JSON_POSTS = [
    ("/api/chat", {"question": "{}"}),
    ("/api/chat/stream", {"question": "{}"}),
    ("/api/trademark/check", {"mark": "{}"}),
    ("/api/feedback", {**FEEDBACK, "question": "{}"}),
    ("/api/feedback/1", {"key": "k" * 20, "comment": "{}"}),
]


def post_raw_json(http: httpx.Client, path: str, text: str) -> httpx.Response:
    return http.post(path, content=text.encode("utf-8"), headers={"content-type": "application/json"})


# --------------------------------------------------------------------------- broken Unicode and control characters
@pytest.mark.parametrize("path,template", JSON_POSTS)
def test_a_lone_surrogate_in_any_string_is_a_422_that_does_not_echo_it(http, path, template):
    text = json.dumps(template).replace("{}", "\\ud800 ZQXJ")  # a lone high surrogate, escaped as JSON allows
    r = post_raw_json(http, path, text)
    body = assert_json_4xx(r, 422)
    assert "surrogate" in body["detail"] and "ZQXJ" not in r.text
    r.content.decode("utf-8")  # the reply itself is valid UTF-8


def test_a_lone_surrogate_in_a_field_name_or_as_raw_bytes_is_refused_too(http):
    assert_json_4xx(post_raw_json(http, "/api/chat", '{"question": "a", "\\udfff": 1}'), 422)
    r = http.post("/api/chat", content=b'{"question": "\xed\xa0\x80"}', headers={"content-type": "application/json"})
    assert_json_4xx(r, 422)


def test_a_valid_surrogate_pair_is_ordinary_text(http):
    r = post_raw_json(http, "/api/chat", '{"question": "Nh\\u00e3n hi\\u1ec7u \\ud83d\\ude00 b\\u1ea3o h\\u1ed9 bao l\\u00e2u?"}')
    assert r.status_code == 200, r.text[:300]


@pytest.mark.parametrize("path,template", JSON_POSTS)
def test_nul_and_other_control_characters_are_refused(http, path, template):
    for ch in ("\\u0000", "\\u0007", "\\u001b"):
        r = post_raw_json(http, path, json.dumps(template).replace("{}", f"a{ch}b"))
        assert "control character" in assert_json_4xx(r, 422)["detail"]


def test_tabs_and_line_breaks_are_text(http):
    r = http.post("/api/chat", json={"question": "Thời hạn bảo hộ\tnhãn hiệu\nlà bao lâu?"})
    assert r.status_code == 200


# --------------------------------------------------------------------------- shape and size
@pytest.mark.parametrize("path,_", JSON_POSTS)
def test_ten_thousand_deep_json_is_a_422(http, path, _):
    for text in ("[" * 10_000 + "]" * 10_000, '{"question": ' + '{"a": ' * 5_000 + "1" + "}" * 5_001):
        assert "nested deeper" in assert_json_4xx(post_raw_json(http, path, text), 422)["detail"]


def test_brackets_inside_strings_do_not_count_as_nesting(http):
    r = http.post("/api/chat", json={"question": "[[[[" * 40 + " nhãn hiệu bảo hộ bao lâu?"})
    assert r.status_code == 200, r.text[:200]


def test_a_1mb_body_is_413_on_every_json_route(http):
    for path, _ in JSON_POSTS:
        r = http.post(path, content=b'{"question": "' + b"x" * 1_000_000 + b'"}',
                      headers={"content-type": "application/json"})
        assert_json_4xx(r, 413)


def test_a_rejected_body_is_not_echoed(http):
    r = http.post("/api/chat", json={"question": "Ж" * 20_000})  # 20,000 chars: over the 2,000 limit
    body = assert_json_4xx(r, 422)
    assert len(r.content) < 2_000 and "ЖЖ" not in r.text
    assert body["errors"][0]["loc"] == ["question"] and "input" not in body["errors"][0]


def test_a_malformed_content_length_is_a_400(server, tmp_path):
    status, _, _, _ = raw_request(
        server, "POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Content-Length: 12abc\r\nConnection: close\r\n\r\n")
    assert status == 400  # the HTTP server refuses it before the app; behind another server the guard does
    with _app(tmp_path) as client:
        r = client.post("/api/feedback", content=b"{}", headers={"content-type": "application/json",
                                                                 "content-length": "12abc"})
        assert_json_4xx(r, 400)


# --------------------------------------------------------------------------- numbers
@pytest.mark.parametrize("path", [
    f"/api/sources?offset={HUGE}", f"/api/sources?limit={HUGE}", f"/api/sources?offset=-{HUGE}",
    f"/api/search?q=nh%C3%A3n&k={HUGE}", f"/api/records/search?limit={HUGE}",
    f"/api/records/search?classes={HUGE}", f"/api/feedback?offset={HUGE}", f"/api/feedback?limit={HUGE}",
    "/api/sources?offset=1e400", "/api/search?q=x&k=NaN",
])
def test_huge_or_odd_numbers_in_query_strings_are_a_422(http, path):
    assert_json_4xx(http.get(path, headers=STAFF), 422)


def test_huge_numbers_in_paths_and_bodies_are_a_422(http):
    assert_json_4xx(http.post(f"/api/feedback/{HUGE}", json={"key": "k" * 20, "comment": "x"}), 422)
    assert_json_4xx(http.post("/api/feedback/0", json={"key": "k" * 20, "comment": "x"}), 422)
    assert_json_4xx(http.post("/api/trademark/check", json={"mark": "Sen Vàng", "limit": HUGE}), 422)
    assert_json_4xx(http.post("/api/trademark/check", json={"mark": "Sen Vàng", "nice_classes": [2**70]}), 422)
    assert_json_4xx(post_raw_json(http, "/api/trademark/check", '{"mark": "Sen", "limit": 1e999}'), 422)


# --------------------------------------------------------------------------- ids and paths
TRAVERSALS = ["../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..%5c..%5cwin.ini",
              "%2e%2e", "law%00", "%00", "law/hieu-luc-van-bang%00.md", "....//....//etc/passwd", "%252e%252e%252f"]
ID_ROUTES = ["/api/sources/{}", "/api/records/{}", "/sources/{}", "/records/{}", "/api/training/{}/review"]


@pytest.mark.parametrize("route", ID_ROUTES)
@pytest.mark.parametrize("evil", TRAVERSALS)
def test_path_traversal_in_id_routes_finds_nothing_and_never_fails(server, route, evil):
    status, headers, body = get_raw(server, route.format(evil))
    assert 400 <= status < 500 or status in (301, 302, 303, 307, 308), (status, body[:200])
    assert b"root:" not in body and b"[fonts]" not in body
    wants_html = not route.startswith("/api/")
    if 400 <= status < 500 and route.format("x").startswith(("/api/", "/sources/", "/records/")):
        ctype = headers.get("content-type", "")
        assert ctype.startswith("text/html" if wants_html else "application/json"), (route, evil, ctype)


def test_traversal_in_the_feedback_id_is_a_422(server):
    for evil in ("..%2F..%2Fetc%2Fpasswd", "%00", "1%00", "..", "1e3"):
        status, _, body, _ = raw_request(
            server, f"POST /api/feedback/{evil} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    f"Content-Length: 2\r\nConnection: close\r\n\r\n{{}}")
        assert status in (404, 422), (evil, status, body[:200])


# --------------------------------------------------------------------------- pages answer pages
@pytest.mark.parametrize("path", ["/sources?page=0", "/sources?page=abc", f"/sources?page={HUGE}",
                                  "/sources?q=" + "x" * 300, "/sources/law/hieu-luc-van-bang?loc=" + "x" * 400,
                                  "/no-such-page"])
def test_bad_query_parameters_on_html_pages_get_an_html_error_page(http, path):
    r = http.get(path)
    assert 400 <= r.status_code < 500
    assert r.headers["content-type"].startswith("text/html")
    assert 'data-testid="error-page"' in r.text
    assert r.headers["content-security-policy"].startswith("default-src 'self'")


def test_api_paths_keep_json_errors(http):
    r = http.get("/api/no-such-thing")
    assert_json_4xx(r, 404)


def test_an_oversize_form_post_gets_an_html_413(http):
    r = http.post("/ask", content=b"question=" + b"x" * 200_000,
                  headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")


# --------------------------------------------------------------------------- LIKE wildcards
def test_percent_and_underscore_in_a_source_query_match_themselves(http):
    everything = http.get("/api/sources").json()["sources"]
    assert everything
    for wildcard in ("%", "_", "%%", "\\"):
        found = http.get("/api/sources", params={"q": wildcard}).json()["sources"]
        assert all(wildcard in s["title"] or wildcard in s["source_id"] for s in found), (wildcard, found)
        assert len(found) < len(everything)
    assert http.get("/api/sources", params={"q": "hieu-luc"}).json()["sources"]


# --------------------------------------------------------------------------- the request stream itself
@pytest.fixture(scope="module")
def own_server(settings, ingested, tmp_path_factory):
    """A server of this module's own, so its PID (for memory) and its feedback store are ours alone."""
    env = {"IPA_STORE_DIR": str(settings.store_dir), "IPA_FEEDBACK_TOKEN": "staff-secret"}
    with running_server(env, tmp_path_factory.mktemp("hostile") / "server.log") as (base, proc):
        yield SimpleNamespace(base=base, pid=proc.pid)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_a_chunked_100mb_upload_is_cut_off_at_the_limit_without_buffering_it(own_server):
    httpx.get(f"{own_server.base}/healthz")
    before = rss_kb(own_server.pid)
    piece = b"x" * 65536
    chunk = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    head = ("POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n")
    status, headers, body, sent = raw_request(own_server.base, head, (chunk for _ in range(1600)), timeout=30)
    grown_mb = (rss_kb(own_server.pid) - before) / 1024
    print(f"chunked upload: server let {sent / 1e6:.1f} MB of 104.9 MB through; RSS +{grown_mb:.1f} MB")
    assert status == 413 and json.loads(body)["error"] == "payload_too_large"
    assert sent < 50_000_000  # the server stopped reading; the rest never left the client
    assert grown_mb < 50
    assert httpx.get(f"{own_server.base}/healthz").status_code == 200


def test_a_chunked_body_within_the_limit_still_works(own_server):
    payload = json.dumps({"question": "Thời hạn bảo hộ nhãn hiệu là bao lâu?"}).encode()
    chunks = [payload[:10], payload[10:]]
    wire = b"".join(f"{len(c):x}\r\n".encode() + c + b"\r\n" for c in chunks) + b"0\r\n\r\n"
    head = ("POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    status, _, body, _ = raw_request(own_server.base, head, [wire], timeout=60)
    assert status == 200 and json.loads(body)["grounded"] is True


# --------------------------------------------------------------------------- feedback: size, rate, retention
def test_a_feedback_entry_over_32kb_is_a_413(own_server):
    body = {**FEEDBACK, "answer": "ệ" * 19_000}  # 19,000 chars pass the field limit; 57 KB of UTF-8 do not
    r = httpx.post(f"{own_server.base}/api/feedback", content=json.dumps(body, ensure_ascii=False).encode(),
                   headers={"content-type": "application/json"})
    assert "32000 bytes" in assert_json_4xx(r, 413)["detail"]


def _app(tmp_path, **settings):
    from fastapi.testclient import TestClient

    from assistant.api import create_app
    from assistant.settings import Settings

    fake = SimpleNamespace(settings=Settings(store_dir=tmp_path, feedback_token="staff-secret", **settings))
    return TestClient(create_app(fake))


def test_feedback_is_rate_limited_per_client_with_retry_after(tmp_path):
    with _app(tmp_path, feedback_per_minute=6, feedback_burst=3) as client:
        codes = [client.post("/api/feedback", json=FEEDBACK).status_code for _ in range(5)]
        assert codes == [201, 201, 201, 429, 429]
        r = client.post("/api/feedback", json=FEEDBACK)
        assert r.json()["error"] == "rate_limited" and 1 <= int(r.headers["retry-after"]) <= 10


def test_the_rate_limiter_refills_and_forgets_the_oldest_clients():
    from assistant.limits import RateLimiter

    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=2, max_clients=100, clock=lambda: now[0])
    assert [limiter.check("a") for _ in range(3)][:2] == [0.0, 0.0] and limiter.check("a") > 0
    assert limiter.check("b") == 0.0  # another address has its own bucket
    now[0] += 1.0  # one token per second at 60/min
    assert limiter.check("a") == 0.0
    for i in range(10_000):
        limiter.check(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter) == 100


def test_ten_thousand_feedback_posts_cannot_grow_the_store_beyond_its_cap(tmp_path):
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from assistant.api import create_app
    from assistant.settings import Settings

    max_bytes, max_rows = 1_000_000, 2_000
    big = {**FEEDBACK, "answer": "Giấy chứng nhận đăng ký nhãn hiệu có hiệu lực 10 năm [1]. " * 40}
    app = create_app(SimpleNamespace(settings=Settings(
        store_dir=tmp_path, feedback_token="staff-secret", feedback_per_minute=0, feedback_max_bytes=max_bytes,
        feedback_max_rows=max_rows)))

    async def flood():
        # The ASGI app directly (no test-client thread hop): the whole HTTP stack, 10,000 times, in ~40 s.
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            for i in range(10_000):
                r = await client.post("/api/feedback", json={**big, "question": f"câu hỏi số {i}"})
                assert r.status_code == 201
            return (await client.get("/api/feedback", headers=STAFF, params={"limit": 1000})).json()

    started = time.perf_counter()
    # In a thread of its own: a session-wide Playwright may already run an event loop in this one.
    with ThreadPoolExecutor(1) as pool:
        listing = pool.submit(asyncio.run, flood()).result()
    took = time.perf_counter() - started
    sizes = {p.name: p.stat().st_size for p in tmp_path.iterdir() if p.is_file()}
    print(f"10,000 posts in {took:.1f} s; files: {sizes}")
    db = sizes["feedback.sqlite3"]
    # The documented cap (README, "Bounded growth"): the file stays under 1.5 × IPA_FEEDBACK_MAX_BYTES, and the
    # write-ahead log under 2 MB.
    assert db <= 1.5 * max_bytes, db
    assert sizes.get("feedback.sqlite3-wal", 0) <= 2_000_000
    assert listing["total"] <= max_rows
    kept = [f["question"] for f in listing["feedback"]]
    assert kept[0] == "câu hỏi số 9999"  # the newest are kept, the oldest pruned
    assert "câu hỏi số 0" not in kept and listing["total"] > 100


def test_retention_also_holds_for_the_row_cap(tmp_path):
    from assistant.feedback import FeedbackStore

    store = FeedbackStore(tmp_path / "f.sqlite3", max_rows=100, max_bytes=10**9)
    for i in range(1_000):
        store.add(question=f"q{i}", answer="a", rating="down")
    counts = store.counts()
    assert 90 <= counts["total"] <= 100
    assert store.list(1)[0]["question"] == "q999"
