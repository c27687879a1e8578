"""Dense search: the served matrix finds what Chroma finds, under the same filters."""

import json

import numpy as np
import pytest

from assistant.dense import ChromaSearch, MatrixSearch, MatrixWriter, open_dense
from assistant.errors import StoreMissing
from assistant.retrieve import Filters
from assistant.service import Assistant

QUERIES = ["thời hạn bảo hộ sáng chế", "How long is a trademark protected?", "hồ sơ đăng ký kiểu dáng công nghiệp",
           "nhãn hiệu cà phê", "chỉ dẫn địa lý"]


@pytest.fixture(scope="module")
def both(settings, ingested, embedder):
    matrix = Assistant.open(settings.model_copy(update={"dense_search": "matrix"}), embedder=embedder)
    chroma = Assistant.open(settings.model_copy(update={"dense_search": "chroma"}), embedder=embedder)
    yield matrix, chroma
    matrix.close()
    chroma.close()


def test_a_built_store_serves_dense_search_from_its_matrix_by_default(assistant):
    assert isinstance(assistant.retriever.dense, MatrixSearch)
    assert assistant.retriever.dense.ids == assistant.retriever.lexical.chunk_ids  # one mask serves both


@pytest.mark.parametrize("filters", [Filters(), Filters(kinds=("law",)), Filters(exclude_kinds=("record",)),
                                     Filters(as_of="2025-06-01"), Filters(record_ip_types=("gi",))],
                         ids=["none", "law", "no-records", "as-of-2025", "gi-records"])
def test_the_matrix_finds_what_chroma_finds_under_the_same_filters(both, embedder, filters):
    matrix, chroma = both
    assert isinstance(chroma.retriever.dense, ChromaSearch)
    for q in QUERIES:
        vec = embedder.embed([q])[0]
        allowed = matrix.retriever._mask(filters)
        ours = matrix.retriever.dense.query(vec, 10, filters, allowed)
        theirs = chroma.retriever.dense.query(vec, 10, filters, chroma.retriever._mask(filters))
        # Chroma's HNSW is approximate and its distances are float32 too: the same ids, scores to 1e-4.
        assert [c for c, _ in ours][:5] == [c for c, _ in theirs][:5], q
        assert np.allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-4)
        assert all(filters.allows(matrix.retriever.chunks[c]) for c, _ in ours)


def test_answers_are_the_same_from_either_dense_search(both):
    matrix, chroma = both
    for q in QUERIES:
        a, b = matrix.chat(q), chroma.chat(q)
        assert a.answer == b.answer and [c.locator for c in a.citations] == [c.locator for c in b.citations], q


def test_a_matrix_in_another_order_is_aligned_to_the_bm25_rows(tmp_path):
    path = tmp_path / "dense.npy"
    writer = MatrixWriter(path, ["a", "b", "c"])
    writer.write(np.eye(3, dtype=np.float32)[:2])
    writer.write(np.eye(3, dtype=np.float32)[2:])
    writer.close()
    assert json.loads((tmp_path / "dense.ids.json").read_text()) == ["a", "b", "c"]
    m = MatrixSearch.load(path, order=["c", "a", "x"])
    assert m.ids == ["c", "a", "x"]
    assert [cid for cid, _ in m.query([0, 0, 1], 3, Filters(), None)][0] == "c"
    # a row the matrix lacks scores 0, never a neighbour's vector
    assert dict(m.query([1, 0, 0], 3, Filters(), None)) == {"a": 1.0, "c": 0.0, "x": 0.0}
    assert m.query([1, 0, 0], 3, Filters(), np.array([True, False, True])) == [("c", 0.0), ("x", 0.0)]


def test_a_half_written_matrix_never_looks_complete(tmp_path):
    path = tmp_path / "dense.npy"
    writer = MatrixWriter(path, ["a", "b"])
    writer.write(np.ones((1, 4), dtype=np.float32))
    with pytest.raises(ValueError):
        writer.close()
    assert not path.exists()


def test_asking_for_the_matrix_of_a_store_without_one_says_to_ingest(settings, ingested, tmp_path):
    lonely = settings.model_copy(update={"index_dir": tmp_path, "dense_search": "matrix"})
    with pytest.raises(StoreMissing, match="ingest"):
        open_dense(lonely)
