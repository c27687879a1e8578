"""The assistant as a service: heavy objects built once, plain methods the routers call."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from datetime import date
from typing import Any, Iterator, Sequence

from .answer import compose, conflict_lines, event_answer, outline_answer
from .embeddings import Embedder, make_embedder
from .errors import BadInput, NotFound, StoreMissing
from .lexical import LexicalIndex
from .models import Answer, Citation, Hit
from .retrieve import Filters, HybridRetriever
from .settings import Settings
from .dense import DenseSearch, open_dense
from .store import Catalog
from .text import _data
from .understand import (LAW_FLOOR, Question, about_material, asks_event_logistics, asks_material_overview,
                         is_shouting,
                         mentions_event_material, understand)


CHAT_RECORD_TYPES = ("gi",)
MARK_OBJECTS = {"trademark", "collective_mark", "certification_mark", "trade_name"}
# A fee question that names no counts gets the smallest filing as a worked example.
EXAMPLE_FEES = {"trademark": "trademark", "collective_mark": "trademark", "certification_mark": "trademark",
                "design": "design", "patent": "patent", "utility_solution": "utility_solution"}
EXAMPLE_COUNTS = {"trademark": {"products_per_class": [6]}, "design": {"designs": 1},
                  "patent": {"claims": 1, "pages": 6}, "utility_solution": {"claims": 1, "pages": 6}}
RECORD_TYPES = ("trademark", "patent", "utility_solution", "design", "gi")
RECORD_STATUSES = ("pending", "registered", "refused", "withdrawn", "expired", "terminated", "invalidated", "live", "dead")


def _serving_threads(n: int) -> None:
    """BLAS threads for the process that answers questions (see Settings.query_threads)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=n, user_api="blas")


class Assistant:
    def __init__(self, settings: Settings, embedder: Embedder, dense: DenseSearch, catalog: Catalog,
                 lexical: LexicalIndex, marks: Any | None = None, generator: Any | None = None):
        self.settings = settings
        self.catalog = catalog
        self.marks = marks
        self.generator = generator
        chunks = {c.chunk_id: c for c in catalog.all_chunks()}
        self.retriever = HybridRetriever(settings, embedder, dense, lexical, chunks)
        self._record_chunk = {c.source_id.rsplit("/", 1)[-1]: c for c in chunks.values() if c.kind == "record"}
        from .cards import CardIndex

        from .training import list_events

        self.events = list_events(catalog)
        # Per source, once: a deck's pages (outlines, event facts) and a GI entry's folded name and product
        # (register entries), so no question scans every chunk or reads the catalog for them.
        self._pages: dict[str, list[Any]] = {}
        for c in chunks.values():
            if c.kind == "training" and c.page:
                self._pages.setdefault(c.source_id, []).append(c)
        from .text import fold

        self._entry_names: dict[str, list[str]] = {}
        for c in chunks.values():
            if c.kind == "record" and c.ip_type in CHAT_RECORD_TYPES and c.source_id not in self._entry_names:
                source = catalog.source(c.source_id)
                rec = (source.meta.get("record") if source else None) or {}
                self._entry_names[c.source_id] = [fold(str(rec[k])) for k in ("name", "product") if rec.get(k)]
        card_ids = {c.source_id for c in chunks.values() if c.kind == "card"}
        self.cards = CardIndex.from_sources(s for s in map(catalog.source, sorted(card_ids)) if s is not None)

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder | None = None) -> "Assistant":
        from .generations import pinned

        settings = pinned(settings)  # one generation for every part, even while an ingest stamps a new one
        if not settings.catalog_path.exists() or not settings.lexical_path.exists():
            raise StoreMissing(f"no index in {settings.store_dir}; run `python ingest.py` first")
        marks = None
        if settings.marks_path.exists():
            from .marks import MarkIndex

            marks = MarkIndex.load(settings.marks_path)
        generator = None
        if settings.answer_mode == "generative":
            from .generate import Generator

            generator = Generator(settings)
        lexical = LexicalIndex.load(settings.lexical_path)
        _serving_threads(settings.query_threads)
        if embedder is None:
            embedder = make_embedder(settings.model_copy(update={"embed_threads": settings.query_threads}))
        return cls(settings, embedder, open_dense(settings, lexical.chunk_ids),
                   Catalog(settings.catalog_path), lexical, marks, generator)

    # --- chat ---
    def chat(self, question: str, history: Sequence[dict[str, str]] | None = None,
             filters: Filters | None = None, generate: bool = True, as_of: str | date | None = None) -> Answer:
        started = time.perf_counter()
        question = self._validate_question(question)
        day = self.as_of_day(as_of)
        history = list(history or [])[-self.settings.max_history_turns:]
        base = filters or Filters()
        if not base.kinds:
            # The real GI register answers questions like "is Bưởi Đoan Hùng a GI?"; trademark, patent and
            # design records answer "is this mark taken?" through the mark check below — in ordinary
            # questions they would crowd out the law and the guides. Cards are matched on their own.
            base = replace(base, record_ip_types=CHAT_RECORD_TYPES, exclude_kinds=("card",))
        q = understand(question, as_of=day, history=history, marks=self._named_marks(question))
        if q.named_as_of and not as_of and q.named_as_of < day:
            # "What was the limit before April 2026?" asks for the earlier rule: answer for that day, as a dated
            # request would (the request's own as_of always wins).
            day = q.named_as_of
            q = replace(q, as_of=day)
        base = replace(base, as_of=day)
        if q.marks and q.objects and not set(q.objects) & MARK_OBJECTS:
            q = replace(q, marks=())  # a quoted song or book title is not a mark to pre-check
        if q.marks:
            # Naming a mark means "can I register this?": look for the procedure, not for the name itself.
            query = q.query
            for name in q.marks:
                query = query.replace(name, " ")
            q = replace(q, query=f"{query} {_data('glossary.json')['named_mark_query']}")
        scoped = filters is not None and bool(filters.kinds or filters.ip_types or filters.source_ids or filters.events)
        event = None if scoped else self._event_named(q)
        hits = []
        asked = q
        if event is not None:
            # "Tài liệu hội nghị ở An Giang nói gì về …?": that deck's pages answer, cited by page.
            # A question about a training event's material is an IP-training question, whatever its words.
            asked = replace(about_material(q, [event.get("place") or ""]), domain=True)
            hits = self.retriever.retrieve(asked, self.settings.top_k, replace(base, events=(event["id"],)))
            # The cover page names the event; the pages after it are what the deck teaches.
            hits = [h for h in hits if h.chunk.page != 1] or hits
        if not hits:
            event, asked = None, q
            hits = self.retriever.retrieve(q, self.settings.top_k, base)
        matches = self.cards.match(q) if self.cards and not scoped and event is None else []
        answer = None
        held = self._event_asked_about(q) if event is None and not scoped else None
        if held is not None:
            answer = event_answer(q, held[0], held[1], (self.settings.station_hint_vi, self.settings.station_hint_en))
        if event is not None and asks_material_overview(q, asked):
            pages = [c for c in self._pages.get(event["source_id"], []) if c.valid_on(day)]
            answer = outline_answer(q, event, pages, (self.settings.station_hint_vi, self.settings.station_hint_en))
        if answer is None:
            answer = compose(asked, hits, cards=matches, chunk_of=self.retriever.chunks, card_index=self.cards,
                             max_units=self.settings.max_answer_units, station_hint_vi=self.settings.station_hint_vi,
                             station_hint_en=self.settings.station_hint_en, idf=self.retriever.lexical.term_idf)
        if generate and self.generator is not None and answer.grounded:
            answer = self.generator.rewrite(question, hits, answer)
        answer = self._with_fees(q, answer)
        answer = self._with_register_entry(asked, hits, answer)
        if q.marks:
            answer = self._with_mark_check(q, q.marks[0], answer)
        answer.understood = q.understood()
        answer.as_of = day
        answer.took_ms = (time.perf_counter() - started) * 1000
        return answer

    def _with_register_entry(self, q: Question, hits: Sequence[Hit], answer: Answer) -> Answer:
        """"Nước mắm Phú Quốc có phải là chỉ dẫn địa lý không?": the register's entry for what the question
        names leads, then the rule. An entry is named when its name and its product are both in the question."""
        from .answer import prepend

        if not answer.grounded or not set(q.objects) & set(CHAT_RECORD_TYPES):
            return answer
        for h in hits:
            c = h.chunk
            if c.kind != "record" or c.ip_type not in CHAT_RECORD_TYPES:
                continue
            names = self._entry_names.get(c.source_id, [])
            if not names or not all(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", q.folded) for n in names):
                continue
            if answer.citations and answer.citations[0].source_id == c.source_id:
                return answer  # the entry already leads
            entry = compose(q, [h], cards=[], chunk_of=self.retriever.chunks, max_units=2,
                            station_hint_vi=self.settings.station_hint_vi,
                            station_hint_en=self.settings.station_hint_en)
            return prepend(entry, answer) if entry.grounded else answer
        return answer

    def _event_asked_about(self, q: Question) -> tuple[dict[str, Any], Any] | None:
        """'Hội nghị … ở Nghệ An do đơn vị nào tổ chức?': the event and its deck's cover page, which says it."""
        from .training import event_for_question

        if not self.events or not asks_event_logistics(q) or not mentions_event_material(q):
            return None
        ev = event_for_question(q.folded_text, self.events)
        if ev is None:
            return None
        cover = next((c for c in self._pages.get(ev["source_id"], []) if c.page == 1), None)
        return (ev, cover) if cover is not None else None

    def _event_named(self, q: Question) -> dict[str, Any] | None:
        from .training import event_for_question

        if not self.events or asks_event_logistics(q) or not mentions_event_material(q):
            return None  # "Thời tiết Hà Nội?" names a place where an event was held, not the event
        return event_for_question(q.folded, self.events) or (
            event_for_question(q.folded_text, self.events) if q.folded_text != q.folded else None)

    def _with_fees(self, q: Question, answer: Answer) -> Answer:
        """"3 nhóm, mỗi nhóm 8 sản phẩm thì phí bao nhiêu?": the sums done, itemised, before the rules."""
        from .answer import fee_answer, prepend
        from .fees import counts_from_question, estimate

        if "fees" not in q.facets or q.jurisdiction == "foreign":
            return answer
        if q.facets[0] != "fees" and not counts_from_question(q.folded):
            return answer  # "bị phạt bao nhiêu tiền" asks about fines, not the filing fees
        counts = counts_from_question(q.folded)
        example = False
        if not counts:
            # "Đăng ký nhãn hiệu hết bao nhiêu tiền?": the sums for the smallest filing, labelled as an example.
            kind = next((EXAMPLE_FEES[o] for o in q.objects if o in EXAMPLE_FEES), None)
            if kind is None or ("renewal" in q.facets and kind in ("patent", "utility_solution")):
                return answer  # patent maintenance fees are not in the fee table
            stage = "renewal" if "renewal" in q.facets and kind != "patent" else "filing"
            counts = {"kind": kind, "stage": stage, **EXAMPLE_COUNTS[kind]}
            example = True
        try:
            est = estimate(**counts, as_of=q.as_of)
        except BadInput:
            return answer  # counts the schedule does not cover: the answer from the sources stands
        src, loc = est.source.get("source_id"), est.source.get("locator", "")
        chunk = next((c for c in self.retriever.chunks.values() if c.source_id == src and c.locator.startswith(loc)
                      and c.valid_on(q.as_of)), None)
        if chunk is None:
            return answer  # a store without the fee schedule cannot cite the sums
        hints = (self.settings.station_hint_vi, self.settings.station_hint_en)
        return prepend(fee_answer(q, est, chunk, hints, example=example), answer)

    def as_of_day(self, as_of: str | date | None) -> str:
        """The date an answer is for: the request's, else the server's (IPA_AS_OF), else today."""
        today = date.today()
        value = as_of or self.settings.as_of
        if value in (None, ""):
            return today.isoformat()
        try:
            day = value if isinstance(value, date) else date.fromisoformat(str(value))
        except ValueError:
            raise BadInput(f"as_of must be a date YYYY-MM-DD, got {str(value)[:40]!r}") from None
        if day.isoformat() < LAW_FLOOR:
            raise BadInput(f"as_of must be on or after {LAW_FLOOR}, when the IP Law took effect")
        if day > today:
            raise BadInput("as_of cannot be in the future")
        return day.isoformat()

    def stream_chat(self, question: str, history=None, filters=None, as_of=None) -> Iterator[tuple[str, dict[str, Any]]]:
        """`citations`, `token`…, `done`. In generative mode the tokens are the model's own, each sentence sent
        once the guard passes it, and a `fallback` event announces the extractive answer when one fails."""
        started = time.perf_counter()
        answer = self.chat(question, history, filters, generate=False, as_of=as_of)
        if self.generator is not None and answer.grounded and not self._named_marks(question):
            from .generate import numbered_chunks

            sources = numbered_chunks(answer.citations, self.retriever.chunks.values())
            for name, data in self.generator.stream(question, sources, answer):
                if name == "done":
                    data = {**data, "took_ms": round((time.perf_counter() - started) * 1000, 1)}
                yield name, data
            return
        yield "citations", {"citations": [c.to_dict() for c in answer.citations]}
        text = answer.answer
        # Stream on word boundaries so citation markers like [2] never split.
        pieces = text.split(" ")
        for i, piece in enumerate(pieces):
            yield "token", {"t": piece + (" " if i < len(pieces) - 1 else "")}
        yield "done", {"grounded": answer.grounded, "took_ms": round(answer.took_ms, 1), "mode": answer.mode,
                       "answer": text, "as_of": answer.as_of, "understood": answer.understood,
                       "refusal": answer.refusal, "notice": answer.notice}

    def _validate_question(self, question: str) -> str:
        if not isinstance(question, str) or not question.strip():
            raise BadInput("question must be a non-empty string")
        if len(question) > self.settings.max_question_chars:
            raise BadInput(f"question is longer than {self.settings.max_question_chars} characters")
        return question.strip()

    def _named_marks(self, question: str) -> list[str]:
        """Marks really named: quoted, or 'nhãn hiệu X' with X a name — never words of a question in capitals."""
        if self.marks is None:
            return []
        from .marks import find_quoted_marks, quoted_marks

        return quoted_marks(question) if is_shouting(question) else find_quoted_marks(question)

    def _with_mark_check(self, q: Question, name: str, answer: Answer) -> Answer:
        from .nice import suggest_classes

        classes = [s["class"] for s in suggest_classes(q.text, limit=2)]
        conflicts = self.marks.check(name, classes or None, limit=3)
        if not answer.grounded:
            answer = Answer(answer="", citations=[], grounded=False, language=q.language)
        hits = [self._record_hit(c.record_id) for c in conflicts]
        return conflict_lines(answer, name, conflicts, hits, q.language)

    def _record_hit(self, record_id: str) -> Hit | None:
        chunk = self._record_chunk.get(record_id)
        return Hit(chunk=chunk, score=1.0) if chunk else None

    # --- search & sources ---
    def search(self, q: str, k: int = 10, filters: Filters | None = None) -> list[dict[str, Any]]:
        q = self._validate_question(q)
        if not 1 <= k <= 50:
            raise BadInput("k must be between 1 and 50")
        hits = self.retriever.retrieve(q, k, filters)
        return [hit_dict(i, h) for i, h in enumerate(hits, 1)]

    def source(self, source_id: str) -> dict[str, Any]:
        src = self.catalog.source(source_id)
        if src is None:
            raise NotFound(f"no source with id {source_id!r}")
        meta = {k: v for k, v in src.meta.items() if k != "record"}
        out = {"source_id": src.source_id, "title": src.title, "kind": src.kind, "ip_type": src.ip_type,
               "url": src.url, "meta": meta,
               "sections": [{"locator": s.locator, "page": s.page, "heading": s.heading_path[-1] if s.heading_path
                             else None, "text": s.text} for s in src.sections]}
        if src.kind == "record":
            out["record"] = src.meta.get("record")
        if any(s.page for s in src.sections):
            out["pages"] = [{"page": s.page, "text": s.text} for s in src.sections]
        else:
            out["text"] = "\n\n".join(f"{s.heading_path[-1]}\n{s.text}" if s.heading_path else s.text
                                       for s in src.sections)
        return out

    def list_sources(self, kind: str | None = None, q: str | None = None, limit: int = 200, offset: int = 0):
        return self.catalog.list_sources(kind, q, limit, offset)

    def health(self) -> dict[str, Any]:
        counts = self.catalog.counts()
        return {"status": "ok", "chunks": counts["chunks"], "sources": counts["sources"],
                "marks": len(self.marks) if self.marks is not None else 0,
                "embed_model": self.settings.embed_model, "answer_mode": self.settings.answer_mode,
                "generation": self.settings.generation}

    def close(self) -> None:
        """Release a retired generation's files (the server swapped to a newer one)."""
        self.retriever.dense.close()
        self.catalog.close()

    # --- trademarks & records ---
    def _need_marks(self):
        if self.marks is None:
            raise StoreMissing("the trademark index is missing; run `python ingest.py`")
        return self.marks

    def check_mark(self, mark: str, nice_classes: list[int] | None = None, goods: str | None = None,
                   limit: int = 10) -> dict[str, Any]:
        from .nice import suggest_classes

        from .marks import normalize_mark

        if not mark or not mark.strip():
            raise BadInput("mark must be a non-empty string")
        if not normalize_mark(mark):
            raise BadInput("mark must contain letters or digits")
        if len(mark) > 200:
            raise BadInput("mark is longer than 200 characters")
        if nice_classes and any(not 1 <= c <= 45 for c in nice_classes):
            raise BadInput("nice_classes must be integers from 1 to 45")
        suggested = suggest_classes(goods) if goods else []
        classes = nice_classes or [s["class"] for s in suggested[:2]] or None
        conflicts = self._need_marks().check(mark.strip(), classes, limit=limit)
        return {"mark": mark.strip(), "nice_classes": classes or [], "conflicts": [c.to_dict() for c in conflicts],
                "suggested_classes": suggested}

    def records_search(self, q: str = "", kind: str | None = None, classes: list[int] | None = None,
                       status: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        if kind not in (None, "", *RECORD_TYPES):
            raise BadInput(f"unknown record kind {kind!r}; use one of {', '.join(RECORD_TYPES)}")
        if classes and any(not 1 <= c <= 45 for c in classes):
            raise BadInput("classes must be Nice classes from 1 to 45")
        if status and status not in RECORD_STATUSES:
            raise BadInput(f"unknown status {status!r}; use one of {', '.join(RECORD_STATUSES)}")
        if kind in (None, "", "trademark"):
            return self._need_marks().search(q, classes, status, limit)
        if q:
            hits = self.retriever.retrieve(q, limit, Filters(kinds=("record",), ip_types=(kind,)))
            found = [self.catalog.source(h.chunk.source_id).meta["record"] for h in hits]
        else:
            found = list(self.catalog.records(kind))
        return [r for r in found if not status or r.get("status") == status][:limit]

    def record(self, record_id: str) -> dict[str, Any]:
        if self.marks is not None:
            rec = self.marks.get(record_id)
            if rec:
                return rec
        chunk = self._record_chunk.get(record_id)
        if chunk is None:
            raise NotFound(f"no record with id {record_id!r}")
        return self.catalog.source(chunk.source_id).meta["record"]


def hit_dict(n: int, hit: Hit) -> dict[str, Any]:
    c = hit.chunk
    # Search results carry their validity, so a client can tell a current rule from a historical one.
    cit = Citation.of(n, c, " ".join(c.text.split())[:280], round(hit.score, 4))
    return {**cit.to_dict(), "ip_type": c.ip_type, "dense": hit.dense, "lexical": hit.lexical}
