"""Advice letters for station staff: sections assembled from cited sources, records and the fee table."""

from __future__ import annotations

import io
from datetime import date

import pytest

from assistant import advice
from assistant.errors import BadInput

REQUEST = ("Doanh nghiệp muốn đăng ký bảo hộ thương hiệu cho nước mắm Phú Quốc đặc sản và bao bì sản phẩm")
ENTERPRISE = {"name": "Công ty TNHH Hải Sản Xanh", "province": "Kiên Giang", "sector": "chế biến thủy sản"}


@pytest.fixture(scope="module")
def letter(assistant):
    return advice.draft(assistant, ENTERPRISE, REQUEST, mark="Biển Xanh", goods="nước mắm", nice_classes=[29, 30],
                        as_of=date(2026, 12, 1), station="Trạm IPPlatform Kiên Giang")


def section(d, key):
    return next(s for s in d["sections"] if s["key"] == key)


def test_the_letter_has_the_sections_of_a_vietnamese_advice_letter_in_order(letter):
    keys = [s["key"] for s in letter["sections"]]
    assert keys == ["header", "addressee", "request", "objects", "precheck", "conditions", "documents", "steps",
                    "fees", "risks", "legal_basis", "signature"]
    assert [s["number"] for s in letter["sections"]] == list(range(1, 13))
    header = section(letter, "header")["paragraphs"][0]["text"]
    # Kiên Giang merged into An Giang in 2025: the letter names the current province and the former one.
    assert "Trạm IPPlatform Kiên Giang" in header and "An Giang" in header and "01/12/2026" in header
    assert section(letter, "addressee")["paragraphs"][0]["text"] == "Kính gửi: Công ty TNHH Hải Sản Xanh"
    assert section(letter, "addressee")["paragraphs"][1]["text"].startswith("V/v tư vấn bảo hộ")


def test_objects_follow_the_request_and_the_gi_register_is_cited(letter):
    assert {"trademark", "gi", "design"} <= set(letter["objects"])
    objs = section(letter, "objects")["paragraphs"]
    cited = {letter["citations"][n - 1]["source_id"] for p in objs for n in p["cites"]}
    assert any(sid.startswith("records/") for sid in cited)  # the Phú Quốc GI record


def test_every_cited_sentence_is_text_of_the_source_it_cites(letter, assistant):
    checked = 0
    for s in letter["sections"]:
        if s["key"] not in ("conditions", "documents", "steps"):
            continue
        for p in s["paragraphs"]:
            assert p["cites"], p
            c = letter["citations"][p["cites"][0] - 1]
            src = assistant.source(c["source_id"])
            body = " ".join((src.get("text") or " ".join(x["text"] for x in src.get("pages", []))).replace("**", "")
                            .split())
            assert p["text"][:60] in body
            checked += 1
    assert checked >= 1


def test_the_precheck_lists_record_conflicts_with_risk_and_the_sample_note(letter):
    paras = section(letter, "precheck")["paragraphs"]
    assert "Biển Xanh" in paras[0]["text"]
    assert any("dữ liệu mẫu" in p["text"] for p in paras)
    assert any("dữ liệu mẫu" in w for w in letter["warnings"])


def test_fees_show_the_working_and_cite_the_schedule(letter):
    paras = section(letter, "fees")["paragraphs"]
    text = " ".join(p["text"] for p in paras)
    assert "Tổng cộng: 1.730.000 đồng" in text  # 2 classes × up to 6: 150k + 120k + 2×180k + 2×550k
    assert "phí dịch vụ" in text
    n = paras[0]["cites"][0]
    assert letter["citations"][n - 1]["title"].startswith("Thông tư 263/2016/TT-BTC")


def test_a_request_without_a_mark_does_not_crash_and_says_no_precheck(assistant):
    d = advice.draft(assistant, {"name": "HTX Bưởi", "province": "Phú Thọ"}, "Tư vấn đăng ký chỉ dẫn địa lý cho đặc sản")
    paras = section(d, "precheck")["paragraphs"]
    assert len(paras) == 1 and "chưa nêu dấu hiệu" in paras[0]["text"]


@pytest.mark.parametrize("enterprise,request_text,kw,msg", [
    ({"name": "A", "province": "Atlantis"}, "Tư vấn nhãn hiệu", {}, "unknown province"),
    ({"name": " ", "province": "Hà Nội"}, "Tư vấn nhãn hiệu", {}, "enterprise.name"),
    ({"name": "A", "province": "Hà Nội"}, "   ", {}, "request"),
    ({"name": "A", "province": "Hà Nội"}, "x" * 5000, {}, "longer"),
    ({"name": "A", "province": "Hà Nội"}, "Tư vấn", {"nice_classes": [0]}, "nice_classes"),
])
def test_bad_input_is_refused(assistant, enterprise, request_text, kw, msg):
    with pytest.raises(BadInput, match=msg):
        advice.draft(assistant, enterprise, request_text, **kw)


def test_markdown_lists_sections_and_endnotes(letter):
    md = advice.to_markdown(letter)
    assert "## 1. Thông tin chung" in md and "## Nguồn trích dẫn" in md
    assert "[1] " in md


def test_http_json_docx_and_md(http):
    body = {"enterprise": ENTERPRISE, "request": REQUEST, "mark": "Biển Xanh", "goods": "nước mắm",
            "as_of": "2026-12-01"}
    r = http.post("/api/advice", json=body)
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["as_of"] == "2026-12-01" and d["citations"] and d["sections"][0]["key"] == "header"
    r = http.post("/api/advice", params={"format": "docx"}, json=body)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    from docx import Document

    doc = Document(io.BytesIO(r.content))
    heads = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "1. Thông tin chung" in heads and "Nguồn trích dẫn" in heads
    r = http.post("/api/advice", params={"format": "md"}, json=body)
    assert r.status_code == 200 and r.text.startswith("# V/v tư vấn bảo hộ")
    edited = dict(d)
    edited["sections"] = [dict(s) for s in d["sections"]]
    edited["sections"][2] = {**d["sections"][2], "paragraphs": [{"text": "Đã sửa bởi cán bộ trạm.", "cites": []}]}
    r = http.post("/api/advice/export", params={"format": "md"}, json=edited)
    assert r.status_code == 200 and "Đã sửa bởi cán bộ trạm." in r.text


@pytest.mark.parametrize("body", [
    {},
    {"enterprise": {"name": "A", "province": "Hà Nội"}, "request": ""},
    {"enterprise": {"name": "A", "province": "Hà Nội"}, "request": "x" * 5000},
    {"enterprise": {"name": "A", "province": "Hà Nội"}, "request": "Tư vấn", "as_of": "2026-13-45"},
    {"enterprise": {"name": "A", "province": "Nowhere"}, "request": "Tư vấn"},
])
def test_http_bad_input_gets_a_clear_4xx(http, body):
    r = http.post("/api/advice", json=body)
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["detail"]


def test_sentences_drop_headings_lead_ins_and_fragments():
    text = ("Điều kiện chung đối với nhãn hiệu được bảo hộ\n"
            "Nhãn hiệu được bảo hộ nếu đáp ứng các điều kiện sau đây:\n"
            "a) Là dấu hiệu nhìn thấy được dưới dạng chữ cái, từ ngữ, hình vẽ, hình ảnh;\n"
            "Tổ chức, cá nhân sản xuất.")
    assert advice.sentences(text) == ["Là dấu hiệu nhìn thấy được dưới dạng chữ cái, từ ngữ, hình vẽ, hình ảnh."]


def test_a_definition_must_define_the_term_itself():
    from assistant.models import Chunk, Hit

    def hit(text):
        return Hit(chunk=Chunk(chunk_id=text[:9], source_id="law/x", text=text, title="t", kind="law", locator="Điều 4"),
                   score=1.0)

    hits = [hit("Kiểu dáng công nghiệp được coi là có khả năng áp dụng công nghiệp khi dùng làm mẫu chế tạo hàng loạt."),
            hit("Kiểu dáng công nghiệp (khoản 13 Điều 4) là hình dáng bên ngoài của sản phẩm, thể hiện bằng đường nét.")]
    got = advice.pick("kiểu dáng công nghiệp là hình dáng bên ngoài của sản phẩm", hits, 1, set(),
                      must="kieu dang cong nghiep")
    assert [s for s, _ in got] == [hits[1].chunk.text]


def test_a_date_before_the_fee_table_says_so_instead_of_estimating(assistant):
    d = advice.draft(assistant, {"name": "A", "province": "Hà Nội"}, "Tư vấn đăng ký nhãn hiệu", mark="Sen Hồng",
                     as_of=date(2015, 3, 1))
    fees_text = [p["text"] for p in section(d, "fees")["paragraphs"]]
    assert len(fees_text) == 1 and "không có biểu phí" in fees_text[0]


def test_the_docx_drops_characters_xml_cannot_hold(letter):
    from docx import Document

    from assistant.docx_export import to_docx

    edited = {**letter, "sections": [{**letter["sections"][0],
                                      "paragraphs": [{"text": "Trạm\x00 số\x0b 1", "cites": []}]}]}
    doc = Document(io.BytesIO(to_docx(edited)))
    assert "Trạm số 1" in [p.text for p in doc.paragraphs]
