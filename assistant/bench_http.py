"""Over-HTTP figures, each beside the textbook LangChain recipe measured in the same run.

``python -m assistant.bench --http [--store DIR] [--workers N] [--no-recipe] [--no-ingest]`` and
``--soak SECONDS [--clients N]``.

Ours: ``python server.py`` on a built store (the query-vector cache off, so every request does the full
work). The recipe: RecursiveCharacterTextSplitter over the same loaded sources, HuggingFaceEmbeddings over
the same packaged MiniLM (offline), langchain-chroma ``Chroma``, and the ``similarity_search`` top chunk as
the answer, served by the same FastAPI + uvicorn stack at the same log level. Both are measured by the same
asyncio client after the same warm-up (every question once): start-up to the first 200 from /healthz, one
client's p50/p95, 16 concurrent clients' answers/s and p50/p95, RSS; and both full ingests of the corpus into
empty stores, in this process. Only a 200 with an answer counts; a recipe server that fails a request stops
the bench with its stderr. The soak runs ours with the query cache on, as deployed, and takes the start RSS
after a warm-up. Traffic goes to 127.0.0.1 only; every loop is bounded in time and in requests.
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


def _jsonl_questions(path: Path) -> list[str]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [q for row in rows if (q := row.get("question") or row.get("q"))]


def questions() -> list[str]:
    from .bench import QUESTIONS

    return list(QUESTIONS) + (_jsonl_questions(QUESTIONS_FILE) if QUESTIONS_FILE.exists() else [])


def soak_questions() -> list[str]:
    """The bench's questions and every eval set's (~300): a soak has to reach many chunks, as real traffic does,
    or a cache kept per chunk never shows its size (the composer's once held 146 MB when all were reached)."""
    files = sorted((PROJECT_ROOT / "eval").glob("*.jsonl")) + sorted(QUESTIONS_FILE.parent.glob("real_*.jsonl"))
    return questions() + [q for f in files for q in _jsonl_questions(f)]


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
    """RSS of each uvicorn worker (spawned children); multiprocessing's resource tracker is not one."""
    try:
        children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    out = []
    for c in children:
        try:
            if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes():
                out.append(rss_mb_single(c))
        except OSError:
            pass
    return out


def rss_mb_single(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():  # OSError: the process is gone
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


class Server:
    """A server process started for the bench; stopped (by its own pid) when done.

    Its stderr goes to a file, never to a pipe: nobody reads a pipe during a run, and a server that logs more
    than the pipe holds (64 KB of tracebacks) blocks on its next write. ``tail()`` is what a failure shows.
    """

    def __init__(self, cmd: list[str], env: dict[str, str], port: int, timeout: float = 300, name: str = "ours"):
        import httpx

        self.name, self.url = name, f"http://127.0.0.1:{port}"
        self.log = tempfile.NamedTemporaryFile(prefix=f"bench-{name}-", suffix=".log", delete=False)
        self.keep_log = False
        t = time.perf_counter()
        self.proc = subprocess.Popen(cmd, env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL,
                                     stderr=self.log)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise self.fail(f"exited with {self.proc.returncode} before /healthz answered")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                error = self.fail(f"no /healthz within {timeout}s")
                self.stop()
                raise error
            time.sleep(0.05)
        self.startup_s = round(time.perf_counter() - t, 2)

    def tail(self, chars: int = 3000) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(encoding="utf-8", errors="replace")[-chars:]

    def fail(self, what: str) -> RuntimeError:
        self.keep_log = True
        return RuntimeError(f"{self.name} server: {what}\n--- its stderr ({self.log.name}) ---\n{self.tail()}")

    def check(self, question: str) -> dict:
        """One question must get a 200 with an answer before anything is timed: errors are never a figure."""
        import httpx

        r = httpx.post(self.url + "/api/chat", json={"question": question}, timeout=120)
        if r.status_code != 200 or not (r.headers.get("content-type", "").startswith("application/json")
                                        and r.json().get("answer")):
            raise self.fail(f"POST /api/chat answered {r.status_code}: {r.text[:500]}")
        return r.json()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        if not self.keep_log:
            Path(self.log.name).unlink(missing_ok=True)


def ours(store: Path, workers: int = 1, cache: bool = False) -> Server:
    port = _free_port()
    env = _env(IPA_STORE_DIR=str(store), **({} if cache else {"IPA_QUERY_CACHE_SIZE": "0"}))
    return Server([sys.executable, "server.py", "--port", str(port), "--workers", str(workers)], env, port)


def recipe_server(chroma_dir: Path) -> Server:
    port = _free_port()
    return Server([sys.executable, "-m", "assistant.bench_http", "recipe-serve", str(chroma_dir), str(port)],
                  _env(), port, name="recipe")


async def _load(url: str, qs: list[str], clients: int, seconds: float, max_requests: int,
                warm_up: int | None = None, on_tick=None, distinct: bool = False) -> dict:
    """``clients`` loops posting questions for ``seconds`` (at most ``max_requests``); only 200s with an
    answer count as answers. ``warm_up`` requests (default: every question once) go first, untimed, from
    ``clients`` loops as well, so lazily loaded parts and per-connection state are warm on both sides.
    ``distinct``: every other timed question is made new by a request number, so caches keyed by the question
    fill towards their bounds as they would under real traffic (a repeated list only ever hits them)."""
    import httpx

    lat: list[float] = []
    errors: dict[str, int] = {}
    samples: list[str] = []

    began = time.perf_counter()

    def error(kind: str, sample: str) -> None:
        errors[kind] = errors.get(kind, 0) + 1
        if len(samples) < 3:
            samples.append(f"at {time.perf_counter() - began:.1f} s: {sample[:300]}")

    async def client(i: int, http: httpx.AsyncClient, counter, stop_at: float, record: bool) -> None:
        # The warm-up asks the same mix as the measured run, with new questions of its own: only new questions
        # run the query encoder (cached ones skip it), so both paths are warm when the start RSS is taken.
        tag = "câu" if record else "khởi động"
        while time.perf_counter() < stop_at:
            n = next(counter, None)
            if n is None:
                return
            q = qs[(n + i) % len(qs)]
            if distinct and n % 2:
                q = f"{q} ({tag} {n})"
            t = time.perf_counter()
            try:
                r = await http.post(url + "/api/chat", json={"question": q})
                if r.status_code >= 400:
                    error(str(r.status_code), f"{r.status_code}: {r.text}")
                    continue
                if not r.json().get("answer"):
                    error("no-answer", f"{r.status_code}: {r.text}")
                    continue
            except (httpx.HTTPError, ValueError) as exc:
                # httpx's ReadError('') says nothing; the OS error under it says reset or closed.
                error(type(exc).__name__, f"{exc!r} from {exc.__cause__ or exc.__context__!r}")
                continue
            if record:
                lat.append((time.perf_counter() - t) * 1000)

    async def ticker(stop_at: float) -> None:
        while time.perf_counter() < stop_at:
            on_tick()
            await asyncio.sleep(0.5)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        warm = len(qs) if warm_up is None else warm_up
        warm_counter = iter(range(warm))
        await asyncio.gather(*(client(i, http, warm_counter, time.perf_counter() + 120, False)
                               for i in range(clients)))
        warm_errors = dict(errors)
        errors.clear()
        if on_tick is not None:
            on_tick(started=True)
        t = time.perf_counter()
        stop_at = t + seconds
        counter = iter(range(max_requests))
        tasks = [client(i, http, counter, stop_at, True) for i in range(clients)]
        if on_tick is not None:
            tasks.append(ticker(stop_at))
        await asyncio.gather(*tasks)
        wall = time.perf_counter() - t
    lat.sort()
    pct = lambda p: round(lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else None  # noqa: E731
    out = {"answers": len(lat), "errors": errors, "answers_per_s": round(len(lat) / wall, 1),
           "p50_ms": round(statistics.median(lat), 1) if lat else None, "p95_ms": pct(0.95),
           "warm_up_requests": warm}
    if warm_errors:
        out["warm_up_errors"] = warm_errors
    if samples:
        out["error_samples"] = samples
    return out


def load(url: str, clients: int, seconds: float = 20, max_requests: int = 5000, warm_up: int | None = None) -> dict:
    return asyncio.run(_load(url, questions(), clients, seconds, max_requests, warm_up))


def measure(server: Server, seconds: float = 20, strict: bool = False) -> dict:
    """Start-up, one client, 16 clients, RSS. ``strict``: any failed request stops the bench with the server's
    stderr (the recipe: a server that fails every request must not pass for a slow one)."""
    health = _health(server)
    server.check(questions()[0])
    rss_start = rss_mb(server.proc.pid)
    one = load(server.url, 1, seconds)
    many = load(server.url, 16, seconds, warm_up=0)
    errors = sum(one["errors"].values()) + sum(many["errors"].values())
    if errors:
        what = (f"{errors} failed requests of {one['answers'] + many['answers'] + errors} "
                f"({one['errors']} at 1 client, {many['errors']} at 16): "
                + " | ".join(one.get("error_samples", []) + many.get("error_samples", [])))
        if strict:
            raise server.fail(what)
        print(f"[http] {server.name}: {what}\n{server.tail(1500)}", file=sys.stderr)
    return {**{k: health[k] for k in ("sources", "chunks") if k in health},
            "startup_to_healthz_s": server.startup_s, "rss_idle_mb": rss_start,
            "c1_p50_ms": one["p50_ms"], "c1_p95_ms": one["p95_ms"], "c1_answers_per_s": one["answers_per_s"],
            "c16_answers_per_s": many["answers_per_s"], "c16_p50_ms": many["p50_ms"], "c16_p95_ms": many["p95_ms"],
            "errors": errors, "rss_after_mb": rss_mb(server.proc.pid),
            **({"workers_rss_mb": workers} if (workers := worker_rss_mb(server.proc.pid)) else {})}


def _health(server: Server) -> dict:
    import httpx

    try:
        return httpx.get(server.url + "/healthz", timeout=10).json()
    except (httpx.HTTPError, ValueError):
        return {}


# --- the textbook recipe ---------------------------------------------------------------------------------

def _recipe_embeddings():
    try:
        from langchain_huggingface import HuggingFaceEmbeddings
    except ImportError as exc:
        raise RuntimeError("the recipe needs the bench extra (pip install -e '.[bench]'), or --no-recipe") from exc

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
    from fastapi import Body, FastAPI
    from langchain_chroma import Chroma

    db = Chroma(persist_directory=str(chroma_dir), embedding_function=_recipe_embeddings(),
                collection_metadata={"hnsw:space": "cosine"})
    app = FastAPI()

    @app.get("/healthz")
    def healthz():
        return {"status": "ok", "chunks": db._collection.count()}

    # The body is declared with Body(embed=True), not a pydantic model defined here: under
    # ``from __future__ import annotations`` FastAPI cannot resolve a model local to this function, takes the
    # parameter for a required query field, and answers every request 422 (what the 2026-12-01 run counted).
    @app.post("/api/chat")
    def chat(question: str = Body(..., embed=True)):
        top = db.similarity_search(question, k=1)
        return {"answer": top[0].page_content if top else "", "source": top[0].metadata.get("source") if top else None}

    return app


def ours_ingest(corpus: Path, store: Path) -> dict:
    """Our full ingest into an empty store, in this process like the recipe's (the model load included)."""
    from .ingest import ingest

    t = time.perf_counter()
    report = ingest(Settings(store_dir=store, corpus_dir=corpus))
    return {"sources": report.sources, "chunks": report.chunks, "ingest_full_s": round(time.perf_counter() - t, 1)}


def compare(store: Path, corpus: Path, workers: int = 1, recipe: bool = True, seconds: float = 20,
            ingest: bool = True, recipe_dir: Path | None = None) -> dict:
    """Ours and the recipe, one after the other on the same machine, same client, same questions.
    ``ingest``: also time both full ingests of ``corpus`` into empty stores. ``recipe_dir``: keep the recipe's
    Chroma there, and serve one already there instead of ingesting again (its ingest is the slow part)."""
    result: dict = {"ours": {}, "recipe": {}}
    server = ours(store, workers)
    try:
        result["ours"].update(measure(server, seconds))
    finally:
        server.stop()
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        if ingest:
            figures = ours_ingest(corpus, Path(tmp) / "store")
            result["ours"]["ingest_full_s"] = figures["ingest_full_s"]
        if recipe:
            chroma = Path(recipe_dir) if recipe_dir else Path(tmp) / "chroma"
            try:
                record = chroma / "bench-ingest.json"
                if (chroma / "chroma.sqlite3").exists() and record.exists():
                    result["recipe"].update(json.loads(record.read_text()))
                    result["recipe"]["ingest"] = f"reused {chroma}: its figures are the run's that built it"
                else:
                    figures = recipe_ingest(corpus, chroma)
                    record.write_text(json.dumps(figures))
                    result["recipe"].update(figures)
                server = recipe_server(chroma)
                try:
                    result["recipe"].update(measure(server, seconds, strict=True))
                finally:
                    server.stop()
            except RuntimeError as exc:
                # Loud, but ours' figures are kept: the caller prints them and exits non-zero.
                print(f"[http] the recipe failed: {exc}", file=sys.stderr)
                result["recipe"]["failed"] = str(exc).splitlines()[0]
    return {k: v for k, v in result.items() if v}


def soak(store: Path, seconds: float = 60, clients: int = 32, workers: int = 1, warm_up: int = 320,
         distinct: bool = True) -> dict:
    """``clients`` loops for ``seconds`` against one server (the query cache on, as deployed), half of the
    questions new (``distinct``). The start RSS is taken after ``warm_up`` requests, because the encoder, the
    answer caches and the arenas fill lazily."""
    server = ours(store, workers, cache=True)
    rss = {"max": 0.0, "workers_max": [], "curve": []}

    def tick(started: bool = False) -> None:
        now = rss_mb(server.proc.pid)
        if started:
            rss["start"], rss["workers_start"], rss["t0"] = now, worker_rss_mb(server.proc.pid), time.monotonic()
        rss["max"] = max(rss["max"], now)
        rss["curve"].append((time.monotonic() - rss["t0"], now))
        per = worker_rss_mb(server.proc.pid)
        rss["workers_max"] = [max(a, b) for a, b in zip(per, rss["workers_max"])] if rss["workers_max"] else per

    try:
        server.check(questions()[0])
        figures = asyncio.run(_load(server.url, soak_questions(), clients, seconds, 10_000_000, warm_up, tick,
                                    distinct))
        end, workers_end = rss_mb(server.proc.pid), worker_rss_mb(server.proc.pid)
        health = _health(server)
        if figures["errors"]:
            print(f"[soak] {sum(figures['errors'].values())} failed requests: "
                  + " | ".join(figures.get("error_samples", [])) + f"\n{server.tail(1500)}", file=sys.stderr)
    finally:
        server.stop()
    start = rss["start"]
    out = {"seconds": seconds, "clients": clients, "workers": workers, "distinct_questions": distinct, **figures,
           "rss_start_mb": start, "rss_start_measured": f"after a warm-up of {figures['warm_up_requests']} requests",
           "rss_max_mb": rss["max"], "rss_end_mb": end,
           # Growth that flattens is caches and allocator pools filling up; growth that keeps its slope is a leak.
           "rss_by_quarter_mb": [next((mb for t, mb in rss["curve"] if t >= seconds * q / 4), end) for q in (1, 2, 3)]
           + [end],
           "rss_growth_pct": round(100 * (end - start) / start, 1) if start else None,
           "rss_max_growth_pct": round(100 * (rss["max"] - start) / start, 1) if start else None,
           "generation": health.get("generation")}
    if workers > 1:
        out.update(workers_rss_start_mb=rss["workers_start"], workers_rss_max_mb=rss["workers_max"],
                   workers_rss_end_mb=workers_end)
    return out


# Figures where a ratio says something (times, rates, memory); counts are shown side by side without one.
_RATIO_SUFFIXES = ("_ms", "_s", "_per_s", "_mb")


def side_by_side(result: dict) -> list[str]:
    """Each figure next to the recipe's, with the ratio (how many times better ours is)."""
    a, b = result.get("ours", {}), result.get("recipe", {})
    lines = []
    for k, v in a.items():
        r = b.get(k)
        ratio = ""
        if (k.endswith(_RATIO_SUFFIXES) and isinstance(v, (int, float)) and isinstance(r, (int, float))
                and v and r):
            better = v / r if "per_s" in k else r / v
            ratio = f"  ×{better:.2f}"
        lines.append(f"  {k:24} {v!s:>12}   recipe {r!s:>12}{ratio}")
    for k in b:
        if k not in a:
            lines.append(f"  {k:24} {'':>12}   recipe {b[k]!s:>12}")
    return lines


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "recipe-serve":
    import uvicorn

    # The same server stack, log level and keep-alive as ours (assistant/serve.py), so neither side pays for
    # logging the other does not, nor loses requests to connections the other keeps open.
    uvicorn.run(recipe_app(Path(sys.argv[2])), host="127.0.0.1", port=int(sys.argv[3]), log_level="info",
                timeout_keep_alive=Settings().keep_alive_s)
