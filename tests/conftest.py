"""Shared fixtures: a tiny corpus ingested once per session with the real model, served by a real server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


@pytest.fixture(scope="session")
def embedder():
    from assistant.embeddings import make_embedder
    from assistant.settings import Settings

    return make_embedder(Settings())


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    dst = tmp_path_factory.mktemp("corpus") / "corpus"
    shutil.copytree(FIXTURE_CORPUS, dst)
    _make_fixture_pdf(dst / "training" / "tap-huan-an-giang.pdf")
    return dst


def _make_fixture_pdf(path: Path) -> None:
    from fpdf import FPDF

    font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    pdf = FPDF()
    pdf.set_title("Tập huấn khai thác thông tin sáng chế — An Giang")
    if Path(font).exists():
        pdf.add_font("dv", fname=font)
        pdf.set_font("dv", size=12)
    else:  # Latin-only fallback still exercises page-by-page extraction
        pdf.set_font("helvetica", size=12)
    pages = ["Hội nghị tập huấn khai thác và sử dụng thông tin sáng chế tại An Giang ngày 21/4/2023.",
             "Tài liệu sáng chế gồm dữ liệu thư mục, bản tóm tắt, yêu cầu bảo hộ và bản mô tả. Tra cứu theo phân loại IPC."]
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))


@pytest.fixture(scope="session")
def settings(tmp_path_factory, corpus_dir):
    from assistant.settings import Settings

    return Settings(store_dir=tmp_path_factory.mktemp("store"), corpus_dir=corpus_dir)


@pytest.fixture(scope="session")
def ingested(settings, embedder):
    from assistant.ingest import ingest

    return ingest(settings, [settings.corpus_dir], embedder=embedder)


@pytest.fixture(scope="session")
def assistant(settings, ingested, embedder):
    from assistant.service import Assistant

    return Assistant.open(settings, embedder=embedder)


def wait_until_up(url: str, proc: subprocess.Popen, seconds: float) -> None:
    """Poll a real server's health URL until it answers 200; fail if the process dies or time runs out."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.25)
    proc.kill()
    raise RuntimeError(f"{url} did not come up in {seconds:.0f} s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(env: dict[str, str], log_path: Path, seconds: float = 120) -> Iterator[tuple[str, subprocess.Popen]]:
    """A real `python server.py` process on a free loopback port, with `env` over the environment; stopped after."""
    port = free_port()
    log = open(log_path, "w")
    proc = subprocess.Popen([sys.executable, str(ROOT / "server.py"), "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_up(f"{base}/healthz", proc, seconds)
        except RuntimeError:
            log.flush()
            raise RuntimeError("server did not start: " + log_path.read_text())
        yield base, proc
    finally:
        stop_process(proc, log)


def stop_process(proc: subprocess.Popen, log=None) -> None:
    """Terminate, then kill if it will not go within 10 s; close its log."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    if log is not None:
        log.close()


@pytest.fixture(scope="session")
def server(settings, ingested):
    """A real `python server.py` process on a free loopback port."""
    env = {"IPA_STORE_DIR": str(settings.store_dir), "IPA_FEEDBACK_TOKEN": "staff-secret"}
    with running_server(env, settings.store_dir / "server.log") as (base, _):
        yield base


@pytest.fixture()
def http(server):
    with httpx.Client(base_url=server, timeout=30) as client:
        yield client
