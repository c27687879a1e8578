"""Serving: one process, or ``--workers N`` processes built by an app factory.

Each worker opens the store itself (uvicorn imports ``assistant.serve:app_factory`` in every worker), so
settings reach the workers through the environment (``IPA_*``). Each worker reads the current generation's
files on its own: the catalog through SQLite, BM25 and the mark index memory-mapped, and an embedded
Chroma of its own in read-only use — ingest never writes into a generation that is served (see
generations.py), so several readers of one generation directory do not contend for writes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .settings import Settings


def build_app(settings: Settings):
    from .api import create_app
    from .service import Assistant

    assistant = Assistant.open(settings)
    warm_up = getattr(assistant.retriever.embedder, "warm_up", None)
    if warm_up is not None:
        warm_up()  # the model loads beside /healthz, not in front of it
    return create_app(assistant)


def app_factory():
    """For ``uvicorn --factory``: every worker builds its own app from the IPA_* environment."""
    return build_app(Settings())


def run(settings: Settings, host: str, port: int, workers: int = 1) -> int:
    import uvicorn

    from .errors import StoreMissing

    if workers <= 1:
        try:
            app = build_app(settings)
        except StoreMissing as exc:
            print(f"server.py: {exc.message}", file=sys.stderr)
            return 2
        uvicorn.run(app, host=host, port=port, log_level="info", timeout_keep_alive=settings.keep_alive_s)
        return 0
    from .generations import pinned

    index = pinned(settings)
    if not index.catalog_path.exists() or not index.lexical_path.exists():
        print(f"server.py: no index in {settings.store_dir}; run `python ingest.py` first", file=sys.stderr)
        return 2
    # Workers are new processes: what the command line set must reach them as IPA_* variables.
    os.environ["IPA_STORE_DIR"] = str(Path(settings.store_dir).resolve())
    os.environ["IPA_EMBED_MODEL"] = settings.embed_model
    uvicorn.run("assistant.serve:app_factory", factory=True, host=host, port=port, workers=workers,
                log_level="info", timeout_keep_alive=settings.keep_alive_s)
    return 0
