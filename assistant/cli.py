"""Thin command-line layers over the package: `python ingest.py` and `python server.py`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {k: v for k, v in {"store_dir": getattr(args, "store", None),
                                   "embed_model": getattr(args, "model", None)}.items() if v is not None}
    return Settings(**overrides)


def ingest_main(argv: list[str] | None = None) -> int:
    from .ingest import ingest

    p = argparse.ArgumentParser(prog="ingest.py", description="Load, chunk and embed the corpus into the store.")
    p.add_argument("paths", nargs="*", type=Path, help="files or folders (default: corpus/)")
    p.add_argument("--store", type=Path, help="store directory (default: $IPA_STORE_DIR or data/store)")
    p.add_argument("--model", help="sentence-transformers model name or path (default: packaged all-MiniLM-L6-v2)")
    p.add_argument("--rebuild", action="store_true", help="drop the store and embed everything again")
    p.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    args = p.parse_args(argv)
    settings = _settings(args)
    report = ingest(settings, args.paths or None, rebuild=args.rebuild, progress=sys.stderr.isatty())
    for f in report.failed:
        print(f"skipped {f['path']}: {f['error']}", file=sys.stderr)
    print(report.summary())
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    return 0


def serve_main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="server.py", description="Serve the assistant over HTTP.")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--store", type=Path)
    p.add_argument("--workers", type=int, default=int(os.environ.get("IPA_WORKERS", "1")),
                   help="worker processes (default 1; each ~RSS of one server, see README)")
    args = p.parse_args(argv)
    settings = _settings(args)
    from .serve import run

    return run(settings, args.host or settings.host, args.port or settings.port, max(1, args.workers))
