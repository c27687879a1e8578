"""Training events: GET /api/training, the review questions of a deck, and the /training pages (list, reader)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import BaseModel

from . import training
from .deps import AssistantDep
from .errors import NotFound

router = APIRouter()


class EventOut(BaseModel):
    id: str
    date: str | None
    place: str | None
    title: str
    audience: str | None
    source_id: str
    deck_title: str
    organiser: str | None
    pages: int
    note: str | None


class ReviewItemOut(BaseModel):
    kind: str
    question: str
    answer: str
    page: int
    source_id: str
    locator: str


class ReviewOut(BaseModel):
    event: EventOut
    items: list[ReviewItemOut]


@router.get("/api/training", response_model=list[EventOut], tags=["training"])
def list_training(assistant: AssistantDep) -> list[dict[str, Any]]:
    """The 2023 training events with their decks: date, place, title, audience and the deck's source id."""
    return training.list_events(assistant.catalog)


@router.get("/api/training/{event_id}/review", response_model=ReviewOut, tags=["training"],
            responses={404: {"description": "no such training event"}})
def training_review(event_id: str, assistant: AssistantDep) -> dict[str, Any]:
    """5–10 review questions drawn from the deck's pages (figures, defined terms, steps), each with its page."""
    src = training.deck(assistant.catalog, event_id)
    items = training.review_items(training.deck_pages(src), src.source_id)
    return {"event": training.event_of(src), "items": [i.to_dict() for i in items]}


@router.get("/training/{event_id}/deck.pdf", include_in_schema=False)
def training_pdf(event_id: str, assistant: AssistantDep):
    src = training.deck(assistant.catalog, event_id)
    path = training.deck_pdf(src, assistant.catalog, assistant.settings.corpus_dir)
    if path is None:
        raise NotFound(f"no PDF stored for training event {event_id!r}")
    return FileResponse(path, media_type="application/pdf", filename=f"{event_id}.pdf")


@router.get("/training", response_class=HTMLResponse, include_in_schema=False)
def training_page(request: Request, assistant: AssistantDep):
    from .web import render

    return render(request, "training.html", page="training", events=training.list_events(assistant.catalog))


@router.get("/training/{event_id}", response_class=HTMLResponse, include_in_schema=False)
def training_event_page(request: Request, event_id: str, assistant: AssistantDep,
                        page: Annotated[int, Query(ge=1, le=10_000)] = 1):
    from .web import render

    try:
        src = training.deck(assistant.catalog, event_id)
    except NotFound:
        return render(request, "not_found.html", 404, page="not_found", what=event_id)
    pages = training.deck_pages(src)
    numbers = [p for p, _ in pages]
    current = page if page in numbers else numbers[0]
    text = dict(pages)[current]
    items = training.review_items(pages, src.source_id)
    idx = numbers.index(current)
    return render(request, "training_event.html", page="training", event=training.event_of(src),
                  current=current, numbers=numbers, page_text=text, items=items,
                  has_pdf=training.deck_pdf(src, assistant.catalog, assistant.settings.corpus_dir) is not None,
                  prev_page=numbers[idx - 1] if idx > 0 else None,
                  next_page=numbers[idx + 1] if idx + 1 < len(numbers) else None)
