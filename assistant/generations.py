"""Index generations: each ingest builds a complete index beside the one being served, then names it current.

A store directory holds::

    CURRENT                 the stamp: which generation is current (JSON, replaced atomically, written LAST)
    generations/g000007/    catalog.sqlite3, lexical.npz, marks.idx, chroma/ (or a `<collection>-g000007`
                            collection on a Chroma server)
    vectors.sqlite3         the embedding cache, (model, text) → vector, shared by all generations
    readers/<pid>           the generation a running server reads, so an ingest never deletes it
    ingest.lock             one ingest at a time
    feedback.sqlite3        not an index: it outlives generations

Why: embedded Chroma belongs to one process, and a half-written index must never be read. A reader opens the
generation the stamp names and keeps it, so a kill -9 of the ingest at any point leaves the served index intact;
the next run discards the unstamped directory and builds again. A server watches the stamp and swaps to the new
generation when it appears (`install`).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import shutil
import threading
import time
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, Iterator

log = logging.getLogger("assistant.generations")

STAMP = "CURRENT"
_NAME = re.compile(r"^g(\d{6,})$")


def generations_dir(store_dir: Path) -> Path:
    return Path(store_dir) / "generations"


def read_stamp(store_dir: Path) -> dict[str, Any] | None:
    try:
        stamp = json.loads((Path(store_dir) / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    name = stamp.get("generation") if isinstance(stamp, dict) else None
    return stamp if isinstance(name, str) and _NAME.match(name) else None


def current_name(store_dir: Path) -> str | None:
    stamp = read_stamp(store_dir)
    return stamp["generation"] if stamp else None


def current_dir(store_dir: Path) -> Path:
    """The current generation's directory; the store itself for a store built before generations existed."""
    name = current_name(store_dir)
    return generations_dir(store_dir) / name if name else Path(store_dir)


def pinned(settings):
    """These settings with the index fixed to the current generation, so every part reads the same one."""
    if settings.index_dir is not None:
        return settings
    return settings.model_copy(update={"index_dir": current_dir(settings.store_dir)})


def next_name(store_dir: Path) -> str:
    numbers = [int(m.group(1)) for p in _listdir(generations_dir(store_dir)) if (m := _NAME.match(p.name))]
    stamped = current_name(store_dir)
    if stamped:
        numbers.append(int(stamped[1:]))
    return f"g{max(numbers, default=0) + 1:06d}"


def write_stamp(store_dir: Path, stamp: dict[str, Any]) -> None:
    """Name a finished generation current: write beside, fsync, rename over. Readers see old or new, never half."""
    path = Path(store_dir) / STAMP
    tmp = path.with_name(f".{STAMP}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(stamp, f, ensure_ascii=False, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fd = os.open(store_dir, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def ingest_lock(store_dir: Path) -> Iterator[None]:
    """One ingest per store at a time; the kernel drops the lock when the process dies, even by kill -9."""
    Path(store_dir).mkdir(parents=True, exist_ok=True)
    with open(Path(store_dir) / "ingest.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


# --- readers: generations a running server still uses ---

def register_reader(store_dir: Path, generation: str) -> None:
    readers = Path(store_dir) / "readers"
    readers.mkdir(parents=True, exist_ok=True)
    tmp = readers / f".{os.getpid()}.tmp"
    tmp.write_text(generation, encoding="utf-8")
    os.replace(tmp, readers / str(os.getpid()))


def unregister_reader(store_dir: Path) -> None:
    (Path(store_dir) / "readers" / str(os.getpid())).unlink(missing_ok=True)


def live_readers(store_dir: Path) -> set[str]:
    """Generations named by living server processes; files of dead ones (a kill -9) are removed."""
    out: set[str] = set()
    for p in _listdir(Path(store_dir) / "readers"):
        if not p.name.isdigit():
            continue
        try:
            os.kill(int(p.name), 0)
        except ProcessLookupError:
            p.unlink(missing_ok=True)
            continue
        except PermissionError:  # alive, another user's
            pass
        try:
            out.add(p.read_text(encoding="utf-8").strip())
        except OSError:
            continue
    return out


def collect_garbage(store_dir: Path, drop_collection=None) -> list[str]:
    """Delete generations nobody can reach: not current, not the previous one, not read by a live server.

    Unstamped directories — builds killed half-way — are among them. ``drop_collection(name)`` removes a
    generation's collection from a Chroma server.
    """
    stamp = read_stamp(store_dir) or {}
    keep = {stamp.get("generation"), stamp.get("previous")} | live_readers(store_dir)
    removed = []
    for p in _listdir(generations_dir(store_dir)):
        if p.name in keep or not _NAME.match(p.name):
            continue
        if drop_collection is not None:
            drop_collection(p.name)
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p.name)
    return removed


def _listdir(path: Path) -> list[Path]:
    try:
        return sorted(path.iterdir())
    except OSError:
        return []


# --- serving: watch the stamp and swap ---

class Watcher:
    """Polls the stamp; when it names a new generation, opens it beside the served one and swaps it in.

    The swap is one attribute assignment (`app.state.assistant = new`): a request holds the assistant it
    started with, so it finishes on the old generation while the next one gets the new. A new generation
    that fails to open is logged and the old one keeps serving.
    """

    def __init__(self, app, interval: float = 0.5, grace: float = 30.0):
        self.app = app
        self.interval = interval
        self.grace = grace
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._retired: list[tuple[float, Any]] = []

    @property
    def store_dir(self) -> Path:
        return self.app.state.assistant.settings.store_dir

    def start(self) -> None:
        served = self.app.state.assistant.settings.index_dir
        if served is not None and served.parent == generations_dir(self.store_dir):
            register_reader(self.store_dir, served.name)
        self._thread = threading.Thread(target=self._run, name="generation-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        unregister_reader(self.store_dir)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception:  # keep serving the generation we have
                log.exception("could not switch to the new index generation")
                self._stop.wait(5)

    def check(self) -> bool:
        """Swap if the stamp names another generation; True when it did."""
        self._close_retired()
        old = self.app.state.assistant
        name = current_name(old.settings.store_dir)
        if name is None or old.settings.index_dir is None:
            return False
        target = generations_dir(old.settings.store_dir) / name
        if target == old.settings.index_dir:
            return False
        from .service import Assistant

        started = time.perf_counter()
        register_reader(old.settings.store_dir, name)  # before opening: an ingest must not delete it under us
        try:
            new = Assistant.open(old.settings.model_copy(update={"index_dir": target}),
                                 embedder=old.retriever.embedder)
        except Exception:
            register_reader(old.settings.store_dir, old.settings.index_dir.name)
            raise
        self.app.state.assistant = new
        self._retired.append((time.monotonic(), old))
        log.info("serving index generation %s (opened in %.1f s)", name, time.perf_counter() - started)
        return True

    def _close_retired(self) -> None:
        now = time.monotonic()
        for entry in list(self._retired):
            since, old = entry
            if now - since >= self.grace:  # requests that started on it are long done
                self._retired.remove(entry)
                close = getattr(old, "close", None)
                if close:
                    close()


def install(app, interval: float = 0.5) -> Watcher:
    """Run a Watcher for the app's lifetime (wraps the app's lifespan, so TestClient apps get one too)."""
    watcher = Watcher(app, interval)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a):
        watcher.start()
        try:
            async with inner(a) as state:
                yield state
        finally:
            watcher.stop()

    app.router.lifespan_context = lifespan
    app.state.generation_watcher = watcher
    return watcher
