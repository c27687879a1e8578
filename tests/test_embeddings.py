"""The query/ingest encoder: the int8 ONNX export agrees with the torch model, loads lazily, and query
vectors are cached in a bounded LRU."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.embeddings import (CachedEmbedder, LazyEmbedder, OnnxEmbedder, OnnxUnsupported, SentenceTransformerEmbedder,
                                  encoder_path, ensure_onnx, load_embedder, make_embedder, model_dir)
from assistant.settings import Settings

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "corpus"

QUESTIONS = [
    "Thời hạn bảo hộ nhãn hiệu là bao lâu?", "thoi han bao ho sang che", "How long is a patent protected in Vietnam?",
    "Tôi muốn đăng ký nhãn hiệu 'Cà Phê Mộc' cho quán cà phê", "Chỉ dẫn địa lý là gì?", "a",
    "Trademark protection lasts ten years from the filing date and may be renewed.",
]


def _texts() -> list[str]:
    """Questions, and passages of every length the corpus has (one word to past the 256-token limit)."""
    passages = []
    for p in sorted(FIXTURES.rglob("*.md")):
        text = p.read_text(encoding="utf-8")
        passages += [text[:200], text[:1200], text * 3]
    return QUESTIONS + passages


@pytest.fixture(scope="module")
def onnx() -> OnnxEmbedder:
    embedder = load_embedder(Settings(embed_backend="onnx"))
    assert isinstance(embedder, OnnxEmbedder)
    return embedder


@pytest.fixture(scope="module")
def torch_model() -> SentenceTransformerEmbedder:
    embedder = load_embedder(Settings(embed_backend="torch"))
    assert isinstance(embedder, SentenceTransformerEmbedder)
    return embedder


def test_onnx_vectors_agree_with_the_torch_model(onnx, torch_model):
    texts = _texts()
    reference = np.asarray(torch_model.embed(texts))
    batched = np.asarray(onnx.embed(texts))  # as ingest embeds
    alone = np.asarray([onnx.embed([t])[0] for t in texts])  # as a query is embedded
    assert batched.shape == alone.shape == reference.shape == (len(texts), 384)
    for vectors in (batched, alone):
        cosine = (vectors * reference).sum(1)  # all are unit vectors
        # A one-token text ("a") is pooled over [CLS] a [SEP], where int8 errors do not average out: 0.994 with
        # float feed-forward outputs (export 3), 0.986–0.987 with static int8 ones (export 4); every text of
        # two words or more stays ≥ 0.99.
        floors = np.where([len(t.split()) > 1 for t in texts], 0.99, 0.985)
        assert (cosine >= floors).all(), dict(zip(texts, cosine.round(4)))
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def _corpus_chunks() -> tuple[list[str], list[str]]:
    """Embedding texts of real corpus chunks, as ingest makes them: law and guide passages, and records."""
    from assistant.chunking import chunk_source
    from assistant.ingest import embed_text
    from assistant.loaders import load_file

    corpus = Settings().corpus_dir
    passages, records = [], []
    for path in (sorted((corpus / "law").glob("*.md"))[:2] + sorted((corpus / "guides").glob("*.md"))[:2] +
                 sorted((corpus / "records").glob("*.jsonl"))):
        for source in load_file(path, corpus):
            texts = [embed_text(source, c) for c in chunk_source(source)]
            (records if source.kind == "record" else passages).extend(texts[:30])
    return passages, records


def test_onnx_vectors_agree_with_the_torch_model_on_corpus_chunks(onnx, torch_model):
    passages, records = _corpus_chunks()
    assert len(passages) >= 60 and len(records) >= 100
    for texts, floor in ((passages, 0.99), (records, 0.985)):
        cosine = (np.asarray(onnx.embed(texts)) * np.asarray(torch_model.embed(texts))).sum(1)
        # Records are short and full of names, where int8 errors weigh most: measured min 0.988–0.990 over 512
        # sample records (export recipes 1 and 3 alike, depending on the batching), mean 0.996; passages 0.995.
        assert cosine.min() >= floor and cosine.mean() >= 0.993, dict(zip(texts, cosine.round(4)))


def test_a_token_limit_cuts_long_texts_and_names_the_vectors():
    from assistant.embeddings import EXPORT_VERSION
    from assistant.ingest import embed_identity

    cut = load_embedder(Settings(embed_max_tokens=32))
    full = load_embedder(Settings())
    assert cut.max_tokens == 32 and full.max_tokens == 256
    short, long = "Thời hạn bảo hộ nhãn hiệu", (FIXTURES / "law" / "xu-ly-don.md").read_text(encoding="utf-8")
    # One text a call: int8 activations are scaled per batch, so a batch-mate would change the vector.
    a, b = (np.asarray([m.embed([t])[0] for t in (short, long)]) for m in (cut, full))
    assert np.allclose(a[0], b[0], atol=1e-5)  # under the limit: the same vector
    assert (a[1] * b[1]).sum() < 0.98  # over it: only the first 32 tokens count
    assert embed_identity(Settings()) == f"packaged:all-MiniLM-L6-v2+onnx.{EXPORT_VERSION}"
    assert embed_identity(Settings(embed_max_tokens=32)).endswith("@32")  # never mixed with uncut vectors
    assert embed_identity(Settings(embed_backend="torch")) == "packaged:all-MiniLM-L6-v2"


def test_onnx_ranks_passages_as_the_torch_model_does(onnx, torch_model):
    passages = [t for t in _texts() if t not in QUESTIONS]
    for q in QUESTIONS[:5]:
        rank = [np.argsort(-np.asarray(m.embed(passages)) @ np.asarray(m.embed([q])[0]))[:3].tolist()
                for m in (onnx, torch_model)]
        assert rank[0][0] == rank[1][0], q


def test_the_export_is_cached_by_the_weights_fingerprint(onnx, tmp_path):
    path = Path(model_dir(Settings()))
    assert onnx.path == encoder_path(path, onnx.path.parent)
    before = onnx.path.stat().st_mtime_ns
    assert ensure_onnx(path, onnx.path.parent) == onnx.path
    assert onnx.path.stat().st_mtime_ns == before  # found, not built again


def test_a_model_the_export_cannot_reproduce_is_refused(tmp_path):
    (tmp_path / "modules.json").write_text('[{"idx": 0, "name": "0", "path": "", "type": "x.Transformer"}]')
    (tmp_path / "tokenizer.json").write_text("{}")
    with pytest.raises(OnnxUnsupported):
        ensure_onnx(tmp_path, tmp_path / "enc")
    assert not (tmp_path / "enc").exists()


def test_nothing_loads_until_the_first_text():
    built = []

    class Fake:
        name, dim = "fake", 2

        def embed(self, texts, progress=False):
            return [[float(len(t)), 1.0] for t in texts]

    lazy = LazyEmbedder("fake", lambda: built.append(1) or Fake())
    assert not lazy.loaded and built == []
    assert lazy.embed(["abc"]) == [[3.0, 1.0]]
    lazy.embed(["x"])
    assert lazy.loaded and built == [1]


def test_make_embedder_is_lazy_and_cached():
    embedder = make_embedder(Settings())
    assert isinstance(embedder, CachedEmbedder) and isinstance(embedder.inner, LazyEmbedder)
    assert not embedder.inner.loaded


class Counting:
    name, dim = "counting", 3

    def __init__(self):
        self.calls: list[list[str]] = []

    def embed(self, texts, progress=False):
        self.calls.append(list(texts))
        return [[float(len(t)), float(i), 1.0] for i, t in enumerate(texts)]


def test_the_same_question_is_embedded_once():
    inner = Counting()
    cache = CachedEmbedder(inner, size=8)
    first = cache.embed(["nhãn hiệu"])
    again = cache.embed(["nhãn hiệu"])
    assert first == again and inner.calls == [["nhãn hiệu"]]
    assert (cache.hits, cache.misses) == (1, 1)
    again[0][0] = -1.0  # a caller changing its vector does not change the cache
    assert cache.embed(["nhãn hiệu"]) == first


def test_the_cache_is_bounded_and_evicts_the_least_recently_used():
    inner = Counting()
    cache = CachedEmbedder(inner, size=2)
    cache.embed(["a"])
    cache.embed(["b"])
    cache.embed(["a"])  # a is now the most recent
    cache.embed(["c"])  # evicts b
    assert len(cache) == 2
    inner.calls.clear()
    cache.embed(["a"])
    cache.embed(["b"])
    assert inner.calls == [["b"]]


def test_ingest_batches_pass_through_the_cache():
    inner = Counting()
    cache = CachedEmbedder(inner, size=100)
    texts = [f"chunk {i}" for i in range(10)]
    cache.embed(texts)
    cache.embed(texts)
    assert len(inner.calls) == 2 and len(cache) == 0


def test_a_zero_size_cache_is_off():
    inner = Counting()
    cache = CachedEmbedder(inner, size=0)
    cache.embed(["a"])
    cache.embed(["a"])
    assert len(inner.calls) == 2


def test_ingest_encoder_processes_give_the_in_process_vectors(onnx):
    from assistant.embeddings import EmbeddingPool

    texts = _texts()
    blocks = [texts[:5], texts[5:]]
    pool = EmbeddingPool(Settings(embed_backend="onnx"), workers=2)
    try:
        got = np.concatenate(list(pool.imap(blocks)))
    finally:
        pool.close()
    want = np.concatenate([np.asarray(onnx.embed(b)) for b in blocks])
    assert got.dtype == np.float32 and got.shape == want.shape
    assert (got * want).sum(1).min() > 0.99999  # one thread or two: the same products, summed in another order
