"""Generative mode is opt-in and guarded. A hosted LLM cannot run here, so a fake that speaks the OpenAI
chat-completions protocol over real HTTP — streamed and not — stands in for it; tests/test_llm_real.py runs
the same loop against a real local model."""

from __future__ import annotations

import json
import logging
import threading
import time

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from assistant.generate import (CHAT_TEMPLATE_TOKENS, Sentences, check_sentence, estimate_tokens, guard,
                                sentences)
from assistant.service import Assistant
from conftest import free_port, running_server

TERM_Q = "Thời hạn bảo hộ nhãn hiệu là bao lâu?"
GOOD = ("Giấy chứng nhận đăng ký nhãn hiệu có hiệu lực đến hết 10 năm kể từ ngày nộp đơn [1]. "
        "Có thể gia hạn nhiều lần, mỗi lần 10 năm [1].")


class FakeLLM:
    """An OpenAI-protocol server: `reply` is the model's text, streamed in `piece`-character chunks."""

    def __init__(self):
        self.reply = "NO_ANSWER"
        self.status = 200
        self.piece = 7
        self.delay = 0.0
        self.requests: list[dict] = []
        self.last_chunk_sent_at = 0.0
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def completions(request: Request):
            body = await request.json()
            self.requests.append(body)
            if self.status != 200:
                return JSONResponse({"error": {"message": "context length exceeded", "type": "invalid_request_error"}},
                                    status_code=self.status)
            if body.get("stream"):
                return StreamingResponse(self._chunks(body["model"]), media_type="text/event-stream")
            return {"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": self.reply}}]}

        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    async def _chunks(self, model):
        import asyncio

        def chunk(delta, finish=None):
            return "data: " + json.dumps({"id": "x", "object": "chat.completion.chunk", "created": 0, "model": model,
                                          "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}) + "\n\n"

        yield chunk({"role": "assistant", "content": ""})
        text = self.reply
        for i in range(0, len(text), self.piece):
            if self.delay:
                await asyncio.sleep(self.delay)
            yield chunk({"content": text[i:i + self.piece]})
        self.last_chunk_sent_at = time.monotonic()
        yield chunk({}, "stop")
        yield "data: [DONE]\n\n"

    def prompt(self) -> str:
        return self.requests[-1]["messages"][-1]["content"]

    def __enter__(self):
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(5)


@pytest.fixture(scope="module")
def fake_llm():
    with FakeLLM() as llm:
        yield llm


@pytest.fixture(autouse=True)
def _reset(fake_llm):
    fake_llm.reply, fake_llm.status, fake_llm.piece, fake_llm.delay = "NO_ANSWER", 200, 7, 0.0
    yield


def _generative(settings, fake_llm, **extra):
    return settings.model_copy(update={"answer_mode": "generative", "llm_model": "fake",
                                       "llm_base_url": f"http://127.0.0.1:{fake_llm.port}/v1", **extra})


@pytest.fixture(scope="module")
def generative(settings, ingested, embedder, fake_llm):
    return Assistant.open(_generative(settings, fake_llm), embedder=embedder)


@pytest.fixture(scope="module")
def extractive(generative):
    """What the assistant answers without the model: every fallback must be exactly this."""
    return generative.chat(TERM_Q, generate=False)


def events_of(stream) -> list[tuple[str, dict]]:
    return [(name, data) for name, data in stream]


# --- the guard, sentence by sentence

EVIDENCE = {1: "Luật SHTT — Điều 93 khoản 6\nGiấy chứng nhận đăng ký nhãn hiệu có hiệu lực 10 năm kể từ ngày nộp đơn.",
            2: "Hướng dẫn — Phí\nLệ phí nộp đơn 1.000.000 đồng."}


def test_a_figure_is_compared_as_a_value_so_one_year_is_not_in_ten_years():
    assert check_sentence("Nhãn hiệu được bảo hộ 1 năm [1].", EVIDENCE) == "figure 1 năm not in [1]"
    assert check_sentence("Nhãn hiệu được bảo hộ mười năm [1].", EVIDENCE) is None
    assert check_sentence("A trademark is protected for 10 years [1].", EVIDENCE) is None


def test_a_figure_must_be_in_the_sources_the_sentence_cites_not_just_any_source():
    assert check_sentence("Lệ phí là 1 triệu đồng [2].", EVIDENCE) is None
    assert check_sentence("Lệ phí là 1 triệu đồng [1].", EVIDENCE) == "figure 1 triệu đồng not in [1]"
    assert check_sentence("Bảo hộ 10 năm, phí 1 triệu đồng [1][2].", EVIDENCE) is None


def test_an_article_the_sources_do_not_hold_is_rejected():
    assert check_sentence("Theo Điều 93 [1], nhãn hiệu được bảo hộ 10 năm [1].", EVIDENCE) is None
    assert check_sentence("Theo Điều 94, nhãn hiệu được bảo hộ 10 năm [1].", EVIDENCE) == "article Điều 94 not in [1]"


def test_a_source_number_that_was_not_given_is_rejected():
    assert check_sentence("Nhãn hiệu được bảo hộ 10 năm [3].", EVIDENCE) == "source [3] was not given"


def test_a_sentence_without_a_citation_is_rejected_but_a_lead_in_is_not():
    assert check_sentence("Nhãn hiệu được bảo hộ lâu dài.", EVIDENCE).startswith("sentence without a citation")
    assert check_sentence("Các bước như sau:", EVIDENCE) is None
    assert check_sentence("Thời hạn 10 năm:", EVIDENCE).startswith("sentence without a citation")


def test_no_answer_is_a_rejection_with_a_reason():
    assert guard("NO_ANSWER", EVIDENCE) == (None, "the model found no answer in the sources")
    assert guard("", EVIDENCE) == (None, "the model returned no text")


def test_sentences_end_after_their_citations_not_at_every_full_stop():
    text = "Nộp đơn tại TP. Hồ Chí Minh [1]. Phí 1.000.000 đồng [2], nộp một lần [2].\n- Bước tiếp theo [1]"
    assert [s.strip() for s in sentences(text)] == [
        "Nộp đơn tại TP. Hồ Chí Minh [1].", "Phí 1.000.000 đồng [2], nộp một lần [2].", "- Bước tiếp theo [1]"]


def test_a_streamed_text_is_cut_into_the_same_sentences_and_nothing_is_lost():
    cutter, out = Sentences(), []
    for i in range(0, len(GOOD), 3):
        out += cutter.feed(GOOD[i:i + 3])
    out += cutter.flush()
    assert "".join(out) == GOOD and [s.strip() for s in out] == [s.strip() for s in sentences(GOOD)]
    assert len(out) == 2


# --- one answer, through the fake server

def test_a_cited_faithful_generation_is_returned_in_generative_mode(generative, fake_llm):
    fake_llm.reply = GOOD
    ans = generative.chat(TERM_Q)
    assert ans.mode == "generative" and ans.grounded and ans.generation == {"status": "ok", "reason": None}
    assert ans.answer == GOOD
    assert [c.n for c in ans.citations] == [1] and ans.citations[0].locator.startswith("Điều 93")
    assert "[1]" in fake_llm.prompt() and "Điều 93" in fake_llm.prompt()


def test_the_model_sees_the_sources_numbered_as_the_extractive_answer_cites_them(generative, fake_llm, extractive):
    generative.chat(TERM_Q)
    prompt = fake_llm.prompt()
    for c in extractive.citations:
        assert f"[{c.n}] {c.title}" in prompt


@pytest.mark.parametrize("reply,reason", [
    ("Nhãn hiệu được bảo hộ 1 năm [1].", "figure 1 năm not in [1]"),
    ("Nhãn hiệu được bảo hộ 15 năm [1].", "figure 15 năm not in [1]"),
    ("Theo Điều 94 Luật SHTT, nhãn hiệu được bảo hộ 10 năm [1].", "article Điều 94 not in [1]"),
    ("Nhãn hiệu được bảo hộ 10 năm [9].", "source [9] was not given"),
    ("Nhãn hiệu được bảo hộ 10 năm.", "sentence without a citation: 'Nhãn hiệu được bảo hộ 10 năm.'"),
    ("NO_ANSWER", "the model found no answer in the sources"),
])
def test_a_planted_error_falls_back_to_the_extractive_answer_and_says_why(generative, fake_llm, extractive, reply,
                                                                          reason):
    fake_llm.reply = reply
    ans = generative.chat(TERM_Q)
    assert ans.mode == "extractive" and ans.generation == {"status": "rejected", "reason": reason}
    assert ans.answer == extractive.answer and "10 năm" in ans.answer


def test_a_server_error_falls_back_with_status_error(generative, fake_llm):
    fake_llm.status = 400
    ans = generative.chat(TERM_Q)
    assert ans.mode == "extractive" and ans.generation["status"] == "error"
    assert "HTTP 400" in ans.generation["reason"]


def test_an_unreachable_server_falls_back_with_status_error(settings, ingested, embedder):
    s = settings.model_copy(update={"answer_mode": "generative", "llm_base_url": f"http://127.0.0.1:{free_port()}/v1",
                                    "llm_timeout_s": 5})
    ans = Assistant.open(s, embedder=embedder).chat(TERM_Q)
    assert ans.mode == "extractive" and ans.generation["status"] == "error" and ans.grounded


def test_off_topic_questions_never_reach_the_model(generative, fake_llm):
    before = len(fake_llm.requests)
    ans = generative.chat("Thời tiết Hà Nội ngày mai thế nào?")
    assert not ans.grounded and len(fake_llm.requests) == before and ans.generation is None


def test_the_reason_is_logged_without_the_question_unless_the_operator_opts_in(settings, ingested, embedder,
                                                                               fake_llm, caplog):
    fake_llm.reply = "Nhãn hiệu được bảo hộ 1 năm [1]."
    with caplog.at_level(logging.WARNING, logger="assistant.generate"):
        Assistant.open(_generative(settings, fake_llm), embedder=embedder).chat(TERM_Q)
    assert "generation rejected: figure 1 năm not in [1]" in caplog.text and TERM_Q not in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="assistant.generate"):
        Assistant.open(_generative(settings, fake_llm, log_questions=True), embedder=embedder).chat(TERM_Q)
    assert TERM_Q in caplog.text


# --- the prompt budget

def test_the_prompt_fits_the_context_with_excerpts_when_whole_chunks_do_not(settings, ingested, embedder, fake_llm):
    fake_llm.reply = GOOD
    s = _generative(settings, fake_llm, llm_context_tokens=1100, llm_max_tokens=64)
    a = Assistant.open(s, embedder=embedder)
    ans = a.chat(TERM_Q)
    body = fake_llm.requests[-1]
    used = sum(estimate_tokens(m["content"]) for m in body["messages"])
    assert used <= 1100 - 64 - CHAT_TEMPLATE_TOKENS and body["max_tokens"] == 64
    assert "(trích)" in fake_llm.prompt()  # an excerpt, not the whole article
    assert "kể từ ngày nộp đơn, có thể gia hạn nhiều lần" in fake_llm.prompt()  # ... led by the best sentence
    assert ans.mode == "generative"  # the guard checks against the whole source, not only the excerpt


def test_with_a_roomy_context_whole_chunks_are_sent(generative, fake_llm):
    generative.chat(TERM_Q)
    assert "(trích)" not in fake_llm.prompt()
    assert "Văn bằng bảo hộ có hiệu lực trên toàn lãnh thổ Việt Nam." in fake_llm.prompt()


def test_a_prompt_that_cannot_fit_never_reaches_the_server(settings, ingested, embedder, fake_llm):
    s = _generative(settings, fake_llm, llm_context_tokens=512, llm_max_tokens=400)
    before = len(fake_llm.requests)
    ans = Assistant.open(s, embedder=embedder).chat(TERM_Q)
    assert len(fake_llm.requests) == before
    assert ans.mode == "extractive" and ans.generation["status"] == "error"
    assert ans.generation["reason"].startswith("prompt over budget")


# --- streaming, in process

def test_streaming_sends_citations_first_then_guarded_sentences_as_they_come(generative, fake_llm):
    fake_llm.reply = GOOD
    events = events_of(generative.stream_chat(TERM_Q))
    names = [n for n, _ in events]
    assert names[0] == "citations" and names[-1] == "done" and "fallback" not in names
    tokens = [d["t"] for n, d in events if n == "token"]
    assert "".join(tokens) == GOOD and len(tokens) == 2  # one event per sentence, not per word
    assert fake_llm.requests[-1]["stream"] is True
    done = events[-1][1]
    assert done["mode"] == "generative" and done["generation"]["status"] == "ok" and done["answer"] == GOOD
    cited = {c["n"] for c in events[0][1]["citations"]}
    assert set(done["cited"]) <= cited


def test_a_stream_stops_at_the_first_failing_sentence_and_the_extractive_answer_follows_marked(generative, fake_llm,
                                                                                                extractive):
    first = "Giấy chứng nhận đăng ký nhãn hiệu có hiệu lực 10 năm [1]."
    fake_llm.reply = first + " Có thể gia hạn 1 lần, mỗi lần 1 năm [1]. Phí 5 triệu đồng [1]."
    events = events_of(generative.stream_chat(TERM_Q))
    names = [n for n, _ in events]
    assert names[0] == "citations" and names.count("fallback") == 1 and names[-1] == "done"
    at = names.index("fallback")
    before = "".join(d["t"] for n, d in events[:at] if n == "token")
    after = "".join(d["t"] for n, d in events[at:] if n == "token")
    assert before == first and "1 năm" not in before + after and "5 triệu" not in before + after
    assert after.strip() == extractive.answer
    fb, done = events[at][1], events[-1][1]
    assert fb == {"status": "rejected", "reason": "figure 1 lần not in [1]", "after": len(first)}
    assert done["mode"] == "extractive" and done["generation"] == {"status": "rejected",
                                                                    "reason": "figure 1 lần not in [1]"}
    assert done["answer"] == before + after
    # The remainder's markers point at citations the client already has.
    assert {c.n for c in extractive.citations} <= {c["n"] for c in events[0][1]["citations"]}


def test_a_stream_that_cannot_fit_still_sends_citations_first_and_the_extractive_answer(settings, ingested,
                                                                                        embedder, fake_llm):
    s = _generative(settings, fake_llm, llm_context_tokens=512, llm_max_tokens=400)
    before = len(fake_llm.requests)
    events = events_of(Assistant.open(s, embedder=embedder).stream_chat(TERM_Q))
    assert [n for n, _ in events][:2] == ["citations", "fallback"] and len(fake_llm.requests) == before
    assert events[-1][1]["generation"]["status"] == "error"


def test_a_refused_stream_falls_back_with_status_error(generative, fake_llm, extractive):
    fake_llm.status = 400
    events = events_of(generative.stream_chat(TERM_Q))
    assert events[0][0] == "citations" and events[-1][1]["generation"]["status"] == "error"
    assert events[-1][1]["answer"].strip() == extractive.answer


# --- over HTTP, through a real server.py process in generative mode

@pytest.fixture(scope="module")
def gen_server(settings, ingested, fake_llm):
    env = {"IPA_STORE_DIR": str(settings.store_dir), "IPA_ANSWER_MODE": "generative",
           "IPA_LLM_BASE_URL": f"http://127.0.0.1:{fake_llm.port}/v1", "IPA_LLM_MODEL": "fake"}
    log = settings.store_dir / "gen-server.log"
    with running_server(env, log, 300) as (base, _):
        yield base, log


def read_sse(resp: httpx.Response) -> list[tuple[str, dict, float]]:
    out, name = [], None
    for line in resp.iter_lines():
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            out.append((name, json.loads(line[6:]), time.monotonic()))
    return out


@pytest.mark.parametrize("reply,reason", [
    ("Nhãn hiệu được bảo hộ 1 năm [1].", "figure 1 năm not in [1]"),
    ("Theo khoản 6 Điều 94, nhãn hiệu được bảo hộ 10 năm [1].", "article khoản 6 Điều 94 not in [1]"),
    ("Nhãn hiệu được bảo hộ 10 năm [7].", "source [7] was not given"),
])
def test_planted_errors_are_rejected_over_http(gen_server, fake_llm, reply, reason):
    base, log = gen_server
    fake_llm.reply = reply
    r = httpx.post(f"{base}/api/chat", json={"question": TERM_Q}, timeout=60)
    assert r.status_code == 200
    body = r.json()
    assert body["mode"] == "extractive" and body["generation"] == {"status": "rejected", "reason": reason}
    assert "10 năm" in body["answer"] and body["citations"]
    with httpx.stream("POST", f"{base}/api/chat/stream", json={"question": TERM_Q}, timeout=60) as resp:
        events = read_sse(resp)
    assert events[0][0] == "citations" and [e[0] for e in events].count("fallback") == 1
    assert events[-1][1]["generation"] == {"status": "rejected", "reason": reason}
    assert reason in log.read_text() and TERM_Q not in log.read_text()


def test_an_accepted_answer_over_http_says_so(gen_server, fake_llm):
    fake_llm.reply = GOOD
    body = httpx.post(f"{gen_server[0]}/api/chat", json={"question": TERM_Q}, timeout=60).json()
    assert body["mode"] == "generative" and body["generation"] == {"status": "ok", "reason": None}
    assert body["answer"] == GOOD


def test_sse_delivers_the_first_sentence_before_the_model_has_finished(gen_server, fake_llm):
    fake_llm.reply, fake_llm.piece, fake_llm.delay = GOOD, 4, 0.05  # ~30 chunks, ~1.5 s of "generation"
    with httpx.stream("POST", f"{gen_server[0]}/api/chat/stream", json={"question": TERM_Q}, timeout=60) as resp:
        events = read_sse(resp)
    first_token_at = next(t for name, _, t in events if name == "token")
    assert first_token_at < fake_llm.last_chunk_sent_at  # released while the model was still writing
    assert events[-1][1]["generation"]["status"] == "ok"


def test_the_openapi_schema_documents_the_generation_field(gen_server):
    schema = httpx.get(f"{gen_server[0]}/openapi.json").json()
    props = schema["components"]["schemas"]["ChatResponse"]["properties"]
    assert "generation" in props
    gen = schema["components"]["schemas"]["GenerationOut"]["properties"]
    assert gen["status"]["enum"] == ["ok", "rejected", "error"]
