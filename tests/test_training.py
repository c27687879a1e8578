"""Training events, the deck reader, review questions drawn from the pages, and event-scoped retrieval."""

from __future__ import annotations

from assistant import training
from assistant.retrieve import Filters, parse_filters

DECK = "training/tap-huan-an-giang"
PAGES = [
    (1, "Khai thác thông tin sáng chế\n• Sự kiện: Hội nghị tập huấn\n• Thời gian: ngày 21/4/2023"),
    (2, "Thông tin sáng chế là gì\n• Thông tin sáng chế là thông tin kỹ thuật, pháp lý và thương mại chứa trong\n"
        "các đơn đăng ký sáng chế đã công bố\n• Tra cứu theo phân loại IPC"),
    (3, "Phân loại IPC\n• 8 phần: A – Nhu cầu đời sống con người; B – Các quy trình công nghệ\n"
        "• Bằng độc quyền sáng chế có hiệu lực đến hết 20 năm kể từ ngày nộp đơn"),
    (4, "Quy trình tra cứu\n1. Xác định từ khóa và chỉ số IPC\n2. Tra cứu trên cơ sở dữ liệu\n3. Đọc phạm vi bảo hộ"),
    (5, "Thực thi quyền\n• Hành vi xâm phạm có thể bị xử lý bằng biện pháp dân sự, hành chính hoặc hình sự (Điều 199 Luật SHTT)"),
]


def test_review_items_come_from_the_pages_with_their_answer_and_page():
    items = training.review_items(PAGES, DECK)
    kinds = {i.kind for i in items}
    assert {"term", "figure", "step"} <= kinds
    assert 5 <= len(items) <= 10
    term = next(i for i in items if i.kind == "term")
    assert term.question == "Thông tin sáng chế là gì?" and term.page == 2
    assert "thông tin kỹ thuật, pháp lý và thương mại chứa trong các đơn" in term.answer  # wrapped line rejoined
    figure = next(i for i in items if i.kind == "figure" and "20" in i.answer)
    assert "____" in figure.question and "20" not in figure.question.split("____")[0][-3:]
    assert figure.answer.startswith("20 năm") and figure.page == 3
    step = next(i for i in items if i.kind == "step")
    assert step.page == 4 and "(1) Xác định từ khóa" in step.answer and "(3) Đọc phạm vi bảo hộ" in step.answer
    for it in items:  # every answer is text of the page it cites
        page_text = " ".join(dict(PAGES)[it.page].split())
        assert it.locator == f"trang {it.page}" and it.page != 1
        first = it.answer.split(" — ")[-1].split("; ")[0].removeprefix("(1) ")
        assert first[:30] in page_text


def test_a_page_without_figures_terms_or_steps_gives_no_items():
    assert training.review_items([(2, "Giới thiệu\n• Chào mừng các đại biểu")], DECK) == []


def test_event_filters_restrict_to_that_deck():
    f = parse_filters(event="tap-huan-an-giang")
    assert f.where() == {"source_id": {"$in": [DECK]}}
    assert parse_filters(source_id=DECK).where() == {"source_id": {"$in": [DECK]}}
    assert Filters(events=("x",)).event_source_ids() == ("training/x",)


def test_the_event_list_names_each_deck_with_date_place_and_audience(http):
    r = http.get("/api/training")
    assert r.status_code == 200
    events = r.json()
    ev = next(e for e in events if e["source_id"] == DECK)
    assert ev["id"] == "tap-huan-an-giang" and ev["pages"] == 2
    assert {"id", "date", "place", "title", "audience", "source_id"} <= set(ev)


def test_review_endpoint_cites_pages_of_the_deck(http):
    r = http.get("/api/training/tap-huan-an-giang/review")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["event"]["source_id"] == DECK
    assert all(i["source_id"] == DECK and i["page"] in (1, 2) for i in body["items"])
    assert http.get("/api/training/../../etc/passwd/review").status_code == 404
    assert http.get("/api/training/no-such-event/review").status_code == 404


def test_event_page_reads_page_by_page_and_links_the_pdf(http):
    r = http.get("/training/tap-huan-an-giang", params={"page": 2})
    assert r.status_code == 200
    assert 'data-page="2"' in r.text and "Ôn tập" in r.text
    assert "IPC" in r.text  # page 2 of the fixture deck
    assert http.get("/training").status_code == 200
    # The test server serves the store only (no IPA_CORPUS_DIR): it has no PDF to give and says so.
    assert http.get("/training/tap-huan-an-giang/deck.pdf").status_code == 404


def test_the_pdf_download_is_the_deck_file_under_the_corpus_folder(assistant):
    from fastapi.testclient import TestClient

    from assistant.api import create_app

    with TestClient(create_app(assistant)) as client:  # settings.corpus_dir is the fixture corpus here
        pdf = client.get("/training/tap-huan-an-giang/deck.pdf")
        assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
        assert pdf.headers["content-type"] == "application/pdf"
        assert client.get("/training/tap-huan-an-giang", params={"page": 2}).text.count('data-testid="deck-pdf"') == 1


def test_event_scoped_chat_cites_only_that_deck(http):
    r = http.post("/api/chat", json={"question": "Tài liệu sáng chế gồm những gì?",
                                     "filters": {"event": "tap-huan-an-giang"}})
    assert r.status_code == 200, r.text
    cits = r.json()["citations"]
    assert cits and {c["source_id"] for c in cits} == {DECK}
    r = http.post("/api/chat", json={"question": "Tài liệu sáng chế gồm những gì?", "filters": {"source_id": DECK}})
    assert {c["source_id"] for c in r.json()["citations"]} <= {DECK}


def test_event_scoped_retrieval_on_the_real_store(assistant):
    hits = assistant.retriever.retrieve("thời hạn bảo hộ nhãn hiệu", 8, Filters(events=("tap-huan-an-giang",)))
    assert hits and {h.chunk.source_id for h in hits} == {DECK}


def test_a_question_naming_a_place_finds_its_event():
    events = [{"place": "An Giang", "title": "Hội nghị tập huấn “Khai thác và sử dụng thông tin sáng chế”"},
              {"place": "Kon Tum", "title": "“Tập huấn nghiệp vụ về SHCN tại tỉnh Kon Tum”"},
              {"place": "Không nêu trong báo cáo", "title": "Khóa huấn luyện chuyên sâu “Nâng cao năng lực quản lý, "
                                                         "khai thác Trạm IPPlatform”"}]
    assert training.event_for_question("Tài liệu An Giang nói gì về IPC?", events) is events[0]
    assert training.event_for_question("bài giảng nâng cao năng lực quản lý, khai thác trạm IPPlatform", events) \
        is events[2]
    assert training.event_for_question("Thời hạn bảo hộ nhãn hiệu?", events) is None


def test_every_2023_deck_in_the_corpus_gets_five_to_ten_review_questions():
    from pathlib import Path

    from pypdf import PdfReader

    decks = sorted((Path(__file__).resolve().parent.parent / "corpus" / "training").glob("*.pdf"))
    assert len(decks) >= 9
    for pdf in decks:
        pages = [(i, p.extract_text() or "") for i, p in enumerate(PdfReader(pdf).pages, 1)]
        items = training.review_items(pages, f"training/{pdf.stem}")
        assert 5 <= len(items) <= 10, pdf.name
        for it in items:
            assert " ".join(dict(pages)[it.page].split()).find(it.answer.split(" — ")[-1][:25]) >= 0 \
                or it.kind in ("step", "basis"), (pdf.name, it)
