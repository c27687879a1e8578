"""An ingest killed at any point (kill -9, real processes) leaves the served index intact; the next run completes
and the store then equals a clean build: the same counts, chunk ids, vectors, BM25 and mark index, and the same
top search results. ``IPA_TEST_CRASH_AT=<stage>`` makes `ingest.py` die by os._exit(137) at that stage."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from assistant import generations
from assistant.ingest import CRASH_STAGES, ingest
from assistant.service import Assistant
from assistant.settings import Settings
from assistant.store import VectorStore

from conftest import FIXTURE_CORPUS, ROOT

QUERIES = ["Thời hạn bảo hộ nhãn hiệu là bao lâu?", "Hồ sơ đăng ký nhãn hiệu", "hiệu lực văn bằng sáng chế",
           "chỉ dẫn địa lý", "thủ tục tra cứu nhãn hiệu trước khi nộp đơn"]

NEW_GUIDE = """---
title: "Tra cứu nhãn hiệu trước khi nộp đơn"
kind: guide
ip_type: trademark
---

# Tra cứu nhãn hiệu trước khi nộp đơn

## Bước 1: Tra cứu sơ bộ

Trước khi nộp đơn, người nộp đơn nên tra cứu nhãn hiệu tương tự trên thư viện số sở hữu công nghiệp để giảm rủi ro
bị từ chối; việc tra cứu sơ bộ là tự nguyện.
"""


def _edit_to_v2(corpus):
    """An edit, a deletion and a new file: every kind of change an incremental run applies."""
    law = corpus / "law" / "hieu-luc-van-bang.md"
    law.write_text(law.read_text(encoding="utf-8").replace("20 năm", "hai mươi năm"), encoding="utf-8")
    (corpus / "guides" / "an-toan-hien-thi.md").unlink()
    (corpus / "guides" / "tra-cuu-nhan-hieu.md").write_text(NEW_GUIDE, encoding="utf-8")
    records = corpus / "records" / "trademarks.sample.jsonl"
    records.write_text(records.read_text(encoding="utf-8").replace("PHỞ VIỆT", "PHỞ VIỆT XƯA"), encoding="utf-8")


@pytest.fixture(scope="module")
def stores(tmp_path_factory, embedder):
    """A v1 store (to crash into), the v2 corpus, and a clean build of v2 to compare with."""
    base = tmp_path_factory.mktemp("safety")
    v1, v2 = base / "v1" / "corpus", base / "v2" / "corpus"
    shutil.copytree(FIXTURE_CORPUS, v1)
    shutil.copytree(FIXTURE_CORPUS, v2)
    _edit_to_v2(v2)
    ingest(Settings(store_dir=base / "store-v1", corpus_dir=v1), embedder=embedder)
    clean = Settings(store_dir=base / "clean-v2", corpus_dir=v2)
    ingest(clean, embedder=embedder)
    return {"v1_store": base / "store-v1", "v2": v2, "clean": snapshot(clean, embedder),
            "v2_vectors": clean.vector_cache_path}


def snapshot(settings, embedder) -> dict:
    a = Assistant.open(settings, embedder=embedder)
    try:
        chunk_ids = sorted(a.retriever.chunks)
        return {
            "counts": a.catalog.counts(),
            "chunk_ids": chunk_ids,
            "vector_ids": sorted(_chroma_ids(a.settings)),
            "matrix_ids": sorted(a.retriever.dense.ids),
            "lexical_ids": sorted(a.retriever.lexical.chunk_ids),
            "marks": sorted(m.record_id for m in a.marks.check("PHỞ VIỆT XƯA", None, limit=50)),
            "top": {q: [h["source_id"] + "|" + h["locator"] for h in a.search(q, 5)] for q in QUERIES},
        }
    finally:
        a.close()


def _chroma_ids(settings) -> list[str]:
    store = VectorStore(settings)
    try:
        return store.ids()
    finally:
        store.close()


def run_ingest(store, corpus, crash: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "IPA_STORE_DIR": str(store), "IPA_CORPUS_DIR": str(corpus), "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    env.pop("IPA_TEST_CRASH_AT", None)
    if crash:
        env["IPA_TEST_CRASH_AT"] = crash
    return subprocess.run([sys.executable, str(ROOT / "ingest.py"), "--json"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def assert_equals_clean_build(store, corpus, clean, embedder):
    settings = Settings(store_dir=store, corpus_dir=corpus)
    got = snapshot(settings, embedder)
    # No orphan vectors in Chroma or the served matrix, no stale BM25.
    assert got["chunk_ids"] == got["vector_ids"] == got["matrix_ids"] == got["lexical_ids"]
    assert got == clean
    kept = {p.name for p in generations.generations_dir(store).iterdir()}
    stamp = generations.read_stamp(store)
    assert kept <= {stamp["generation"], stamp["previous"]}  # half-built generations are gone


@pytest.mark.parametrize("stage", CRASH_STAGES)
def test_an_ingest_killed_at_any_stage_then_run_again_equals_a_clean_build(stage, stores, tmp_path, embedder):
    store = tmp_path / "store"
    shutil.copytree(stores["v1_store"], store)
    if CRASH_STAGES.index(stage) > CRASH_STAGES.index("embedded"):
        # Later stages do not need the model to be reached: the cache already has the new texts' vectors.
        shutil.copy(stores["v2_vectors"], store / "vectors.sqlite3")
    before = generations.read_stamp(store)

    crashed = run_ingest(store, stores["v2"], crash=stage)
    assert crashed.returncode == 137, crashed.stderr[-2000:]
    if stage != "stamped":
        # Until the stamp is written the old generation is the one served, whole.
        assert generations.read_stamp(store) == before
        served = Assistant.open(Settings(store_dir=store), embedder=embedder)
        assert served.health()["chunks"] > 0
        served.close()

    again = ingest(Settings(store_dir=store, corpus_dir=stores["v2"]), embedder=embedder)
    assert again.failed == []
    assert_equals_clean_build(store, stores["v2"], stores["clean"], embedder)


def test_an_ingest_killed_from_outside_at_a_random_moment_recovers(stores, tmp_path, embedder):
    for delay in (1.0, 4.0):
        store = tmp_path / f"store-{delay}"
        shutil.copytree(stores["v1_store"], store)
        env = {**os.environ, "IPA_STORE_DIR": str(store), "IPA_CORPUS_DIR": str(stores["v2"])}
        env.pop("IPA_TEST_CRASH_AT", None)
        proc = subprocess.Popen([sys.executable, str(ROOT / "ingest.py")], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        assert ingest(Settings(store_dir=store, corpus_dir=stores["v2"]), embedder=embedder).failed == []
        assert_equals_clean_build(store, stores["v2"], stores["clean"], embedder)


def test_an_unchanged_rerun_writes_no_new_generation(stores, tmp_path, embedder):
    store = tmp_path / "store"
    shutil.copytree(stores["v1_store"], store)
    ingest(Settings(store_dir=store, corpus_dir=stores["v2"]), embedder=embedder)
    stamp = generations.read_stamp(store)
    again = run_ingest(store, stores["v2"])
    summary = json.loads(again.stdout.strip().splitlines()[-1])
    assert (summary["added"], summary["updated"], summary["removed"]) == (0, 0, 0)
    assert generations.read_stamp(store) == stamp
