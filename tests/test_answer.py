"""The composer is a pure function of (question, hits): no server, no model."""

import re

from assistant.answer import compose
from assistant.models import Chunk, Hit

ART93 = ("Điều 93. Hiệu lực của văn bằng bảo hộ\n"
         "1. Văn bằng bảo hộ có hiệu lực trên toàn lãnh thổ Việt Nam.\n"
         "6. Giấy chứng nhận đăng ký nhãn hiệu có hiệu lực từ ngày cấp đến hết 10 năm kể từ ngày nộp đơn, "
         "có thể gia hạn nhiều lần liên tiếp, mỗi lần 10 năm.")
GUIDE = ("Bước 2: Nộp đơn\nĐơn đăng ký nhãn hiệu gồm các tài liệu sau:\n- tờ khai theo mẫu;\n- mẫu nhãn hiệu;\n"
         "- danh mục hàng hóa, dịch vụ theo Bảng phân loại Nice.")


def _hit(cid, text, locator, kind="law", score=0.03):
    return Hit(chunk=Chunk(chunk_id=cid, source_id=cid.split("#")[0], text=text, title=f"Tài liệu {cid}", kind=kind,
                           locator=locator), score=score, dense=0.5, lexical=10.0)


def test_every_statement_is_marked_and_every_marker_has_a_citation():
    ans = compose("Thời hạn bảo hộ nhãn hiệu là bao lâu?", [_hit("law/a#0", ART93, "Điều 93")])
    assert ans.grounded
    assert "10 năm kể từ ngày nộp đơn" in ans.answer
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", ans.answer)}
    assert markers == {c.n for c in ans.citations}
    assert ans.citations[0].locator == "Điều 93"
    for line in ans.answer.splitlines():
        if line.startswith("- "):
            assert re.search(r"\[\d+\]$", line)


def test_statements_come_verbatim_from_the_sources():
    hits = [_hit("law/a#0", ART93, "Điều 93"), _hit("guide/b#0", GUIDE, "Bước 2: Nộp đơn", kind="guide")]
    ans = compose("Hồ sơ đăng ký nhãn hiệu gồm những gì?", hits)
    source_text = ART93 + "\n" + GUIDE
    for line in ans.answer.splitlines():
        if line.startswith("- "):
            statement = re.sub(r"\s*\[\d+\]$", "", line[2:])
            assert statement in source_text


def test_a_list_introduced_by_a_colon_keeps_its_items():
    ans = compose("Đơn đăng ký nhãn hiệu gồm những tài liệu gì?", [_hit("guide/b#0", GUIDE, "Bước 2", kind="guide")])
    assert "tờ khai theo mẫu" in ans.answer and "mẫu nhãn hiệu" in ans.answer and "Bảng phân loại Nice" in ans.answer


def test_off_topic_questions_are_refused_without_citations():
    ans = compose("Thời tiết Hà Nội ngày mai thế nào?", [_hit("law/a#0", ART93, "Điều 93")],
                  station_hint_vi="Trạm IPPlatform")
    assert not ans.grounded
    assert ans.citations == []
    assert "Trạm IPPlatform" in ans.answer


def test_no_hits_means_no_answer():
    ans = compose("Nhãn hiệu là gì?", [])
    assert not ans.grounded and ans.citations == []


def test_english_questions_with_only_vietnamese_sources_get_the_quotation_marked_as_vietnamese():
    ans = compose("How long is a trademark registration valid?", [_hit("law/a#0", ART93, "Điều 93")])
    assert ans.grounded
    assert ans.answer.startswith("(quoted in Vietnamese)") and "10 năm" in ans.answer
    assert ans.citations[0].language == "vi"
    refused = compose("Write me a poem about the sea", [_hit("law/a#0", ART93, "Điều 93")])
    assert not refused.grounded and "outside the intellectual-property field" in refused.answer
    assert refused.refusal == "out_of_domain"


def test_sentences_about_another_ip_object_give_way_to_the_one_asked_about():
    text = ("Điều 93. Hiệu lực của văn bằng bảo hộ\n"
            "4. Bằng độc quyền kiểu dáng công nghiệp có hiệu lực đến hết 5 năm kể từ ngày nộp đơn.\n"
            "6. Giấy chứng nhận đăng ký nhãn hiệu có hiệu lực đến hết 10 năm kể từ ngày nộp đơn.\n"
            "7. Giấy chứng nhận đăng ký chỉ dẫn địa lý có hiệu lực vô thời hạn kể từ ngày cấp.")
    ans = compose("Thời hạn bảo hộ nhãn hiệu là bao lâu?", [_hit("law/a#0", text, "Điều 93")])
    assert "10 năm" in ans.answer
    assert "kiểu dáng" not in ans.answer and "chỉ dẫn địa lý" not in ans.answer


def test_words_shared_with_other_fields_do_not_make_a_question_about_ip():
    hits = [_hit("guide/b#0", GUIDE, "Bước 2", kind="guide"), _hit("law/a#0", ART93, "Điều 93")]
    for q in ("Thủ tục đăng ký kết hôn gồm những gì?", "Làm sao đăng ký xe máy?",
              "Thuế thu nhập doanh nghiệp là bao nhiêu phần trăm?", "Bảo hộ lao động gồm những gì?",
              "How do I register a car in Hanoi?"):
        assert not compose(q, hits).grounded, q


def test_english_ip_questions_are_grounded_through_the_glossary():
    assert compose("How do I protect my brand name?", [_hit("guide/b#0", GUIDE, "Bước 2", kind="guide")]).grounded


def test_a_chosen_point_brings_the_numbered_clause_that_introduces_it():
    text = ("Điều 60. Tính mới của sáng chế\n"
            "3. Sáng chế không bị coi là mất tính mới nếu đơn được nộp trong thời hạn 12 tháng kể từ ngày công bố, "
            "trong các trường hợp sau:\n"
            "a) sáng chế bị người khác công bố khi chưa được phép;\n"
            "b) sáng chế do chính người có quyền đăng ký công bố tại hội thảo khoa học.")
    ans = compose("Tôi đã trình bày sáng chế tại hội thảo khoa học thì còn đăng ký được không?",
                  [_hit("law/x#0", text, "Điều 60 khoản 3")])
    assert "12 tháng" in ans.answer and "hội thảo khoa học" in ans.answer


def test_a_mark_pre_check_leads_and_the_procedure_keeps_consistent_numbers():
    from dataclasses import dataclass

    from assistant.answer import conflict_lines

    @dataclass
    class C:
        mark: str
        nice_classes: list
        risk: str
        reasons: list
        similarity: float

    procedure = compose("Đơn đăng ký nhãn hiệu gồm những tài liệu gì?", [_hit("guide/b#0", GUIDE, "Bước 2", kind="guide")])
    record = _hit("records/tm/4-2021-00002#0", "[Dữ liệu mẫu — không phải hồ sơ thật] Nhãn hiệu “PHỞ VIỆT” (số 4-2021-00002)",
                  "Số đơn 4-2021-00002", kind="record")
    ans = conflict_lines(procedure, "Pho Viet", [C("PHỞ VIỆT", [43], "high", ["Trùng khi bỏ dấu"], 0.97)], [record], "vi")
    assert ans.answer.index("PHỞ VIỆT") < ans.answer.index("tờ khai")
    assert "dữ liệu mẫu" in ans.answer
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", ans.answer)}
    assert markers == {c.n for c in ans.citations} == {1, 2}
    assert ans.citations[0].kind == "record" and ans.citations[1].kind == "guide"


def test_a_how_long_question_gets_the_sentence_that_carries_the_figure():
    text = ("Vào giai đoạn quốc gia\n"
            "Người nộp đơn phải đưa đơn PCT vào giai đoạn quốc gia tại Việt Nam trước khi hết thời hạn. "
            "Theo Hiệp ước, mức chung là 30 tháng; Việt Nam áp dụng 31 tháng.")
    ans = compose("Đơn PCT vào giai đoạn quốc gia Việt Nam trong thời hạn nào?",
                  [_hit("guide/pct#0", text, "Vào giai đoạn quốc gia", kind="guide")])
    assert "31 tháng" in ans.answer


def test_a_what_is_question_leads_with_the_definition():
    deck = "Thông tin sáng chế\n- Thông tin sáng chế là thông tin kỹ thuật chứa trong các đơn sáng chế đã công bố."
    law = ("Điều 4. Giải thích từ ngữ\n"
           "12. Sáng chế là giải pháp kỹ thuật dưới dạng sản phẩm hoặc quy trình nhằm giải quyết một vấn đề xác định.")
    ans = compose("Sáng chế là gì?", [_hit("training/x#1", deck, "trang 2", kind="training"),
                                      _hit("law/x#0", law, "Điều 4 khoản 12")])
    assert ans.answer.startswith("Sáng chế là giải pháp kỹ thuật")
    assert ans.statements[0]["role"] == "lead"


def test_a_guide_sentence_also_cites_the_article_clause_it_names():
    guide = ("Gia hạn nhãn hiệu\nGiấy chứng nhận đăng ký nhãn hiệu có hiệu lực đến hết 10 năm kể từ ngày nộp đơn, "
             "gia hạn mỗi lần 10 năm (Điều 93 khoản 6 Luật SHTT).")
    k57 = "Điều 93. Hiệu lực\n6. Giấy chứng nhận đăng ký nhãn hiệu có hiệu lực đến hết 10 năm kể từ ngày nộp đơn."
    k14 = "Điều 93. Hiệu lực\n2. Bằng độc quyền sáng chế có hiệu lực đến hết 20 năm kể từ ngày nộp đơn."
    hits = [_hit("guides/tm#3", guide, "Gia hạn nhãn hiệu", kind="guide"),
            Hit(chunk=Chunk(chunk_id="law/05#1", source_id="law/05", text=k14, title="Luật SHTT — Văn bằng", kind="law",
                            locator="Điều 93 khoản 1–4"), score=0.02),
            Hit(chunk=Chunk(chunk_id="law/05#2", source_id="law/05", text=k57, title="Luật SHTT — Văn bằng", kind="law",
                            locator="Điều 93 khoản 5–7"), score=0.02)]
    ans = compose("Nhãn hiệu được gia hạn mỗi lần bao nhiêu năm?", hits)
    line = next(line for line in ans.answer.splitlines() if "Điều 93 khoản 6 Luật SHTT" in line)
    cited = {c.n: c.locator for c in ans.citations}
    markers = [cited[int(n)] for n in re.findall(r"\[(\d+)\]", line)]
    assert "Gia hạn nhãn hiệu" in markers and "Điều 93 khoản 5–7" in markers
    assert "Điều 93 khoản 1–4" not in markers


def test_the_answer_leads_with_the_statement_that_answers_and_says_each_fact_once():
    guide = ("Thời hạn bảo hộ nhãn hiệu\n"
             "Giấy chứng nhận đăng ký nhãn hiệu có hiệu lực 10 năm kể từ ngày nộp đơn, gia hạn nhiều lần, mỗi lần 10 năm.\n"
             "Muốn gia hạn, chủ sở hữu nộp đơn trong 6 tháng trước ngày hết hạn.")
    hits = [_hit("guide/g#0", guide, "Thời hạn bảo hộ nhãn hiệu", kind="guide", score=0.03),
            _hit("law/a#0", ART93, "Điều 93", score=0.029)]
    ans = compose("Nhãn hiệu được bảo hộ bao lâu?", hits)
    assert re.search(r"10 năm", ans.statements[0]["text"])
    from assistant.answer import same_statement

    texts = [s["text"] for s in ans.statements]
    assert not any(same_statement(a, b) for i, a in enumerate(texts) for b in texts[i + 1:])
    # The guide and the article say the same thing: one line, both markers.
    assert any(len(s["cites"]) >= 2 for s in ans.statements)


def test_a_list_appears_only_when_the_question_asks_for_one():
    asks_list = compose("Đơn đăng ký nhãn hiệu gồm những tài liệu gì?", [_hit("guide/b#0", GUIDE, "Bước 2", kind="guide")])
    assert "tờ khai theo mẫu" in asks_list.answer and "Bảng phân loại Nice" in asks_list.answer
    asks_term = compose("Nhãn hiệu được bảo hộ bao lâu?", [_hit("law/a#0", ART93, "Điều 93"),
                                                          _hit("guide/b#0", GUIDE, "Bước 2", kind="guide")])
    assert "tờ khai" not in asks_term.answer


def test_answers_keep_to_a_word_budget_and_carry_the_notice_as_a_field():
    long_text = "Điều 74. Điều kiện\n" + "\n".join(
        f"{i}. Nhãn hiệu bị coi là không có khả năng phân biệt trong trường hợp thứ {i} với dấu hiệu mô tả hàng hóa "
        f"dịch vụ, tên gọi chung, chỉ dẫn về thời gian, địa điểm, phương pháp sản xuất số {i}." for i in range(1, 15))
    ans = compose("Nhãn hiệu có khả năng phân biệt khi nào?", [_hit("law/a#0", long_text, "Điều 74")],
                  station_hint_vi="Trạm IPPlatform")
    assert len(re.sub(r"\[\d+\]", " ", ans.answer).split()) <= 180
    assert "Trạm IPPlatform" in ans.notice and "Trạm IPPlatform" not in ans.answer


def test_another_countrys_law_is_refused_and_says_so():
    ans = compose("How long does a US trademark last?", [_hit("law/a#0", ART93, "Điều 93")])
    assert not ans.grounded and ans.refusal == "foreign_law" and ans.citations == []


def test_a_how_long_question_with_no_figure_in_the_sources_is_not_covered():
    text = "Nhãn hiệu\nNhãn hiệu là dấu hiệu dùng để phân biệt hàng hóa, dịch vụ của các tổ chức, cá nhân khác nhau."
    ans = compose("Thời hạn bảo hộ nhãn hiệu là bao lâu?", [_hit("law/a#0", text, "Điều 4 khoản 16")])
    assert not ans.grounded and ans.refusal == "not_covered"
