"""Generative mode is opt-in and guarded. The hosted LLM cannot run here, so a fake that speaks the
OpenAI chat-completions protocol over real HTTP stands in for it."""

import socket
import threading
import time

import pytest
import uvicorn
from fastapi import FastAPI, Request

from assistant.generate import guard
from assistant.service import Assistant


class FakeLLM:
    def __init__(self):
        self.reply = "NO_ANSWER"
        self.requests: list[dict] = []
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def completions(request: Request):
            body = await request.json()
            self.requests.append(body)
            return {"id": "x", "object": "chat.completion", "model": body["model"],
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": self.reply}}]}

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

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


@pytest.fixture()
def generative(settings, ingested, embedder, fake_llm):
    s = settings.model_copy(update={"answer_mode": "generative",
                                    "llm_base_url": f"http://127.0.0.1:{fake_llm.port}/v1"})
    return Assistant.open(s, embedder=embedder)


def test_a_cited_faithful_generation_is_returned_in_generative_mode(generative, fake_llm):
    fake_llm.reply = ("Giấy chứng nhận đăng ký nhãn hiệu có hiệu lực đến hết 10 năm kể từ ngày nộp đơn [1]. "
                      "Có thể gia hạn nhiều lần, mỗi lần 10 năm [1].")
    ans = generative.chat("Thời hạn bảo hộ nhãn hiệu là bao lâu?")
    assert ans.mode == "generative" and ans.grounded
    assert [c.n for c in ans.citations] == [1] and ans.citations[0].locator.startswith("Điều 93")
    prompt = fake_llm.requests[-1]["messages"][-1]["content"]
    assert "[1]" in prompt and "Điều 93" in prompt


def test_an_invented_figure_falls_back_to_the_extractive_answer(generative, fake_llm):
    fake_llm.reply = "Nhãn hiệu được bảo hộ 15 năm [1]."
    ans = generative.chat("Thời hạn bảo hộ nhãn hiệu là bao lâu?")
    assert ans.mode == "extractive" and "15 năm" not in ans.answer and "10 năm" in ans.answer


def test_uncited_sentences_and_unknown_sources_are_rejected():
    sources = {1: "Bằng độc quyền sáng chế có hiệu lực 20 năm."}
    assert guard("Sáng chế được bảo hộ 20 năm [1].", sources) == {1}
    assert guard("Sáng chế được bảo hộ 20 năm.", sources) is None
    assert guard("Sáng chế được bảo hộ 20 năm [2].", sources) is None
    assert guard("NO_ANSWER", sources) is None


def test_off_topic_questions_never_reach_the_model(generative, fake_llm):
    before = len(fake_llm.requests)
    ans = generative.chat("Thời tiết Hà Nội ngày mai thế nào?")
    assert not ans.grounded and len(fake_llm.requests) == before
