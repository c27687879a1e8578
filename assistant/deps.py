"""Collaborators handed to routes: one place, as Annotated aliases."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Callable, TypeVar

import anyio.to_thread
from fastapi import Depends, Request

from .service import Assistant
from .settings import Settings


T = TypeVar("T")


class Compute:
    """Where a request's CPU-bound work runs: a worker thread, at most ``threads`` of them at once.

    Starlette runs every sync route on one shared pool of 40 threads. On a 2-core machine 40 answers computed
    side by side are no faster than 4, they only hold more memory (see Settings.compute_threads), while a
    streamed generative answer must not wait for a free compute slot just to relay the model's tokens. So
    answering gets its own limiter, and everything else keeps the shared pool. ``threads=None`` is the shared
    pool: generative answers spend their time waiting on the model, not on a core.
    """

    def __init__(self, threads: int | None):
        self.threads = threads
        self._limiter: anyio.CapacityLimiter | None = None

    @property
    def limiter(self) -> anyio.CapacityLimiter | None:
        # Made on first use, inside the event loop that will wait on it.
        if self._limiter is None and self.threads is not None:
            self._limiter = anyio.CapacityLimiter(self.threads)
        return self._limiter

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs), limiter=self.limiter)

    @classmethod
    def for_settings(cls, settings: Settings) -> "Compute":
        return cls(settings.compute_threads if settings.answer_mode == "extractive" else None)


async def get_assistant(request: Request) -> Assistant:
    return request.app.state.assistant


async def get_settings(request: Request) -> Settings:
    return request.app.state.assistant.settings


async def get_compute(request: Request) -> Compute:
    return request.app.state.compute


AssistantDep = Annotated[Assistant, Depends(get_assistant)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ComputeDep = Annotated[Compute, Depends(get_compute)]
