"""The HTTP contract, against a real server process and a real store."""

import re


def test_health_reports_chunk_and_source_counts(http):
    body = http.get("/healthz").json()
    assert body["status"] == "ok" and body["chunks"] > 0 and body["sources"] > 0


def test_chat_answers_with_numbered_citations_that_match_the_markers(http):
    r = http.post("/api/chat", json={"question": "Thời hạn bảo hộ nhãn hiệu là bao lâu?"})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"answer", "citations", "grounded", "mode", "took_ms", "language", "as_of", "understood",
                         "refusal", "notice", "generation"}
    assert body["understood"]["objects"] == ["trademark"] and body["understood"]["facets"] == ["term"]
    assert body["as_of"] == __import__("datetime").date.today().isoformat() and body["notice"]
    assert body["grounded"] is True and body["mode"] == "extractive"
    assert "10 năm" in body["answer"]
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", body["answer"])}
    assert markers == {c["n"] for c in body["citations"]}
    assert any(c["locator"].startswith("Điều 93") for c in body["citations"])
    cit = body["citations"][0]
    assert set(cit) == {"n", "source_id", "title", "kind", "locator", "snippet", "url", "score", "valid_from",
                        "valid_to", "legal_version", "language"}


def test_chat_answers_for_a_date_and_rejects_dates_outside_the_law(http):
    body = http.post("/api/chat", json={"question": "Thẩm định nội dung đơn nhãn hiệu mất bao lâu?",
                                        "as_of": "2025-06-01"}).json()
    assert body["as_of"] == "2025-06-01" and "09 tháng" in body["answer"]
    for bad in ("2005-01-01", "2999-01-01", "01/06/2025", "yesterday"):
        r = http.post("/api/chat", json={"question": "Nhãn hiệu là gì?", "as_of": bad})
        assert r.status_code in (400, 422) and r.json()["error"], bad


def test_unaccented_questions_find_accented_sources(http):
    body = http.post("/api/chat", json={"question": "thoi han bao ho sang che"}).json()
    assert body["grounded"] and "20 năm" in body["answer"]


def test_off_topic_questions_are_refused(http):
    body = http.post("/api/chat", json={"question": "Thời tiết Hà Nội ngày mai thế nào?"}).json()
    assert body["grounded"] is False and body["citations"] == []


def test_search_ranks_chunks_and_filters_by_kind(http):
    body = http.get("/api/search", params={"q": "nộp đơn nhãn hiệu", "k": 3}).json()
    assert 0 < len(body["results"]) <= 3
    only_law = http.get("/api/search", params={"q": "nộp đơn nhãn hiệu", "kind": "law"}).json()
    assert {r["kind"] for r in only_law["results"]} == {"law"}


def test_training_pdfs_are_cited_by_page(http):
    body = http.get("/api/search", params={"q": "tra cứu theo phân loại IPC", "kind": "training"}).json()
    assert body["results"][0]["locator"] == "trang 2"


def test_a_whole_source_can_be_fetched_and_unknown_ids_are_404(http):
    body = http.get("/api/sources/law/hieu-luc-van-bang").json()
    assert body["kind"] == "law" and "Điều 93" in body["text"]
    assert http.get("/api/sources/law/nope").status_code == 404
    r = http.get("/api/sources/..%2F..%2Fetc%2Fpasswd")
    assert r.status_code == 404 and r.json()["error"] == "not_found"


def test_bad_input_gets_a_clear_json_4xx_never_a_5xx(http):
    cases = [
        {"json": {"question": ""}},
        {"json": {"question": "   "}},
        {"json": {"question": "x" * 2001}},
        {"json": {"question": 42}},
        {"json": {}},
        {"json": {"question": "ok?", "history": "nope"}},
        {"json": {"question": "ok?", "filters": {"kind": "poems"}}},
        {"content": b"{not json", "headers": {"content-type": "application/json"}},
        {"content": bytes(range(256)) * 4, "headers": {"content-type": "application/octet-stream"}},
        {"content": b"x" * 200_000, "headers": {"content-type": "application/json"}},
    ]
    for case in cases:
        r = http.post("/api/chat", **case)
        assert 400 <= r.status_code < 500, (case, r.status_code, r.text[:200])
        body = r.json()
        assert body["error"] and body["detail"], body


def test_streaming_sends_citations_then_tokens_then_done(http):
    with http.stream("POST", "/api/chat/stream", json={"question": "Thời hạn bảo hộ nhãn hiệu là bao lâu?"}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        events = re.findall(r"^event: (\w+)$", r.read().decode(), flags=re.M)
    assert events[0] == "citations" and events[-1] == "done" and "token" in events


def test_follow_up_questions_use_the_conversation(http):
    history = [{"role": "user", "content": "Thời hạn bảo hộ nhãn hiệu là bao lâu?"},
               {"role": "assistant", "content": "10 năm kể từ ngày nộp đơn [1]"}]
    body = http.post("/api/chat", json={"question": "Còn kiểu dáng công nghiệp thì sao?", "history": history}).json()
    assert body["grounded"] and "5 năm" in body["answer"]


def test_english_questions_get_english_answers_with_the_vietnamese_legal_citation(http):
    body = http.post("/api/chat", json={"question": "How long is a trademark registration valid?"}).json()
    assert body["grounded"] and body["language"] == "en"
    assert body["answer"].startswith("A trademark registration lasts 10 years")
    assert any(c["locator"].startswith("Điều 93") for c in body["citations"])
