"""Over-HTTP figures, each beside the textbook LangChain recipe measured in the same run.

``python -m assistant.bench --http [--store DIR] [--workers N] [--no-recipe]`` and ``--soak SECONDS``.

Ours: ``python server.py`` on a built store (the query-vector cache off, so every request does the full
work). The recipe: RecursiveCharacterTextSplitter over the same loaded sources, HuggingFaceEmbeddings over
the same packaged MiniLM (offline), langchain-chroma ``Chroma``, and the ``similarity_search`` top chunk as
the answer, served by the same FastAPI + uvicorn stack. Both are measured by the same asyncio client: start-up
to the first 200 from /healthz, one client's p50/p95, and 16 concurrent clients' answers/s and p50/p95.
Traffic goes to 127.0.0.1 only; every loop is bounded in time.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .settings import PROJECT_ROOT, Settings

QUESTIONS_FILE = PROJECT_ROOT.parent / "shared" / "eval" / "questions.jsonl"


def questions() -> list[str]:
    from .bench import QUESTIONS

    qs = list(QUESTIONS)
    if QUESTIONS_FILE.exists():
        qs += [(json.loads(line).get("question") or json.loads(line).get("q")) for line in QUESTIONS_FILE.read_text(encoding="utf-8").splitlines()
               if line.strip()]
    return qs


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
            **extra}


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (uvicorn workers), from /proc."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return round(total / 1024, 1)


def worker_rss_mb(pid: int) -> list[float]:
    try:
        children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    return [rss_mb_single(c) for c in children]


def rss_mb_single(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


class Server:
    """A server process started for the bench; stopped (by its own pid) when done."""

    def __init__(self, cmd: list[str], env: dict[str, str], port: int, timeout: float = 300):
        import httpx

        self.url = f"http://127.0.0.1:{port}"
        t = time.perf_counter()
        self.proc = subprocess.Popen(cmd, env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{cmd} exited: {self.proc.stderr.read()[-2000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{cmd}: no /healthz within {timeout}s")
            time.sleep(0.05)
        self.startup_s = round(time.perf_counter() - t, 2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def ours(store: Path, workers: int = 1, cache: bool = False) -> Server:
    port = _free_port()
    env = _env(IPA_STORE_DIR=str(store), **({} if cache else {"IPA_QUERY_CACHE_SIZE": "0"}))
    return Server([sys.executable, "server.py", "--port", str(port), "--workers", str(workers)], env, port)


def recipe_server(chroma_dir: Path) -> Server:
    port = _free_port()
    return Server([sys.executable, "-m", "assistant.bench_http", "recipe-serve", str(chroma_dir), str(port)],
                  _env(), port)


async def _load(url: str, qs: list[str], clients: int, seconds: float, max_requests: int) -> dict:
    import httpx

    lat: list[float] = []
    errors: dict[str, int] = {}
    stop_at = time.perf_counter() + seconds
    counter = iter(range(max_requests))

    async def client(i: int, http: httpx.AsyncClient) -> None:
        while time.perf_counter() < stop_at:
            n = next(counter, None)
            if n is None:
                return
            q = qs[(n + i) % len(qs)]
            t = time.perf_counter()
            try:
                r = await http.post(url + "/api/chat", json={"question": q})
                if r.status_code >= 400:
                    errors[str(r.status_code)] = errors.get(str(r.status_code), 0) + 1
                    continue
            except httpx.HTTPError as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                continue
            lat.append((time.perf_counter() - t) * 1000)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        await http.post(url + "/api/chat", json={"question": qs[0]})  # warm-up
        t = time.perf_counter()
        await asyncio.gather(*(client(i, http) for i in range(clients)))
        wall = time.perf_counter() - t
    lat.sort()
    pct = lambda p: round(lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else None  # noqa: E731
    return {"answers": len(lat), "errors": errors, "answers_per_s": round(len(lat) / wall, 1),
            "p50_ms": round(statistics.median(lat), 1) if lat else None, "p95_ms": pct(0.95)}


def load(url: str, clients: int, seconds: float = 20, max_requests: int = 5000) -> dict:
    return asyncio.run(_load(url, questions(), clients, seconds, max_requests))


def measure(server: Server, seconds: float = 20) -> dict:
    rss_start = rss_mb(server.proc.pid)
    one = load(server.url, 1, seconds)
    many = load(server.url, 16, seconds)
    return {"startup_to_healthz_s": server.startup_s, "rss_idle_mb": rss_start,
            "c1_p50_ms": one["p50_ms"], "c1_p95_ms": one["p95_ms"], "c1_answers_per_s": one["answers_per_s"],
            "c16_answers_per_s": many["answers_per_s"], "c16_p50_ms": many["p50_ms"], "c16_p95_ms": many["p95_ms"],
            "errors": sum(one["errors"].values()) + sum(many["errors"].values()),
            "rss_after_mb": rss_mb(server.proc.pid), "workers_rss_mb": worker_rss_mb(server.proc.pid)}


# --- the textbook recipe ---------------------------------------------------------------------------------

def _recipe_embeddings():
    from langchain_huggingface import HuggingFaceEmbeddings

    from .embeddings import model_dir

    return HuggingFaceEmbeddings(model_name=model_dir(Settings()),
                                 model_kwargs={"device": "cpu", "local_files_only": True},
                                 encode_kwargs={"normalize_embeddings": True})


def recipe_ingest(corpus: Path, chroma_dir: Path) -> dict:
    """Load → RecursiveCharacterTextSplitter(1000, 200) → HuggingFaceEmbeddings → Chroma.from_documents."""
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from .errors import CorpusFileError
    from .loaders import iter_corpus_files, load_file

    t = time.perf_counter()
    docs = []
    for path in iter_corpus_files(corpus):
        try:
            sources = load_file(path, corpus)  # the same text our pipeline reads (PDF pages, records, ...)
        except CorpusFileError:
            continue
        docs += [Document(page_content="\n\n".join(s.text for s in src.sections),
                          metadata={"source": src.source_id}) for src in sources]
    chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
    Chroma.from_documents(chunks, _recipe_embeddings(), persist_directory=str(chroma_dir),
                          collection_metadata={"hnsw:space": "cosine"})
    return {"sources": len(docs), "chunks": len(chunks), "ingest_full_s": round(time.perf_counter() - t, 1)}


def recipe_app(chroma_dir: Path):
    from fastapi import FastAPI
    from langchain_chroma import Chroma
    from pydantic import BaseModel

    db = Chroma(persist_directory=str(chroma_dir), embedding_function=_recipe_embeddings(),
                collection_metadata={"hnsw:space": "cosine"})
    app = FastAPI()

    class Question(BaseModel):
        question: str

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.post("/api/chat")
    def chat(q: Question):
        top = db.similarity_search(q.question, k=1)
        return {"answer": top[0].page_content if top else "", "source": top[0].metadata.get("source") if top else None}

    return app


def compare(store: Path, corpus: Path, workers: int = 1, recipe: bool = True, seconds: float = 20) -> dict:
    """Ours and the recipe, one after the other on the same machine, same client, same questions."""
    result: dict = {}
    server = ours(store, workers)
    try:
        result["ours"] = measure(server, seconds)
    finally:
        server.stop()
    if recipe:
        with tempfile.TemporaryDirectory() as tmp:
            result["recipe"] = recipe_ingest(corpus, Path(tmp) / "chroma")
            server = recipe_server(Path(tmp) / "chroma")
            try:
                result["recipe"].update(measure(server, seconds))
            finally:
                server.stop()
    return result


def soak(store: Path, seconds: float = 60, clients: int = 32, workers: int = 1) -> dict:
    server = ours(store, workers, cache=True)
    try:
        start = rss_mb(server.proc.pid)
        figures = asyncio.run(_load(server.url, questions(), clients, seconds, 10_000_000))
        end = rss_mb(server.proc.pid)
    finally:
        server.stop()
    return {"seconds": seconds, "clients": clients, **figures, "rss_start_mb": start, "rss_end_mb": end,
            "rss_growth_pct": round(100 * (end - start) / start, 1) if start else None}


def side_by_side(result: dict) -> list[str]:
    """Each figure next to the recipe's, with the ratio (how many times better ours is)."""
    a, b = result.get("ours", {}), result.get("recipe", {})
    lines = []
    for k, v in a.items():
        r = b.get(k)
        ratio = ""
        if isinstance(v, (int, float)) and isinstance(r, (int, float)) and v and r:
            better = v / r if "per_s" in k else r / v
            ratio = f"  ×{better:.2f}"
        lines.append(f"  {k:24} {v!s:>12}   recipe {r!s:>12}{ratio}")
    for k in b:
        if k not in a:
            lines.append(f"  {k:24} {'':>12}   recipe {b[k]!s:>12}")
    return lines


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "recipe-serve":
    import uvicorn

    uvicorn.run(recipe_app(Path(sys.argv[2])), host="127.0.0.1", port=int(sys.argv[3]), log_level="warning")
