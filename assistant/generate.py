"""Opt-in generative mode (IPA_ANSWER_MODE=generative) over an OpenAI-compatible /v1 endpoint.

Guarded: the model's text is accepted only if every sentence cites a given source and every figure in it
appears in the sources it cites. Anything else — a refusal, an HTTP error, an invented number — falls back
to the extractive answer, which cannot invent.
"""

from __future__ import annotations

import re
from typing import Sequence

import httpx
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .models import Answer, Citation, Hit
from .settings import Settings
from .text import detect_language

_MARK = re.compile(r"\[(\d+)\]")
_NUMBER = re.compile(r"\d+(?:[.,/]\d+)*")


class Generator:
    def __init__(self, settings: Settings, max_sources: int = 5):
        if not settings.llm_base_url:
            raise ValueError("generative mode needs IPA_LLM_BASE_URL (an OpenAI-compatible /v1 endpoint)")
        self.settings = settings
        self.max_sources = max_sources
        env = Environment(loader=FileSystemLoader(str(settings.prompts_dir)), undefined=StrictUndefined,
                          autoescape=False, keep_trailing_newline=True)
        self._prompt = env.get_template("answer.j2")
        self._system = env.get_template("system.j2")
        headers = {"Authorization": f"Bearer {settings.llm_api_key}"} if settings.llm_api_key else {}
        self._http = httpx.Client(base_url=settings.llm_base_url.rstrip("/"), timeout=settings.llm_timeout_s,
                                  headers=headers)

    def rewrite(self, question: str, hits: Sequence[Hit], fallback: Answer) -> Answer:
        sources = [{"n": i, "title": h.chunk.title, "locator": h.chunk.locator, "text": h.chunk.text}
                   for i, h in enumerate(hits[: self.max_sources], 1)]
        prompt = self._prompt.render(question=question, sources=sources, language=detect_language(question))
        try:
            r = self._http.post("/chat/completions", json={
                "model": self.settings.llm_model, "temperature": 0,
                "messages": [{"role": "system", "content": self._system.render()},
                             {"role": "user", "content": prompt}]})
            r.raise_for_status()
            text = r.json()["choices"][0]["message"]["content"].strip()
        except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError):
            return fallback
        cited = guard(text, {s["n"]: s["text"] for s in sources})
        if cited is None:
            return fallback
        citations = []
        for n in sorted(cited):
            h = hits[n - 1]
            c = h.chunk
            citations.append(Citation(n=n, source_id=c.source_id, title=c.title, kind=c.kind, locator=c.locator,
                                      snippet=" ".join(c.text.split())[:280], url=c.url, score=round(h.score, 4)))
        return Answer(answer=text, citations=citations, grounded=True, mode="generative", language=fallback.language)


def guard(text: str, sources: dict[int, str]) -> set[int] | None:
    """The set of cited source numbers if the text passes, else None."""
    if not text or "NO_ANSWER" in text:
        return None
    cited: set[int] = set()
    for sentence in _sentences(text):
        marks = {int(m) for m in _MARK.findall(sentence)}
        if not marks or not marks <= sources.keys():
            return None
        evidence = " ".join(sources[m] for m in marks)
        for number in _NUMBER.findall(_MARK.sub("", sentence)):
            if number not in evidence:
                return None
        cited |= marks
    return cited or None


def _sentences(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        line = line.strip(" -*•\t")
        if not line:
            continue
        # A sentence ends after its citation markers: "... 10 năm [1]. Tiếp theo ..."
        out.extend(p.strip() for p in re.split(r"(?<=\])\s*[.;]?\s+(?=\S)", line) if p.strip(" ."))
    return [s for s in out if len(s) > 3]
