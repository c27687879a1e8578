"""The /advice page in headless Debian Chromium: fill the form, see the cited preview, edit, download the .docx."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def in_own_thread(fn):
    """Run fn in a fresh thread: test_browser.py keeps a sync Playwright (and its event loop) open on the main
    thread for the whole session, and a second sync Playwright cannot start on a thread with a running loop."""
    box: dict = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as exc:  # re-raised on the test's thread below
            box["error"] = exc

    t = threading.Thread(target=run)
    t.start()
    t.join(300)
    if "error" in box:
        raise box["error"]
    assert not t.is_alive(), "the browser scenario did not finish in 300 s"
    return box.get("value")


@pytest.fixture()
def page_factory(server):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian Chromium is not installed at {CHROMIUM}")

    def with_page(scenario):
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            context = browser.new_context(base_url=server, accept_downloads=True, locale="vi-VN")
            pg = context.new_page()
            errors: list[str] = []
            pg.on("pageerror", lambda e: errors.append(str(e)))
            try:
                return scenario(pg, errors)
            finally:
                context.close()
                browser.close()

    return lambda scenario: in_own_thread(lambda: with_page(scenario))


def test_fill_preview_edit_and_download_a_docx(page_factory, tmp_path):
    def scenario(page, errors):
        page.goto("/advice")
        page.fill("[data-testid=adv-name]", "Công ty TNHH Hải Sản Xanh")
        page.fill("[data-testid=adv-province]", "Kiên Giang")
        page.fill("[data-testid=adv-request]", "Doanh nghiệp muốn đăng ký bảo hộ thương hiệu cho nước mắm Phú Quốc "
                                               "đặc sản và bao bì sản phẩm")
        page.fill("[data-testid=adv-mark]", "Biển Xanh")
        page.fill("[data-testid=adv-goods]", "nước mắm")
        page.fill("[data-testid=adv-asof]", "2026-12-01")
        page.click("[data-testid=adv-submit]")
        page.wait_for_selector("[data-testid=adv-preview][data-state=done]")

        cites = page.locator("[data-testid=adv-cite]")
        assert cites.count() > 0
        assert page.locator("[data-testid=adv-cite]").first.get_attribute("href").startswith("/sources/")
        sections = page.locator("[data-testid=adv-section]")
        assert sections.count() == 12
        assert "Biển Xanh" in page.locator("section[data-key=precheck]").inner_text()

        # Edit before download: the staff's words go into the file.
        first_request = page.locator("section[data-key=request] [data-testid=adv-text]").first
        first_request.fill("Đoạn đã sửa trước khi tải.")

        with page.expect_download() as dl:
            page.click("[data-testid=adv-docx]")
        path = tmp_path / "letter.docx"
        dl.value.save_as(path)

        from docx import Document

        doc = Document(io.BytesIO(path.read_bytes()))
        heads = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
        for title in ("1. Thông tin chung", "5. Tra cứu sơ bộ nhãn hiệu", "9. Phí, lệ phí dự kiến", "11. Căn cứ pháp lý",
                      "Nguồn trích dẫn"):
            assert title in heads
        body = "\n".join(p.text for p in doc.paragraphs)
        assert "Đoạn đã sửa trước khi tải." in body
        assert "Biển Xanh" in body and "dữ liệu mẫu" in body  # the pre-check and its sample-data note
        endnotes = body.split("Nguồn trích dẫn", 1)[1]
        assert "[1] " in endnotes and "/sources/" in endnotes
        assert errors == []

    page_factory(scenario)
