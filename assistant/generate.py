"""Opt-in generative mode (IPA_ANSWER_MODE=generative) over any OpenAI-compatible /v1 server, guarded.

The model sees numbered sources only, fitted to its context window, and its text is released one sentence at
a time, each only after the guard has checked it: the sentence cites sources that were given, and every
figure in it — a duration, an amount, a date, an article reference — is stated by a source it cites (compared
as values by assistant/figures.py). The first sentence that fails ends the generation; the reader gets the
extractive answer, which cannot invent, and the response says what happened and why
(`generation: {"status": "ok" | "rejected" | "error", "reason": ...}`).

Sources are numbered as the extractive answer numbers its citations, so when a streamed answer falls back
midway, the quoted remainder's [n] point at the same citations the client already received.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, replace
from typing import Any, Iterable, Iterator, Sequence

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .figures import extract, unsupported
from .models import Answer, Chunk, Citation, Hit
from .settings import Settings
from .text import detect_language, lexical_terms, split_sentences

log = logging.getLogger("assistant.generate")

NO_ANSWER = "NO_ANSWER"

# A byte-level BPE never spends more than one token per UTF-8 byte, and SmolLM2's tokenizer (trained mostly on
# English) was measured at 0.59 tokens per byte on the corpus, 0.78 on its worst paragraph (tests/test_llm_real.py checks
# it against the real tokenizer); hosted models' tokenizers are more frugal with Vietnamese. Over-counting
# only costs context; under-counting would get the prompt refused.
TOKENS_PER_BYTE = 0.8
CHAT_TEMPLATE_TOKENS = 48  # role markers and separators the server's chat template adds around two messages


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text.encode("utf-8")) * TOKENS_PER_BYTE) + 1


# --- the guard -------------------------------------------------------------------------------------------

_MARK_GROUP = re.compile(r"\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]")
_BULLET = re.compile(r"^\s*(?:[-*•+]|\d+[.)])\s+")
# A sentence ends after its citation markers (and an optional stop), once the next sentence has begun,
# or at a line break. Plain full stops do not end one: "TP. Hồ Chí Minh" is not two sentences.
_END = re.compile(r"(\](?:\s*\[[\d,;\s]+\])*[.;!?]?)(?=\s+[^\s\[.;,!?])|\n")


def markers(sentence: str) -> set[int]:
    return {int(n) for g in _MARK_GROUP.findall(sentence) for n in re.findall(r"\d+", g)}


def _is_lead_in(body: str) -> bool:
    """A heading or a "Các bước:" lead-in states nothing, so it needs no citation — as long as it has no figure."""
    s = body.strip()
    return bool(s) and (s.endswith(":") or s.startswith("#") or (s.startswith("**") and s.endswith("**")))


def check_sentence(sentence: str, evidence: dict[int, str]) -> str | None:
    """Why `sentence` may not be shown (None when it may). `evidence` is each given source's full text."""
    body = _MARK_GROUP.sub(" ", _BULLET.sub("", sentence)).strip()
    if NO_ANSWER in sentence:
        return "the model found no answer in the sources"
    if not re.search(r"\w", body):
        return None
    cited = markers(sentence)
    if not cited:
        if _is_lead_in(body) and not extract(body):
            return None
        return f"sentence without a citation: {_short(body)!r}"
    unknown = sorted(cited - evidence.keys())
    if unknown:
        return f"source [{unknown[0]}] was not given"
    where = "".join(f"[{n}]" for n in sorted(cited))
    for fig in unsupported(body, [evidence[n] for n in sorted(cited)]):
        what = "article" if fig.kind == "article" else "figure"
        return f"{what} {fig.text} not in {where}"
    return None


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


class Sentences:
    """Cuts a growing text into finished sentences; what comes out, joined, is exactly what went in."""

    def __init__(self):
        self.buffer = ""

    def feed(self, piece: str) -> list[str]:
        self.buffer += piece
        out = []
        while True:
            m = _END.search(self.buffer)
            if not m:
                return out
            cut = m.end(1) if m.group(1) else m.end()
            out.append(self.buffer[:cut])
            self.buffer = self.buffer[cut:]

    def flush(self) -> list[str]:
        rest, self.buffer = self.buffer, ""
        return [rest] if rest.strip() else ([rest] if rest else [])


def sentences(text: str) -> list[str]:
    s = Sentences()
    return [p for p in s.feed(text) + s.flush() if p.strip()]


def guard(text: str, evidence: dict[int, str]) -> tuple[set[int] | None, str | None]:
    """(cited source numbers, None) when every sentence passes; (None, reason) at the first that does not."""
    if not text or not text.strip():
        return None, "the model returned no text"
    cited: set[int] = set()
    for sentence in sentences(text):
        reason = check_sentence(sentence, evidence)
        if reason:
            return None, reason
        cited |= markers(sentence)
    if not cited:
        return None, "the answer cites no source"
    return cited, None


# --- the prompt budget -----------------------------------------------------------------------------------

@dataclass
class PromptSource:
    n: int
    chunk: Chunk
    sentences: list[str]  # the chunk's units in reading order
    chosen: set[int]  # indices of the units shown; all of them = the whole chunk

    @property
    def whole(self) -> bool:
        return len(self.chosen) == len(self.sentences)

    @property
    def text(self) -> str:
        if self.whole:
            return self.chunk.text
        out, last = [], None
        for i in sorted(self.chosen):
            if last is not None and i != last + 1:
                out.append("…")
            out.append(self.sentences[i])
            last = i
        return "\n".join(out)

    def as_prompt(self) -> dict[str, Any]:
        return {"n": self.n, "title": self.chunk.title, "locator": self.chunk.locator, "text": self.text,
                "excerpt": not self.whole}


def evidence_text(chunk: Chunk) -> str:
    """What a citation of this chunk vouches for: its title, its locator and its whole text."""
    return f"{chunk.title} — {chunk.locator}\n{chunk.text}"


class Budget(Exception):
    """Not even the question and the best sentence of the best source fit the model's context."""


# --- the generator ---------------------------------------------------------------------------------------

class Generator:
    def __init__(self, settings: Settings, llm: Any | None = None):
        if not settings.llm_base_url:
            raise ValueError("generative mode needs IPA_LLM_BASE_URL (an OpenAI-compatible /v1 endpoint)")
        self.settings = settings
        env = Environment(loader=FileSystemLoader(str(settings.prompts_dir)), undefined=StrictUndefined,
                          autoescape=False, keep_trailing_newline=True)
        self._prompt = env.get_template("answer.j2")
        self._system = env.get_template("system.j2")
        self.llm = llm or _chat_model(settings)
        self.prompt_budget = settings.llm_context_tokens - settings.llm_max_tokens - CHAT_TEMPLATE_TOKENS

    # -- prompt
    def messages(self, question: str, numbered: Sequence[tuple[int, Chunk]], quoted: str = ""
                 ) -> tuple[list[tuple[str, str]], list[PromptSource]]:
        """The system and user messages, with sources fitted to the budget: cards first, then the sentences the
        extractive answer (`quoted`) took from each source and those that best match the question, whole chunks
        only when they fit. Raises Budget when nothing fits."""
        language = detect_language(question)
        system = self._system.render(language=language)
        terms = _terms(question)
        hints = _quoted_by_source(quoted)
        srcs = [PromptSource(n, c, split_sentences(c.text) or [c.text], set())
                for n, c in numbered[: self.settings.llm_max_sources]]

        def render(chosen: list[PromptSource]) -> str:
            return self._prompt.render(question=question, language=language,
                                       sources=[s.as_prompt() for s in chosen if s.chosen])

        def fits(chosen: list[PromptSource]) -> bool:
            return estimate_tokens(system) + estimate_tokens(render(chosen)) <= self.prompt_budget

        def try_add(src: PromptSource, idx: Iterable[int]) -> bool:
            before = set(src.chosen)
            src.chosen |= set(idx)
            if fits(srcs):
                return src.chosen != before
            src.chosen = before
            return False

        def score(s: PromptSource, i: int) -> int:
            unit = _terms(s.sentences[i])
            return 4 * _weight(hints.get(s.n, {}), unit) + _weight(terms, unit)

        ranked = {id(s): sorted(range(len(s.sentences)), key=lambda i: (-score(s, i), i)) for s in srcs}
        for s in srcs:  # answer cards are written to be shown whole
            if s.chunk.kind == "card":
                try_add(s, range(len(s.sentences)))
        for s in srcs:  # the best sentence of every source
            if not s.chosen and ranked[id(s)]:
                try_add(s, ranked[id(s)][:1])
        for s in srcs:  # whole chunks, best source first, when they fit
            if s.chosen and not s.whole:
                try_add(s, range(len(s.sentences)))
        for rank in range(1, max((len(s.sentences) for s in srcs), default=0)):  # then more sentences
            for s in srcs:
                if s.chosen and not s.whole and rank < len(ranked[id(s)]):
                    try_add(s, ranked[id(s)][rank:rank + 1])
        chosen = [s for s in srcs if s.chosen]
        if not chosen:
            need = estimate_tokens(system) + estimate_tokens(render([]))
            raise Budget(f"prompt over budget: the question alone needs ~{need} of {self.prompt_budget} tokens")
        return [("system", system), ("user", render(chosen))], chosen

    # -- one answer
    def rewrite(self, question: str, hits: Sequence[Hit], fallback: Answer) -> Answer:
        numbered = numbered_chunks(fallback.citations, [h.chunk for h in hits])
        try:
            messages, given = self.messages(question, numbered, fallback.answer)
        except Budget as exc:
            return self._fell_back(fallback, "error", str(exc), question)
        try:
            reply = self.llm.invoke(messages)
            text = _content(reply).strip()
        except Exception as exc:  # noqa: BLE001 — any failure of the model server means "quote instead"
            return self._fell_back(fallback, "error", _server_error(exc), question)
        evidence = {s.n: evidence_text(s.chunk) for s in given}
        cited, reason = guard(text, evidence)
        if cited is None:
            return self._fell_back(fallback, "rejected", reason or "rejected", question)
        by_n = {s.n: s for s in given}
        citations = [_citation(by_n[n], fallback) for n in sorted(cited)]
        log.info("generation ok: %d sentences, sources %s", len(sentences(text)), sorted(cited))
        return replace(fallback, answer=text, citations=citations, mode="generative",
                       generation={"status": "ok", "reason": None})

    # -- streamed
    def stream(self, question: str, numbered: Sequence[tuple[int, Chunk]], fallback: Answer
               ) -> Iterator[tuple[str, dict[str, Any]]]:
        """SSE events: `citations` first (every source given to the model, numbered as the extractive answer
        numbers them), a `token` per guarded sentence, and on failure a `fallback` event followed by the
        extractive answer's text; then `done` with what happened."""
        try:
            messages, given = self.messages(question, numbered, fallback.answer)
        except Budget as exc:
            yield from self._stream_fallback(fallback, "", "error", str(exc), question, fallback.citations)
            return
        by_n = {s.n: s for s in given}
        citations = list(fallback.citations)
        known = {c.n for c in citations}
        citations += [_citation(s, fallback) for s in given if s.n not in known]
        yield "citations", {"citations": [c.to_dict() for c in citations]}
        evidence = {n: evidence_text(s.chunk) for n, s in by_n.items()}
        shown, cited, reason, status = "", set(), None, "ok"
        cutter = Sentences()
        stream = None
        try:
            stream = iter(self.llm.stream(messages))
            finished = False
            while not finished and reason is None:
                piece = next(stream, None)
                if piece is None:
                    finished = True
                    ready = cutter.flush()
                else:
                    ready = cutter.feed(_content(piece))
                for sentence in ready:
                    why = check_sentence(sentence, evidence) if sentence.strip() else None
                    if why:
                        reason, status = why, "rejected"
                        break
                    cited |= markers(sentence)
                    shown += sentence
                    yield "token", {"t": sentence}
        except Exception as exc:  # noqa: BLE001 — a dropped or refused stream also means "quote instead"
            reason, status = _server_error(exc), "error"
        finally:
            close = getattr(stream, "close", None)
            if close:
                close()  # stop the model: nothing more of it will be shown
        if reason is None and not cited:
            reason, status = "the answer cites no source", "rejected"
        if reason is not None:
            yield from self._stream_fallback(fallback, shown, status, reason, question, None)
            return
        log.info("generation ok (streamed): sources %s", sorted(cited))
        yield "done", {"grounded": True, "mode": "generative", "answer": shown,
                       "generation": {"status": "ok", "reason": None}, "cited": sorted(cited),
                       **_answer_context(fallback)}

    def _stream_fallback(self, fallback: Answer, shown: str, status: str, reason: str, question: str,
                         citations: Sequence[Citation] | None) -> Iterator[tuple[str, dict[str, Any]]]:
        self._log(status, reason, question)
        generation = {"status": status, "reason": reason}
        if citations is not None:
            yield "citations", {"citations": [c.to_dict() for c in citations]}
        yield "fallback", {**generation, "after": len(shown)}
        rest = ("\n\n" if shown.strip() else "") + fallback.answer
        for piece in _words(rest):
            yield "token", {"t": piece}
        yield "done", {"grounded": fallback.grounded, "mode": "extractive", "answer": shown + rest,
                       "generation": generation, **_answer_context(fallback)}

    def _fell_back(self, fallback: Answer, status: str, reason: str, question: str) -> Answer:
        self._log(status, reason, question)
        return replace(fallback, generation={"status": status, "reason": reason})

    def _log(self, status: str, reason: str, question: str) -> None:
        if self.settings.log_questions:
            log.warning("generation %s: %s (question: %r)", status, reason, question)
        else:
            log.warning("generation %s: %s", status, reason)


def numbered_chunks(citations: Sequence[Citation], chunks: Iterable[Chunk]) -> list[tuple[int, Chunk]]:
    """The extractive answer's cited chunks as (n, chunk), found in `chunks`: the model sees what the composer
    judged relevant, under the same numbers, so a fallback's markers and the model's point alike."""
    by_key = {(c.source_id, c.locator): c for c in chunks}
    out: list[tuple[int, Chunk]] = []
    used: set[str] = set()
    for cit in citations:
        chunk = by_key.get((cit.source_id, cit.locator))
        if chunk is not None and chunk.chunk_id not in used:
            out.append((cit.n, chunk))
            used.add(chunk.chunk_id)
    return out


def _terms(text: str) -> set[str]:
    return set(lexical_terms(text))


def _weight(wanted: set[str], unit: set[str]) -> int:
    # Word pairs say more than single syllables ("nhan_hieu" vs "nhan").
    return sum(2 if "_" in t else 1 for t in wanted & unit)


def _quoted_by_source(answer: str) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for sentence in sentences(answer or ""):
        for n in markers(sentence):
            out.setdefault(n, set()).update(_terms(_MARK_GROUP.sub(" ", sentence)))
    return out


def _citation(src: PromptSource, fallback: Answer) -> Citation:
    for c in fallback.citations:
        if c.n == src.n:
            return c
    chunk = src.chunk
    snippet = " ".join(chunk.text.split())[:280]
    of = getattr(Citation, "of", None)
    if of is not None:
        return of(src.n, chunk, snippet, 0.0)
    return Citation(n=src.n, source_id=chunk.source_id, title=chunk.title, kind=chunk.kind, locator=chunk.locator,
                    snippet=snippet, url=chunk.url, score=0.0)


def _answer_context(answer: Answer) -> dict[str, Any]:
    """What the extractive path's `done` event says besides the text: the date's law, the notice, ..."""
    return {k: getattr(answer, k) for k in ("as_of", "understood", "refusal", "notice") if hasattr(answer, k)}


def _content(message: Any) -> str:
    content = getattr(message, "content", message)
    if isinstance(content, list):  # content blocks
        return "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
    return content if isinstance(content, str) else ""


def _words(text: str) -> list[str]:
    # Whole words, so a citation marker like [2] never arrives split.
    return re.findall(r"\S+\s*|\s+", text)


def _server_error(exc: Exception) -> str:
    status = getattr(exc, "status_code", None)
    name = type(exc).__name__
    return f"model server error: {name}" + (f" (HTTP {status})" if status else "")


def _chat_model(settings: Settings):
    from langchain_openai import ChatOpenAI

    # No retries: a second attempt doubles the user's wait, and the extractive answer is ready now.
    # `max_tokens` goes in the body as such: ChatOpenAI would rename it `max_completion_tokens`, which
    # llama.cpp's server ignores (it would then write until the context is full).
    return ChatOpenAI(base_url=settings.llm_base_url, api_key=settings.llm_api_key or "not-needed",
                      model=settings.llm_model, temperature=0, timeout=settings.llm_timeout_s, max_retries=0,
                      extra_body={"max_tokens": settings.llm_max_tokens})
