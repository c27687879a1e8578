"""Re-ingesting the store a running server uses disturbs nobody: the server keeps answering from its generation,
then swaps to the new one on its own. A server killed mid-request restarts cleanly. Real processes throughout:
`python server.py`, `python ingest.py`, and for the second store kind `chroma run`."""

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from assistant import generations
from assistant.ingest import ingest
from assistant.settings import Settings

from conftest import FIXTURE_CORPUS, ROOT, free_port, wait_until_up

CHROMA = Path(sys.executable).parent / "chroma"
QUESTIONS = ["Thời hạn bảo hộ nhãn hiệu là bao lâu?", "Hồ sơ đăng ký nhãn hiệu gồm những gì?",
             "Hiệu lực văn bằng bảo hộ"]

NEW_GUIDE = """---
title: "Nhãn hiệu tập thể Zylofrax (hướng dẫn kiểm thử)"
kind: guide
ip_type: trademark
---

# Nhãn hiệu tập thể Zylofrax

## Đăng ký nhãn hiệu tập thể

Hợp tác xã Zylofrax nộp đơn đăng ký nhãn hiệu tập thể kèm quy chế sử dụng nhãn hiệu tập thể.
"""


def _env(settings: Settings) -> dict:
    env = {**os.environ, "IPA_STORE_DIR": str(settings.store_dir), "IPA_CORPUS_DIR": str(settings.corpus_dir),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    env.pop("IPA_TEST_CRASH_AT", None)
    if settings.chroma_host:
        env.update(IPA_CHROMA_HOST=settings.chroma_host, IPA_CHROMA_PORT=str(settings.chroma_port))
    return env


class Server:
    def __init__(self, settings: Settings, log: Path, workers: int = 1):
        self.settings, self.log_path, self.workers = settings, log, workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def start(self) -> "Server":
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "server.py"), "--host", "127.0.0.1", "--port",
                                      str(self.port), "--workers", str(self.workers)], cwd=ROOT,
                                     env=_env(self.settings), stdout=self.log, stderr=subprocess.STDOUT)
        try:
            wait_until_up(f"{self.base}/healthz", self.proc, 180)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}: {self.log_path.read_text()[-3000:]}") from None
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


class Clients:
    """Four threads asking questions and searching as fast as the server answers; every outcome recorded."""

    def __init__(self, base: str, n: int = 4):
        self.base, self.outcomes, self._stop = base, [], threading.Event()
        self._threads = [threading.Thread(target=self._ask, args=(i,), daemon=True) for i in range(n)]

    def _ask(self, i: int) -> None:
        with httpx.Client(base_url=self.base, timeout=60) as c:
            n = 0
            while not self._stop.is_set():
                q = QUESTIONS[(i + n) % len(QUESTIONS)]
                try:
                    r = c.post("/api/chat", json={"question": q}) if n % 2 else c.get("/api/search", params={"q": q})
                    ok = r.status_code == 200 and ("answer" in r.json() or "results" in r.json())
                    self.outcomes.append("ok" if ok else f"{r.status_code}: {r.text[:200]}")
                except httpx.HTTPError as exc:
                    self.outcomes.append(repr(exc))
                n += 1

    def __enter__(self) -> "Clients":
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(60)

    @property
    def failures(self) -> list[str]:
        return [o for o in self.outcomes if o != "ok"]


def _found(base: str, term: str) -> bool:
    r = httpx.get(f"{base}/api/search", params={"q": term, "k": 3}, timeout=30)
    return r.status_code == 200 and any("zylofrax" in h["source_id"] for h in r.json()["results"])


@pytest.fixture(scope="module")
def chroma_port(tmp_path_factory):
    if not CHROMA.exists():
        pytest.skip("the chroma CLI is not installed in this environment")
    port = free_port()
    proc = subprocess.Popen([str(CHROMA), "run", "--path", str(tmp_path_factory.mktemp("chroma")), "--host",
                             "127.0.0.1", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_up(f"http://127.0.0.1:{port}/api/v2/heartbeat", proc, 60)
    yield port
    proc.terminate()
    proc.wait(10)


@pytest.fixture(params=["embedded", "chroma-server"])
def built(request, tmp_path, embedder):
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    extra = {}
    if request.param == "chroma-server":
        extra = {"chroma_host": "127.0.0.1", "chroma_port": request.getfixturevalue("chroma_port"),
                 "collection": f"live-{tmp_path.name}"[:60]}
    settings = Settings(store_dir=tmp_path / "store", corpus_dir=corpus, **extra)
    ingest(settings, embedder=embedder)
    return settings


def test_reingest_under_load_fails_no_request_and_new_content_is_answered_without_restart(built, tmp_path):
    server = Server(built, tmp_path / "server.log").start()
    try:
        first = httpx.get(f"{server.base}/healthz").json()["generation"]
        assert not _found(server.base, "Zylofrax")
        (built.corpus_dir / "guides" / "zylofrax.md").write_text(NEW_GUIDE, encoding="utf-8")
        law = built.corpus_dir / "law" / "hieu-luc-van-bang.md"
        law.write_text(law.read_text(encoding="utf-8").replace("20 năm", "hai mươi năm"), encoding="utf-8")
        with Clients(server.base) as clients:
            time.sleep(1)
            out = subprocess.run([sys.executable, str(ROOT / "ingest.py"), str(built.corpus_dir / "law"),
                                  str(built.corpus_dir / "guides")], cwd=ROOT, env=_env(built),
                                 capture_output=True, text=True, timeout=600)
            assert out.returncode == 0, out.stderr[-2000:]
            stamped = time.monotonic()
            while not _found(server.base, "Zylofrax"):
                assert time.monotonic() - stamped < 10, "the new generation was not served within 10 s"
                time.sleep(0.2)
            swapped_in = time.monotonic() - stamped
            time.sleep(1)  # keep asking on the new generation too
        assert len(clients.outcomes) >= 20
        assert clients.failures == [], clients.failures[:5]
        health = httpx.get(f"{server.base}/healthz").json()
        assert health["generation"] != first and health["generation"] == generations.current_name(built.store_dir)
        source = httpx.get(f"{server.base}/api/sources/guides/zylofrax").json()
        assert source["source_id"] == "guides/zylofrax"  # the subfolder run kept the ids' folder prefix
        print(f"new generation answered {swapped_in:.1f} s after the ingest exited; "
              f"{len(clients.outcomes)} requests during the ingest, 0 failed")
    finally:
        server.stop()


def test_a_server_killed_mid_request_restarts_cleanly(tmp_path, embedder):
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    settings = Settings(store_dir=tmp_path / "store", corpus_dir=corpus)
    ingest(settings, embedder=embedder)
    server = Server(settings, tmp_path / "server.log").start()
    dead_pid = server.proc.pid
    with Clients(server.base) as clients:
        while len(clients.outcomes) < 8:
            time.sleep(0.05)
        server.proc.kill()  # SIGKILL while four requests are in flight
        server.proc.wait(10)
    server.stop()
    assert any(o != "ok" for o in clients.outcomes)  # requests really were cut off

    restarted = Server(settings, tmp_path / "server.log").start()
    try:
        answer = httpx.post(f"{restarted.base}/api/chat", json={"question": QUESTIONS[0]}, timeout=60).json()
        assert answer["grounded"] and answer["citations"]
        # The dead server's claim on its generation does not keep old generations alive for ever.
        (corpus / "guides" / "zylofrax.md").write_text(NEW_GUIDE, encoding="utf-8")
        ingest(settings, embedder=embedder)
        assert not (settings.store_dir / "readers" / str(dead_pid)).exists()
        deadline = time.monotonic() + 10
        while not _found(restarted.base, "Zylofrax"):
            assert time.monotonic() < deadline
            time.sleep(0.2)
    finally:
        restarted.stop()


def _worker_generations(server: Server) -> dict[int, str]:
    """The generation each worker process of a --workers server has registered as the one it reads."""
    children = Path(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children").read_text().split()
    readers = server.settings.store_dir / "readers"
    return {int(pid): (readers / pid).read_text().strip() for pid in children if (readers / pid).exists()}


def test_two_workers_answer_like_one_process_and_both_swap_to_a_reingested_generation(tmp_path, embedder):
    from concurrent.futures import ThreadPoolExecutor

    from assistant.service import Assistant

    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    settings = Settings(store_dir=tmp_path / "store", corpus_dir=corpus)
    ingest(settings, embedder=embedder)
    local = Assistant.open(settings, embedder=embedder)
    expected = {q: local.chat(q).answer for q in QUESTIONS}
    local.close()
    server = Server(settings, tmp_path / "server.log", workers=2).start()
    try:
        first = generations.current_name(settings.store_dir)
        deadline = time.monotonic() + 30
        while len(_worker_generations(server)) < 2:  # each worker registers once its app has started
            assert time.monotonic() < deadline, _worker_generations(server)
            time.sleep(0.2)
        assert set(_worker_generations(server).values()) == {first}

        def ask(q: str) -> tuple[str, str]:
            # A new connection per question, so the kernel spreads them over both workers.
            return q, httpx.post(f"{server.base}/api/chat", json={"question": q}, timeout=60).json()["answer"]

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(ask, QUESTIONS * 8))
        assert [a for q, a in answers if a != expected[q]] == []

        (corpus / "guides" / "zylofrax.md").write_text(NEW_GUIDE, encoding="utf-8")
        with Clients(server.base) as clients:
            out = subprocess.run([sys.executable, str(ROOT / "ingest.py"), str(corpus / "guides")], cwd=ROOT,
                                 env=_env(settings), capture_output=True, text=True, timeout=600)
            assert out.returncode == 0, out.stderr[-2000:]
            new = generations.current_name(settings.store_dir)
            assert new != first
            stamped = time.monotonic()
            while set(_worker_generations(server).values()) != {new}:
                assert time.monotonic() - stamped < 10, _worker_generations(server)
                time.sleep(0.2)
            found_in_a_row = 0  # a worker registers the generation before it opens it: wait for both to serve it
            while found_in_a_row < 10:  # ten new connections in a row, spread over both workers
                found_in_a_row = found_in_a_row + 1 if _found(server.base, "Zylofrax") else 0
                assert time.monotonic() - stamped < 20, "not every worker serves the new generation"
        assert len(clients.outcomes) >= 20
        assert clients.failures == [], clients.failures[:5]
        assert {httpx.get(f"{server.base}/healthz").json()["generation"] for _ in range(10)} == {new}
    finally:
        server.stop()
