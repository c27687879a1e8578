"""Answers are computed on a small pool of their own: more concurrent requests queue, they do not add threads."""

import asyncio
import copy
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx

from assistant.api import create_app
from assistant.deps import Compute


class Peak:
    """The most calls inside ``counted`` at one time."""

    def __init__(self):
        self.now = self.max = 0
        self._lock = threading.Lock()

    @contextmanager
    def counted(self):
        with self._lock:
            self.now += 1
            self.max = max(self.max, self.now)
        try:
            time.sleep(0.05)  # long enough for every request to be in flight at once
            yield
        finally:
            with self._lock:
                self.now -= 1

    def call(self, fn):
        def wrapped(*args, **kwargs):
            with self.counted():
                return fn(*args, **kwargs)
        return wrapped

    def first_event(self, fn):
        """A stream's work is done before its first event: count that step, wherever it runs."""
        def wrapped(*args, **kwargs):
            events = iter(fn(*args, **kwargs))

            def gen():
                with self.counted():
                    first = next(events)
                yield first
                yield from events
            return gen()
        return wrapped


def _ask_all(app, paths_and_bodies):
    # A thread of its own: Playwright's sync API, used by the browser tests, leaves a loop on the main thread.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _gather(app, paths_and_bodies)).result()


async def _gather(app, paths_and_bodies):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await asyncio.gather(*(client.post(p, json=b) for p, b in paths_and_bodies))


def test_concurrent_chats_never_compute_more_than_the_configured_threads(assistant):
    limited = copy.copy(assistant)
    limited.settings = assistant.settings.model_copy(update={"compute_threads": 2})
    peak = Peak()
    limited.chat = peak.call(assistant.chat)
    app = create_app(limited)
    replies = _ask_all(app, [("/api/chat", {"question": "Thời hạn bảo hộ nhãn hiệu là bao lâu?"})] * 8)
    assert [r.status_code for r in replies] == [200] * 8
    assert all("10 năm" in r.json()["answer"] for r in replies)
    assert peak.max == 2


def test_streams_and_mark_checks_share_the_same_limit(assistant):
    limited = copy.copy(assistant)
    limited.settings = assistant.settings.model_copy(update={"compute_threads": 1})
    peak = Peak()
    limited.stream_chat = peak.first_event(assistant.stream_chat)
    limited.check_mark = peak.call(assistant.check_mark)
    app = create_app(limited)
    replies = _ask_all(app, [("/api/chat/stream", {"question": "Nhãn hiệu là gì?"}),
                             ("/api/trademark/check", {"mark": "Sen Vàng"})] * 3)
    assert [r.status_code for r in replies] == [200] * 6
    assert "event: done" in replies[0].text
    assert peak.max == 1


def test_generative_answers_keep_the_shared_pool_because_they_wait_on_the_model(settings):
    assert Compute.for_settings(settings).threads == settings.compute_threads == 4
    assert Compute.for_settings(settings.model_copy(update={"answer_mode": "generative"})).threads is None
