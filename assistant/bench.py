"""Speed and memory: `python -m assistant.bench [--corpus DIR] [--marks-n N] [--json]`.

Measures a full ingest into a fresh temporary store, an unchanged re-ingest, chat latency (p50/p95)
over a fixed question list, peak RSS, and the trademark index at scale (assistant.bench_marks).
``--http`` and ``--soak SECONDS`` measure a real server beside the LangChain recipe (assistant.bench_http).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from .settings import Settings

QUESTIONS = [
    "Thời hạn bảo hộ nhãn hiệu là bao lâu?", "thoi han bao ho sang che", "Điều kiện bảo hộ kiểu dáng công nghiệp",
    "Hồ sơ đăng ký nhãn hiệu gồm những gì?", "Phí đăng ký nhãn hiệu bao nhiêu?", "Nhãn hiệu nổi tiếng là gì?",
    "How long is a patent protected in Vietnam?", "Quyền tác giả phát sinh khi nào?",
    "Chỉ dẫn địa lý là gì?", "Xử lý hàng giả mạo nhãn hiệu thế nào?", "Thời tiết Hà Nội ngày mai thế nào?",
    "Tôi muốn đăng ký nhãn hiệu 'Cà Phê Mộc' cho quán cà phê",
]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]


def bench_pipeline(corpus: Path, rounds: int = 5) -> dict:
    from .embeddings import make_embedder
    from .ingest import ingest
    from .service import Assistant

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(store_dir=Path(tmp) / "store", corpus_dir=corpus)
        t = time.perf_counter()
        report = ingest(settings)  # includes loading the model, as a first run does
        full = time.perf_counter() - t
        t = time.perf_counter()
        ingest(settings)
        unchanged = time.perf_counter() - t
        t = time.perf_counter()
        embedder = make_embedder(settings)
        model_load = time.perf_counter() - t
        t = time.perf_counter()
        assistant = Assistant.open(settings, embedder=embedder)
        startup = time.perf_counter() - t
        assistant.chat(QUESTIONS[0])  # warm-up
        lat = []
        for _ in range(rounds):
            for q in QUESTIONS:
                t = time.perf_counter()
                assistant.chat(q)
                lat.append((time.perf_counter() - t) * 1000)
    return {"sources": report.sources, "chunks": report.chunks, "ingest_full_s": round(full, 2),
            "ingest_unchanged_s": round(unchanged, 2), "unchanged_fraction": round(unchanged / full, 4),
            "model_load_s": round(model_load, 2), "startup_s": round(startup, 2), "chat_p50_ms": round(statistics.median(lat), 1),
            "chat_p95_ms": round(_pct(lat, 0.95), 1), "queries": len(lat), "rss_mb": round(_rss_mb(), 1)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m assistant.bench")
    p.add_argument("--corpus", type=Path, default=Settings().corpus_dir)
    p.add_argument("--marks-n", type=int, default=1_000_000, help="generated marks for the conflict-check bench (0: skip)")
    p.add_argument("--records", type=int, default=0,
                   help="only ingest N generated trademark records end to end (assistant.bench_ingest)")
    p.add_argument("--http", action="store_true",
                   help="over HTTP on a built store: start-up, 1 and 16 clients, beside the LangChain recipe")
    p.add_argument("--store", type=Path, help="built store for --http/--soak (default: $IPA_STORE_DIR)")
    p.add_argument("--workers", type=int, default=1, help="server worker processes for --http/--soak")
    p.add_argument("--no-recipe", action="store_true", help="--http without the LangChain recipe")
    p.add_argument("--no-ingest", action="store_true", help="--http without timing both full ingests")
    p.add_argument("--recipe-store", type=Path,
                   help="--http: keep the recipe's Chroma here; one already there is served without a new ingest")
    p.add_argument("--seconds", type=float, default=20, help="--http: seconds of load per client count")
    p.add_argument("--soak", type=float, default=0, metavar="SECONDS", help="32 clients for SECONDS: errors, RSS")
    p.add_argument("--clients", type=int, default=32, help="concurrent clients for --soak")
    p.add_argument("--repeat-questions", action="store_true",
                   help="--soak with the question list only (default: every other question made new)")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    if args.http or args.soak:
        from . import bench_http

        store = args.store or Settings().store_dir
        # The machine is shared: the load average beside the figures says how quiet it was.
        result: dict = {"load_average": {"start": _load_average()}}
        if args.http:
            result.update(bench_http.compare(store, args.corpus, args.workers, recipe=not args.no_recipe,
                                             seconds=args.seconds, ingest=not args.no_ingest,
                                             recipe_dir=args.recipe_store))
        if args.soak:
            result["soak"] = bench_http.soak(store, args.soak, clients=args.clients, workers=args.workers,
                                             distinct=not args.repeat_questions)
        result["load_average"]["end"] = _load_average()
        if args.json:
            return _print(result, True)
        if args.http:
            print(f"[http] ours vs the LangChain recipe, {args.workers} worker(s) "
                  "(×: how many times better ours is)")
            print("\n".join(bench_http.side_by_side(result)))
        _print({k: result[k] for k in ("soak", "load_average") if k in result}, False)
        return 1 if "failed" in result.get("recipe", {}) else 0
    if args.records:
        from .bench_ingest import run as bench_records

        figures = bench_records(args.records)
        stages = figures.pop("stages_s")
        result = {"records": {**figures, **{f"stage_{k}_s": v for k, v in stages.items()}}}
        return _print(result, args.json)
    result = {"pipeline": bench_pipeline(args.corpus)}
    if args.marks_n:
        from .bench_marks import run as bench_marks

        result["marks"] = bench_marks(n=args.marks_n)
    return _print(result, args.json)


def _print(result: dict, as_json: bool) -> int:
    if as_json:
        print(json.dumps(result, indent=2))
    else:
        for section, figures in result.items():
            print(f"[{section}]")
            for k, v in figures.items():
                print(f"  {k}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
