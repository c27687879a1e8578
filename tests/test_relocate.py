"""A store is keyed by paths relative to its corpus root: the project folder can move, and a subfolder run keeps
the ids its sources have in a whole-corpus run."""

import shutil

import pytest

from assistant import generations
from assistant.ingest import ingest
from assistant.service import Assistant
from assistant.settings import Settings
from assistant.store import Catalog

from conftest import FIXTURE_CORPUS


class _Boom:
    def embed(self, texts, progress=False):
        raise AssertionError("nothing should be embedded")


@pytest.fixture()
def project(tmp_path, embedder):
    root = tmp_path / "project-a"
    shutil.copytree(FIXTURE_CORPUS, root / "corpus")
    settings = Settings(store_dir=root / "data" / "store", corpus_dir=root / "corpus")
    ingest(settings, embedder=embedder)
    return settings


def test_a_moved_project_folder_re_ingests_nothing_and_still_answers(project, tmp_path, embedder):
    stamp = generations.read_stamp(project.store_dir)
    moved = tmp_path / "renamed project"
    shutil.move(project.store_dir.parent.parent, moved)
    settings = Settings(store_dir=moved / "data" / "store", corpus_dir=moved / "corpus")

    report = ingest(settings, embedder_factory=lambda s: _Boom())
    assert (report.added, report.updated, report.removed, report.failed) == (0, 0, 0, [])
    assert report.unchanged >= 3 and generations.read_stamp(settings.store_dir) == stamp

    answer = Assistant.open(settings, embedder=embedder).chat("Thời hạn bảo hộ nhãn hiệu là bao lâu?")
    assert answer.grounded and any(c.source_id.startswith("law/") for c in answer.citations)


def test_an_edit_after_a_move_is_picked_up(project, tmp_path, embedder):
    moved = tmp_path / "project-b"
    shutil.move(project.store_dir.parent.parent, moved)
    settings = Settings(store_dir=moved / "data" / "store", corpus_dir=moved / "corpus")
    law = settings.corpus_dir / "law" / "hieu-luc-van-bang.md"
    law.write_text(law.read_text(encoding="utf-8").replace("20 năm", "hai mươi năm"), encoding="utf-8")
    report = ingest(settings, embedder=embedder)
    # The law file, and the answer cards checked against the law again.
    assert report.updated >= 1 and (report.added, report.removed, report.failed) == (0, 0, [])
    assert "hai mươi năm" in " ".join(c.text for c in Catalog(settings.catalog_path).all_chunks())


def test_the_catalog_holds_no_absolute_paths(project):
    cat = Catalog(project.catalog_path)
    paths = list(cat.files())
    assert paths and all(not p.startswith("/") for p in paths)
    src = cat.source("law/hieu-luc-van-bang")
    assert src is not None and src.path == "law/hieu-luc-van-bang.md"


def test_a_subfolder_run_keeps_the_folder_prefix_in_source_ids(tmp_path, embedder):
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    settings = Settings(store_dir=tmp_path / "store", corpus_dir=corpus)
    report = ingest(settings, [corpus / "law"], embedder=embedder)
    assert report.added == len(list((corpus / "law").glob("*.md")))
    assert Catalog(settings.catalog_path).source("law/hieu-luc-van-bang") is not None


def test_a_subfolder_run_after_a_full_run_changes_nothing_and_removes_nothing_outside_it(project, embedder):
    before = sorted(c.chunk_id for c in Catalog(project.catalog_path).all_chunks())
    (project.corpus_dir / "guides" / "an-toan-hien-thi.md").unlink()  # outside the folder given: left alone
    report = ingest(project, [project.corpus_dir / "law"], embedder_factory=lambda s: _Boom())
    law_files = len(list((project.corpus_dir / "law").glob("*.md")))
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 0, 0, law_files)
    assert sorted(c.chunk_id for c in Catalog(project.catalog_path).all_chunks()) == before
