"""Latency of the generative mode next to the extractive one, against a running OpenAI-compatible server.

    python -m assistant.bench_llm --base-url http://127.0.0.1:8080/v1 [--model smollm2] [--question "..."]

Uses the store in IPA_STORE_DIR (like the server). Prints one JSON line per measurement.
"""

from __future__ import annotations

import argparse
import json
import time

from .service import Assistant
from .settings import Settings


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--base-url", required=True)
    p.add_argument("--model", default="smollm2")
    p.add_argument("--context-tokens", type=int, default=2048)
    p.add_argument("--max-tokens", type=int, default=160)
    p.add_argument("--question", default="Thời hạn bảo hộ nhãn hiệu là bao lâu?")
    a = p.parse_args(argv)
    s = Settings(answer_mode="generative", llm_base_url=a.base_url, llm_model=a.model, llm_timeout_s=600,
                 llm_context_tokens=a.context_tokens, llm_max_tokens=a.max_tokens)
    assistant = Assistant.open(s)
    assistant.chat(a.question, generate=False)  # warm: model load, first query
    t = time.perf_counter()
    assistant.chat(a.question, generate=False)
    print(json.dumps({"what": "extractive", "seconds": round(time.perf_counter() - t, 3)}))
    t = time.perf_counter()
    ans = assistant.chat(a.question)
    print(json.dumps({"what": "generative", "seconds": round(time.perf_counter() - t, 3), "mode": ans.mode,
                      "generation": ans.generation}, ensure_ascii=False))
    t, first, done = time.perf_counter(), None, {}
    for name, data in assistant.stream_chat(a.question):
        if name in ("token", "fallback") and first is None:
            first = time.perf_counter() - t
        if name == "done":
            done = data
    print(json.dumps({"what": "generative-stream", "first_event_s": round(first or 0, 3),
                      "seconds": round(time.perf_counter() - t, 3), "generation": done.get("generation")},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
