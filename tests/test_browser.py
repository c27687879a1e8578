"""The web UI in headless Debian Chromium (Playwright for Python; no `playwright install`)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
QUESTION = "Thời hạn bảo hộ nhãn hiệu là bao lâu?"
LAW = "law/hieu-luc-van-bang"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Tab:
    """A page plus the console errors, page errors and CSP violations it produced."""

    def __init__(self, browser, server, viewport=DESKTOP, js=True):
        self.context = browser.new_context(viewport=viewport, base_url=server, java_script_enabled=js,
                                           locale="vi-VN")
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def close(self):
        self.context.close()


@pytest.fixture()
def tab(browser, server):
    t = Tab(browser, server)
    yield t
    t.close()


def ask(page, question: str):
    page.fill("[data-testid=question]", question)
    page.press("[data-testid=question]", "Enter")
    page.wait_for_selector("[data-testid=answer][data-state=done]")
    return page.locator("[data-testid=answer]")


def no_xss(page):
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.evaluate("typeof window.xss") == "undefined"


# --------------------------------------------------------------------------- chat
def test_first_visit_shows_examples_and_a_labelled_question_box(tab):
    page = tab.page
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.get_by_label("Câu hỏi của bạn").count() == 1
    examples = page.locator("[data-testid=example]")
    assert examples.count() == 3 and examples.first.is_visible()
    for group in ("Doanh nghiệp khởi nghiệp", "Học viên tập huấn", "Cán bộ Trạm IPPlatform"):
        assert page.get_by_text(group, exact=False).first.is_visible()
    assert tab.errors == []


def test_question_streams_an_answer_with_citation_chips(tab):
    page = tab.page
    page.goto("/")
    with page.expect_response("**/api/chat/stream") as resp:
        answer = ask(page, QUESTION)
    assert resp.value.headers["content-type"].startswith("text/event-stream")
    assert "10 năm" in answer.inner_text()
    assert answer.get_attribute("aria-busy") == "false"
    assert page.locator("#conversation").get_attribute("aria-live") == "polite"
    chips = answer.locator("[data-testid=citation]")
    assert chips.count() >= 1
    law = answer.locator(f"[data-testid=citation][data-source-id='{LAW}']").first
    assert law.is_visible()
    assert re.search(r"^\s*1\s", law.inner_text()) and "Luật SHTT" in law.inner_text()
    assert "Điều 93" in law.inner_text()
    assert answer.locator("a.cite-ref").count() >= 1  # [n] markers became links
    assert "[1]" not in answer.locator(".answer-body").inner_text()
    assert page.locator("[data-testid=example]").first.is_hidden()  # the intro gives way to the conversation
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-answered.png"))
    assert tab.errors == []  # no CSP violation, no script error


def test_citations_are_shown_even_if_the_stream_stops_before_done(tab):
    page = tab.page

    def truncated(route):
        body = route.fetch().text()
        cut = body.split("event: done")[0]
        route.fulfill(status=200, headers={"content-type": "text/event-stream"}, body=cut)

    page.route("**/api/chat/stream", truncated)
    page.goto("/")
    answer = ask(page, QUESTION)
    assert answer.locator("[data-testid=citation]").count() >= 1
    assert "10 năm" in answer.inner_text()


def test_clicking_a_citation_opens_the_viewer_at_the_highlighted_article(tab):
    page = tab.page
    page.goto("/")
    answer = ask(page, QUESTION)
    chip = answer.locator(f"[data-testid=citation][data-source-id='{LAW}']").first
    chip.click()
    viewer = page.locator("[data-testid=source-viewer]")
    page.wait_for_selector("#source-viewer[data-state=ready]")
    assert viewer.is_visible()
    hi = viewer.locator(".highlight")
    assert hi.count() == 1
    assert hi.get_attribute("data-locator").startswith("Điều 93")
    assert "Giấy chứng nhận đăng ký nhãn hiệu có hiệu lực" in hi.inner_text()
    box, vbox = hi.bounding_box(), viewer.bounding_box()
    assert box["y"] < vbox["y"] + vbox["height"] and box["y"] + box["height"] > vbox["y"]  # scrolled into view
    text = viewer.inner_text()
    assert "Luật SHTT — Hiệu lực văn bằng bảo hộ" in text
    assert "Luật Sở hữu trí tuệ số 50/2005/QH11" in text and "2022-06-16" in text
    official = viewer.locator("a.official-link")
    assert official.get_attribute("href") == "https://vbpl.vn/"
    assert "/sources/law/hieu-luc-van-bang?loc=" in page.locator("#viewer-full").get_attribute("href")
    page.screenshot(path=str(ARTIFACTS / "source-viewer.png"))
    page.keyboard.press("Escape")
    assert viewer.is_hidden()
    assert page.evaluate("document.activeElement.dataset.testid") == "citation"  # focus returns to the chip
    assert tab.errors == []


def test_a_cited_clause_is_marked_inside_the_article(tab):
    page = tab.page
    page.goto("/sources/law/hieu-luc-van-bang?loc=" + "%C4%90i%E1%BB%81u%2093%20kho%E1%BA%A3n%206")
    clause = page.locator(".highlight .cited-clause")
    assert clause.count() == 1 and clause.inner_text().startswith("6. Giấy chứng nhận đăng ký nhãn hiệu")
    assert clause.is_visible()
    assert tab.errors == []


def test_keyboard_enter_sends_shift_enter_breaks_and_chips_open_with_enter(tab):
    page = tab.page
    page.goto("/")
    page.focus("[data-testid=question]")
    page.keyboard.type("dòng một")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("dòng hai")
    assert page.input_value("[data-testid=question]") == "dòng một\ndòng hai"
    assert page.locator("[data-testid=answer]").count() == 0
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.testid") == "send"
    page.fill("[data-testid=question]", QUESTION)
    page.press("[data-testid=question]", "Enter")
    page.wait_for_selector("[data-testid=answer][data-state=done]")
    chip = page.locator("[data-testid=answer] [data-testid=citation]").first
    chip.focus()
    assert page.evaluate("document.activeElement.dataset.testid") == "citation"
    page.keyboard.press("Enter")
    page.wait_for_selector("#source-viewer[data-state=ready]")
    assert page.locator("#source-viewer .highlight").count() == 1


def test_follow_up_questions_send_the_conversation_history(tab):
    page = tab.page
    page.goto("/")
    first = ask(page, QUESTION)
    first_text = first.locator(".answer-body").inner_text()
    with page.expect_request("**/api/chat/stream") as req:
        page.fill("[data-testid=question]", "Có gia hạn được không?")
        page.press("[data-testid=question]", "Enter")
    page.wait_for_function("() => document.querySelectorAll('[data-testid=answer][data-state=done]').length === 1 && "
                           "document.querySelectorAll('.turn-assistant').length === 2")
    body = req.value.post_data_json
    assert body["question"] == "Có gia hạn được không?"
    assert [h["role"] for h in body["history"]] == ["user", "assistant"]
    assert body["history"][0]["content"] == QUESTION
    assert "10 năm" in body["history"][1]["content"] and "10 năm" in first_text
    assert page.locator("[data-testid=answer]").count() == 1  # only the latest answer carries the test id
    page.click("[data-testid=new-chat]")
    assert page.locator(".turn").count() == 0 and page.locator("[data-testid=example]").first.is_visible()


def test_copy_button_copies_the_answer_with_its_sources(tab):
    tab.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = tab.page
    page.goto("/")
    answer = ask(page, QUESTION)
    answer.locator("[data-testid=copy]").click()
    page.wait_for_function("() => document.querySelector('[data-testid=answer] .copy-label').dataset.i18n === 'copied'")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "10 năm" in copied and "Điều 93" in copied


def test_refusals_look_different_and_carry_no_chips(tab):
    page = tab.page
    page.goto("/")
    answer = ask(page, "Thời tiết Hà Nội ngày mai thế nào?")
    assert "ungrounded" in answer.get_attribute("class")
    assert answer.locator("[data-testid=citation]").count() == 0
    assert "Chưa có căn cứ trong kho tài liệu" in answer.inner_text()
    assert "Cục Sở hữu trí tuệ" in answer.inner_text()


def test_language_switch_is_remembered(tab, server):
    page = tab.page
    page.goto("/")
    ask(page, QUESTION)
    page.click("[data-testid=lang-switch]")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("[data-testid=send]").inner_text().strip() == "Send"
    assert page.get_by_label("Your question").count() == 1
    assert page.locator("[data-testid=lang-switch]").inner_text().strip() == "Tiếng Việt"
    assert page.locator("[data-testid=answer] .citations-title").inner_text().strip().lower() == "cited sources"
    assert page.locator("[data-testid=answer]").count() == 1  # switching keeps the conversation
    assert page.evaluate("localStorage.getItem('ipa.lang')") == "en"
    page.reload()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text().startswith("What would you like to know")
    page.goto("/sources")
    assert page.locator("h1").inner_text() == "Sources"
    page.click("[data-testid=lang-switch]")
    assert page.locator("h1").inner_text() == "Nguồn tài liệu"
    assert page.evaluate("localStorage.getItem('ipa.lang')") == "vi"
    assert tab.errors == []


def test_feedback_with_a_comment_reaches_the_staff_listing(tab, server):
    page = tab.page
    page.goto("/")
    question = "Thời hạn bảo hộ nhãn hiệu và thủ tục gia hạn?"
    answer = ask(page, question)
    up = answer.locator("[data-testid=feedback-up]")
    up.click()
    page.wait_for_function("() => document.querySelector('[data-testid=answer] [data-testid=feedback-up]')"
                           ".getAttribute('aria-pressed') === 'true'")
    assert "Cảm ơn" in answer.locator("[data-testid=feedback-status]").inner_text()
    comment = "Nên nêu thêm hồ sơ gia hạn — kiểm thử trình duyệt"
    answer.locator("[data-testid=feedback-comment]").fill(comment)
    answer.locator("[data-testid=feedback-submit]").click()
    page.wait_for_function("() => document.querySelector('[data-testid=answer] [data-testid=feedback-status]')"
                           ".dataset.i18n === 'feedback_comment_thanks'")
    listing = httpx.get(f"{server}/api/feedback", headers={"Authorization": "Bearer staff-secret"}).json()
    mine = [f for f in listing["feedback"] if f["comment"] == comment]
    assert len(mine) == 1
    item = mine[0]
    assert item["rating"] == "up" and item["question"] == question and "10 năm" in item["answer"]
    assert item["citations"] and item["citations"][0]["source_id"]
    assert tab.errors == []


# --------------------------------------------------------------------------- safety
def test_planted_markup_in_sources_and_records_stays_text(tab):
    page = tab.page
    page.goto("/sources/guides/an-toan-hien-thi?loc=M%E1%BB%A5c%201")
    body = page.locator("body").inner_text()
    assert "<script>window.__xss=1</script>" in body
    assert '<img src=x onerror="window.__xss=2">' in body
    assert page.locator("img").count() == 0
    no_xss(page)

    page.goto("/sources/records/trademarks.sample/4-2022-00003")
    body = page.locator("body").inner_text()
    assert "<script>alert('x')</script> Trà Xanh" in body and "<b>an toàn</b>" in body
    assert page.locator("b").count() == 0
    no_xss(page)

    # The live search renders titles client-side from /api/sources.
    page.goto("/sources")
    page.fill("[data-testid=source-search]", "script")
    page.wait_for_function("() => document.querySelectorAll('#source-list li').length === 2")
    titles = page.locator("#source-list .source-title").all_inner_texts()
    assert any("<script>window.__xss=1</script>" in x for x in titles)
    assert any("<script>alert('x')</script>" in x for x in titles)
    no_xss(page)
    assert tab.errors == []


def test_planted_markup_in_answers_citations_and_viewer_stays_text(tab):
    page = tab.page
    evil = '<img src=x onerror="window.__xss=3">'
    citations = [{"n": 1, "source_id": "guides/an-toan-hien-thi", "title": evil, "kind": "guide",
                  "locator": "Mục 1", "snippet": evil, "url": "javascript:window.__xss=6", "score": 1.0}]
    events = [("citations", {"citations": citations}),
              ("token", {"t": f"Xem {evil} và <script>window.__xss=4</script> **đậm** [1]"}),
              ("done", {"grounded": True, "took_ms": 1, "mode": "extractive",
                        "answer": f"Xem {evil} và <script>window.__xss=4</script> **đậm** [1]"})]
    sse = "".join(f"event: {n}\ndata: {json.dumps(d, ensure_ascii=False)}\n\n" for n, d in events)
    page.route("**/api/chat/stream",
               lambda route: route.fulfill(status=200, headers={"content-type": "text/event-stream"}, body=sse))
    page.goto("/")
    answer = ask(page, "câu hỏi bất kỳ")
    text = answer.inner_text()
    assert evil in text and "<script>window.__xss=4</script>" in text
    assert answer.locator("strong").inner_text() == "đậm"
    assert page.locator("img").count() == 0 and page.locator("#conversation script").count() == 0
    chip = answer.locator("[data-testid=citation]")
    assert evil in chip.inner_text()
    chip.click()
    page.wait_for_selector("#source-viewer[data-state=ready]")
    viewer = page.locator("[data-testid=source-viewer]")
    assert "<script>window.__xss=1</script>" in viewer.inner_text()
    assert viewer.locator(".highlight").get_attribute("data-locator").startswith("Mục 1")
    assert page.locator("img").count() == 0
    no_xss(page)

    # A real question whose answer quotes the planted guide.
    page.unroute("**/api/chat/stream")
    page.keyboard.press("Escape")
    answer = ask(page, "Đoạn mẫu chứa chuỗi gì, giao diện web phải in nguyên văn không?")
    if "<script>" in answer.inner_text():
        assert answer.locator("script, img").count() == 0
    no_xss(page)
    assert tab.errors == []


def test_trademark_errors_are_shown_gracefully(tab):
    page = tab.page
    page.route("**/api/trademark/check", lambda route: route.fulfill(
        status=503, content_type="application/json",
        body=json.dumps({"error": "store_missing", "detail": "the trademark index is missing"})))
    page.goto("/trademark")
    page.fill("[data-testid=tm-mark]", "Trà Xanh")
    page.fill("[data-testid=tm-classes]", "99")
    page.click("[data-testid=tm-submit]")
    assert "từ 1 đến 45" in page.locator("#tm-results [role=alert]").inner_text()
    page.fill("[data-testid=tm-classes]", "30")
    page.click("[data-testid=tm-submit]")
    page.wait_for_function("() => document.querySelector('#tm-results').getAttribute('aria-busy') === 'false'")
    assert "chưa sẵn sàng" in page.locator("#tm-results [role=alert]").inner_text()


def test_trademark_check_lists_conflicts(tab, server):
    if httpx.get(f"{server}/healthz").json().get("marks", 0) == 0:
        pytest.skip("the trademark index is empty (/healthz marks == 0): engine not built yet")
    page = tab.page
    page.goto("/trademark")
    page.fill("[data-testid=tm-mark]", "Trà Xanh")
    page.fill("[data-testid=tm-goods]", "chè, trà xanh")
    page.click("[data-testid=tm-submit]")
    page.wait_for_function("() => document.querySelector('#tm-results').getAttribute('aria-busy') === 'false'")
    results = page.locator("#tm-results")
    assert results.locator("[role=alert]").count() == 0, results.inner_text()
    conflicts = results.locator("[data-testid=conflict]")
    assert conflicts.count() >= 1
    assert "<script>alert('x')</script> Trà Xanh" in results.inner_text()
    assert page.locator("#tm-results script, #tm-results b").count() == 0
    no_xss(page)
    page.screenshot(path=str(ARTIFACTS / "trademark.png"), full_page=True)


# --------------------------------------------------------------------------- phone & no-JS
def test_phone_layout_has_no_horizontal_scroll(browser, server):
    t = Tab(browser, server, viewport=PHONE)
    try:
        page = t.page
        page.goto("/")
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
        answer = ask(page, QUESTION)
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(ARTIFACTS / "chat-phone.png"))
        answer.locator("[data-testid=citation]").first.click()
        page.wait_for_selector("#source-viewer[data-state=ready]")
        vbox = page.locator("[data-testid=source-viewer]").bounding_box()
        assert vbox["width"] >= PHONE["width"] - 1
        page.screenshot(path=str(ARTIFACTS / "source-viewer-phone.png"))
        for path in ("/sources", "/trademark", "/sources/law/hieu-luc-van-bang?loc=%C4%90i%E1%BB%81u%2093"):
            page.goto(path)
            assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"], path
        assert t.errors == []
    finally:
        t.close()


def test_without_javascript_the_form_answers_and_links_to_the_source(browser, server):
    t = Tab(browser, server, js=False)
    try:
        page = t.page
        page.goto("/")
        page.fill("[data-testid=question]", QUESTION)
        page.click("[data-testid=send]")
        page.wait_for_url("**/ask")
        answer = page.locator("[data-testid=answer]")
        assert "10 năm" in answer.inner_text()
        chip = answer.locator(f"[data-testid=citation][data-source-id='{LAW}']").first
        chip.click()
        page.wait_for_url(re.compile(r"/sources/law/hieu-luc-van-bang\?loc=.*#cited$"))
        hi = page.locator(".highlight")
        assert hi.get_attribute("data-locator").startswith("Điều 93") and hi.get_attribute("id") == "cited"
    finally:
        t.close()
