"""With IPA_CHROMA_HOST set, vectors live in a Chroma server instead of the embedded store."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.ingest import ingest
from assistant.service import Assistant
from assistant.settings import Settings

from conftest import FIXTURE_CORPUS, free_port, wait_until_up

CHROMA = Path(sys.executable).parent / "chroma"


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    if not CHROMA.exists():
        pytest.skip("the chroma CLI is not installed in this environment")
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen([str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_up(f"http://127.0.0.1:{port}/api/v2/heartbeat", proc, 60)
    yield port
    proc.terminate()
    proc.wait(10)


def test_ingest_and_chat_work_against_a_chroma_server(tmp_path, chroma_server, embedder):
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    settings = Settings(store_dir=tmp_path / "store", corpus_dir=corpus, chroma_host="127.0.0.1",
                        chroma_port=chroma_server)
    report = ingest(settings, embedder=embedder)
    assert report.failed == [] and report.chunks > 0
    assert not settings.chroma_dir.exists()  # nothing embedded locally
    answer = Assistant.open(settings, embedder=embedder).chat("Thời hạn bảo hộ nhãn hiệu là bao lâu?")
    assert answer.grounded and any(c.locator.startswith("Điều 93") for c in answer.citations)
