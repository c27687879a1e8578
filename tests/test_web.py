"""The web UI over HTTP (no browser): pages, headers, the no-JS form, feedback, escaping."""

from __future__ import annotations

import re
from types import SimpleNamespace
from urllib.parse import quote

import pytest

from assistant.web import CSP, cited_clauses, match_section, render_answer, safe_url, source_blocks

QUESTION = "Thời hạn bảo hộ nhãn hiệu là bao lâu?"
STAFF = {"Authorization": "Bearer staff-secret"}


def _feedback(**over):
    body = {"question": QUESTION, "answer": "Mười năm [1]", "rating": "up",
            "citations": [{"n": 1, "source_id": "law/hieu-luc-van-bang", "locator": "Điều 93", "title": "Luật",
                           "snippet": "ignored extra field", "score": 0.5}]}
    body.update(over)
    return body


# --------------------------------------------------------------------------- pages & headers
def test_chat_page_renders_the_controls_and_the_three_example_groups(http):
    r = http.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<html lang="vi">' in html
    for testid in ("question", "send", "lang-switch", "source-viewer"):
        assert f'data-testid="{testid}"' in html
    assert '<label class="composer-label" for="question"' in html
    for q in ("Làm thế nào để bảo hộ thương hiệu cho sản phẩm của tôi?",
              "Tài liệu tập huấn An Giang nói gì về thông tin sáng chế?",
              "Thời hạn bảo hộ nhãn hiệu và thủ tục gia hạn?"):
        assert q in html
    assert 'method="post" action="/ask"' in html
    assert 'aria-live="polite"' in html


def test_every_response_carries_the_security_headers(http):
    for r in (http.get("/"), http.get("/sources"), http.get("/healthz"), http.get("/static/app.js"),
              http.get("/api/sources/nope"), http.post("/api/chat", json={})):
        assert r.headers["content-security-policy"] == CSP, r.url
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
        assert r.headers["x-frame-options"] == "DENY"
    assert "script-src 'self';" in CSP and "frame-ancestors 'none'" in CSP and "unsafe-inline" not in CSP


def test_pages_have_no_inline_script_or_style(http):
    for path in ("/", "/sources", "/trademark", "/sources/law/hieu-luc-van-bang"):
        html = http.get(path).text
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
        for attrs, body in scripts:
            assert 'src="/static/' in attrs or 'type="application/json"' in attrs, (path, attrs)
            assert 'src="/static/' not in attrs or not body.strip()
        assert not re.search(r"\sstyle=", html), path
        assert not re.search(r"\son[a-z]+=", html), path
        assert "<style" not in html


def test_static_assets_are_served(http):
    js = http.get("/static/app.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert not re.search(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write", js.text)  # textContent only
    assert http.get("/static/app.css").status_code == 200


def test_english_switch_by_query_and_cookie(http):
    r = http.get("/", params={"lang": "en"})
    assert '<html lang="en">' in r.text and ">Send<" in r.text
    assert r.cookies.get("lang") == "en"
    again = http.get("/sources")  # the client kept the cookie
    assert '<html lang="en">' in again.text
    back = http.get("/", params={"lang": "vi"})
    assert '<html lang="vi">' in back.text and ">Gửi<" in back.text


# --------------------------------------------------------------------------- no-JS chat
def test_ask_form_post_answers_without_javascript(http):
    r = http.post("/ask", data={"question": QUESTION})
    assert r.status_code == 200
    html = r.text
    assert "10 năm" in html
    assert 'data-testid="answer"' in html and 'data-testid="citation"' in html
    href = "/sources/law/hieu-luc-van-bang?loc=" + quote("Điều 93").replace("%20", "+")
    assert href in html  # citation chips link to the cited place
    assert 'class="cite-ref"' in html  # [n] markers became links
    assert 'data-testid="answer-as-of"' in html  # which date's law the answer states
    assert 'data-testid="answer-notice"' in html  # the not-legal-advice notice sits beside the answer


def test_ask_form_answers_for_an_earlier_date(http):
    html = http.post("/ask", data={"question": "Thẩm định nội dung đơn nhãn hiệu mất bao lâu?",
                                   "as_of": "2025-06-01"}).text
    assert "09 tháng" in html and "01/06/2025" in html


def test_ask_form_refusal_looks_different(http):
    html = http.post("/ask", data={"question": "Thời tiết Hà Nội ngày mai thế nào?"}).text
    assert "ungrounded" in html and "Chưa có căn cứ" in html
    assert 'data-testid="citation"' not in html


def test_ask_form_rejects_an_empty_question_with_a_page(http):
    r = http.post("/ask", data={"question": "   "})
    assert r.status_code == 422 and "Vui lòng nhập câu hỏi" in r.text
    assert http.get("/ask", follow_redirects=False).status_code == 303


def test_render_answer_escapes_before_formatting():
    cits = [{"n": 1, "source_id": "a/b", "title": 'T"<x>', "locator": "Điều 1", "kind": "law"}]
    html = str(render_answer('Intro <img src=x onerror="alert(1)">\n- **đậm** item [1] [7]\n\nEnd', cits))
    assert "<img" not in html and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert "<strong>đậm</strong>" in html and "<ul><li>" in html
    assert 'href="/sources/a/b?loc=%C4%90i%E1%BB%81u+1#cited"' in html
    assert "[7]" in html  # unknown markers stay text
    assert 'title="T&#34;&lt;x&gt; — Điều 1"' in html


def test_match_section_finds_the_cited_place():
    secs = [{"locator": "Điều 9. Khác", "heading": "Điều 9. Khác", "page": None},
            {"locator": "Điều 93. Hiệu lực của văn bằng bảo hộ", "heading": "Điều 93. Hiệu lực", "page": None},
            {"locator": "trang 2", "heading": None, "page": 2}]
    assert match_section(secs, "Điều 93") == 1
    assert match_section(secs, "Điều 93 khoản 6") == 1
    assert match_section(secs, "điều 9") == 0
    assert match_section(secs, "trang 2") == 2
    assert match_section(secs, "Điều 12") is None
    assert match_section(secs, "") is None


def test_source_blocks_reflow_wraps_and_mark_the_cited_clauses():
    text = ("Intro line wrapped\n   onto two lines:\n1. First clause\n   continues here.\n2. Second **bold**\n"
            "a) point of two\n3. Third <b>x</b>\n\nAfter.")
    blocks = source_blocks(text, cited_clauses("Điều 5 khoản 2–3"))
    texts = [str(b["html"]) for b in blocks]
    assert texts[0] == "Intro line wrapped onto two lines:"
    assert texts[1] == "1. First clause continues here."
    assert texts[2] == "2. Second <strong>bold</strong>" and "&lt;b&gt;x&lt;/b&gt;" in texts[4]
    assert [b["cited"] for b in blocks] == [False, False, True, True, True, False]
    assert cited_clauses("Điều 93") is None and cited_clauses("Điều 93 khoản 6") == (6, 6)


def test_safe_url_only_allows_http_links():
    assert safe_url("https://vbpl.vn/") == "https://vbpl.vn/"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//evil", None, 'https://x" onmouseover="y'):
        assert safe_url(bad) is None


# --------------------------------------------------------------------------- sources
def test_sources_page_lists_and_filters(http):
    html = http.get("/sources").text
    assert "law/hieu-luc-van-bang" in html and "guides/dang-ky-nhan-hieu" in html
    law = http.get("/sources", params={"kind": "law"}).text
    assert "law/hieu-luc-van-bang" in law and "guides/dang-ky-nhan-hieu" not in law
    q = http.get("/sources", params={"q": "nhãn hiệu"}).text
    assert "guides/dang-ky-nhan-hieu" in q and "training/tap-huan-an-giang" not in q


def test_source_page_highlights_the_cited_article_with_legal_metadata(http):
    r = http.get("/sources/law/hieu-luc-van-bang", params={"loc": "Điều 93 khoản 6"})
    assert r.status_code == 200
    html = r.text
    m = re.search(r'<section class="src-section highlight" data-locator="([^"]+)"', html)
    assert m and m.group(1).startswith("Điều 93")
    assert html.count("src-section highlight") == 1
    cited = re.findall(r'<p class="src-line src-item cited-clause">(.*?)</p>', html)
    assert len(cited) == 1 and cited[0].startswith("6. Giấy chứng nhận đăng ký nhãn hiệu")
    assert "Luật Sở hữu trí tuệ số 50/2005/QH11" in html and "2022-06-16" in html
    assert 'href="https://vbpl.vn/"' in html and 'rel="noopener noreferrer"' in html


def test_pdf_source_page_highlights_the_cited_page(http):
    html = http.get("/sources/training/tap-huan-an-giang", params={"loc": "trang 2"}).text
    assert re.search(r'<section class="src-section highlight" data-locator="trang 2"', html)


def test_unknown_source_is_a_404_page(http):
    r = http.get("/sources/khong/co")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]


def test_planted_markup_in_a_source_is_escaped(http):
    html = http.get("/sources/guides/an-toan-hien-thi", params={"loc": "Mục 1"}).text
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html
    assert "<script>window.__xss" not in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=&#34;window.__xss=2&#34;&gt;" in html
    listing = http.get("/sources").text
    assert "<script>window" not in listing and "<script>alert" not in listing


def test_planted_markup_in_a_record_is_escaped(http):
    html = http.get("/sources/records/trademarks.sample/4-2022-00003").text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Trà Xanh" in html
    assert "<script>alert" not in html and "<b>an toàn</b>" not in html


def test_record_redirect_finds_the_record_page(http):
    r = http.get("/records/4-2022-00003", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/sources/records/trademarks.sample/4-2022-00003"


# --------------------------------------------------------------------------- trademark
def test_trademark_page_and_no_js_post_never_show_a_traceback(http):
    assert 'action="/trademark"' in http.get("/trademark").text
    r = http.post("/trademark", data={"mark": "Trà Xanh", "classes": "30", "goods": "chè"})
    assert "text/html" in r.headers["content-type"] and "Traceback" not in r.text
    if r.status_code == 200:
        assert 'data-testid="tm-results"' in r.text and "&lt;script&gt;" in r.text or "Chưa thấy" in r.text
        assert "<script>alert" not in r.text
    else:
        assert r.status_code in (500, 503) and 'role="alert"' in r.text
    bad = http.post("/trademark", data={"mark": "X", "classes": "99"})
    assert bad.status_code == 422 and "từ 1 đến 45" in bad.text


# --------------------------------------------------------------------------- feedback
def test_feedback_is_validated(http):
    cases = [
        _feedback(rating="meh"),
        _feedback(question=""),
        _feedback(question="   "),
        _feedback(answer=5),
        _feedback(comment="x" * 2001),
        _feedback(question="q" * 2001),
        _feedback(citations="not a list"),
        _feedback(citations=[{"n": "1", "source_id": "x"}]),
        _feedback(unexpected=True),
        {"question": QUESTION, "answer": "a"},
    ]
    for body in cases:
        r = http.post("/api/feedback", json=body)
        assert r.status_code == 422, body
        assert r.json()["error"] == "invalid_input"
    r = http.post("/api/feedback", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"] == "invalid_input"
    big = http.post("/api/feedback", json=_feedback(answer="x" * 70_000))
    assert big.status_code == 413


def test_feedback_round_trip_and_staff_only_listing(http):
    r = http.post("/api/feedback", json=_feedback(rating="down", comment="  thiếu thủ tục gia hạn  "))
    assert r.status_code == 201
    fid, key = r.json()["id"], r.json()["key"]

    assert http.get("/api/feedback").status_code == 403
    assert http.get("/api/feedback", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert http.get("/api/feedback", headers={"Authorization": "staff-secret"}).status_code == 403
    listing = http.get("/api/feedback", headers=STAFF)
    assert listing.status_code == 200
    item = next(f for f in listing.json()["feedback"] if f["id"] == fid)
    assert item["rating"] == "down" and item["comment"] == "thiếu thủ tục gia hạn"
    assert item["citations"] == [{"n": 1, "source_id": "law/hieu-luc-van-bang", "locator": "Điều 93", "title": "Luật"}]

    # A comment added later with the key updates the same vote; a wrong key is refused.
    assert http.post(f"/api/feedback/{fid}", json={"key": "x" * 20, "comment": "hack"}).status_code == 403
    assert http.post(f"/api/feedback/{fid}", json={"key": key}).status_code == 422
    assert http.post(f"/api/feedback/{fid}", json={"key": key, "comment": "đã rõ", "rating": "up"}).status_code == 200
    item = next(f for f in http.get("/api/feedback", headers=STAFF).json()["feedback"] if f["id"] == fid)
    assert item["comment"] == "đã rõ" and item["rating"] == "up" and item["updated_at"]


def test_feedback_listing_is_off_without_a_configured_token(tmp_path):
    from fastapi.testclient import TestClient

    from assistant.api import create_app
    from assistant.settings import Settings

    fake = SimpleNamespace(settings=Settings(store_dir=tmp_path, feedback_token=None))
    with TestClient(create_app(fake)) as client:
        assert client.post("/api/feedback", json=_feedback()).status_code == 201
        r = client.get("/api/feedback", headers={"Authorization": "Bearer "})
        assert r.status_code == 404 and r.json()["error"] == "not_found"
        assert r.headers["content-security-policy"] == CSP


@pytest.mark.parametrize("path", ["/", "/sources", "/trademark", "/sources/law/hieu-luc-van-bang"])
def test_pages_in_english(http, path):
    html = http.get(path, params={"lang": "en"}).text
    assert '<html lang="en">' in html and "Tiếng Việt" in html  # the switch offers the other language
