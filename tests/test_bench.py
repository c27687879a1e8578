"""The HTTP bench's own parts, on real server processes: a short load gets answers and no errors, a server that
fails requests stops the bench with its stderr (the recipe once failed every request and passed for slow), and
the side-by-side table gives a ratio only where a ratio means something. The bench itself is not run here."""

import socket
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from assistant import bench_http

from conftest import free_port

# A server that is up (/healthz 200) but fails every question, and says why on stderr, as a broken recipe would.
FAILING_APP = """
import sys
import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse

app = FastAPI()


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.post("/api/chat")
def chat():
    print("recipe-side: collection 'langchain' has no embeddings", file=sys.stderr, flush=True)
    return JSONResponse({"detail": "boom"}, status_code=500)


uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def test_a_short_load_on_the_real_server_gets_answers_and_no_errors(server):
    figures = bench_http.load(server, clients=4, seconds=2, warm_up=4)
    assert figures["errors"] == {}, figures.get("error_samples")
    assert figures["answers"] >= 8
    assert figures["warm_up_requests"] == 4
    assert 0 < figures["p50_ms"] <= figures["p95_ms"]


def _response(conn: socket.socket) -> bytes:
    """One whole HTTP/1.1 response (headers and Content-Length body), or what came before the server closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        part = conn.recv(65536)
        if not part:
            return data
        data += part
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        part = conn.recv(65536)
        if not part:
            break
        body += part
    return head + b"\r\n\r\n" + body


def test_the_server_keeps_an_idle_connection_longer_than_a_client_keeps_it(server):
    # uvicorn's own 5 s equals httpx's keep-alive expiry: a reused connection could be closed under a POST.
    address = urlsplit(server)
    request = f"GET /healthz HTTP/1.1\r\nHost: {address.netloc}\r\n\r\n".encode()
    with socket.create_connection((address.hostname, address.port), timeout=10) as conn:
        conn.sendall(request)
        assert _response(conn).startswith(b"HTTP/1.1 200")
        time.sleep(5.5)
        conn.sendall(request)
        assert _response(conn).startswith(b"HTTP/1.1 200")  # b"" if the server had closed it


def test_a_server_that_fails_requests_stops_the_bench_with_its_stderr():
    port = free_port()
    server = bench_http.Server([sys.executable, "-c", FAILING_APP, str(port)], bench_http._env(), port,
                               timeout=60, name="recipe")
    try:
        with pytest.raises(RuntimeError) as failed:
            bench_http.measure(server, seconds=1, strict=True)
    finally:
        server.stop()
        Path(server.log.name).unlink(missing_ok=True)  # a failure keeps the log for people; this one is known
    message = str(failed.value)
    assert "recipe server: POST /api/chat answered 500" in message
    assert "collection 'langchain' has no embeddings" in message  # the server's own stderr, not just a count


def test_side_by_side_gives_ratios_for_times_rates_and_memory_only():
    lines = bench_http.side_by_side({
        "ours": {"c1_p50_ms": 20.0, "c16_answers_per_s": 40.0, "chunks": 3469, "errors": 0, "rss_idle_mb": 250.0},
        "recipe": {"c1_p50_ms": 50.0, "c16_answers_per_s": 10.0, "chunks": 5120, "errors": 0, "rss_idle_mb": 500.0,
                   "ingest_full_s": 300.0}})
    row = {line.split()[0]: line for line in lines}
    assert row["c1_p50_ms"].endswith("×2.50")  # lower is better
    assert row["c16_answers_per_s"].endswith("×4.00")  # higher is better
    assert row["rss_idle_mb"].endswith("×2.00")
    assert "×" not in row["chunks"] and "5120" in row["chunks"]
    assert "×" not in row["errors"]
    assert "300.0" in row["ingest_full_s"] and "×" not in row["ingest_full_s"]  # the recipe's alone
