"""Figures are read as values: the guard and the card validator compare what a figure means, not its spelling."""

import pytest

from assistant.figures import Figure, extract, unsupported


def values(text):
    return [(f.kind, f.value, f.unit) for f in extract(text)]


@pytest.mark.parametrize("text", ["10 năm", "10 nam", "mười năm", "muoi nam", "10 years", "ten years"])
def test_a_duration_reads_the_same_in_vietnamese_with_or_without_diacritics_and_in_english(text):
    assert values(text) == [("quantity", 10.0, "year")]


@pytest.mark.parametrize("text,expected", [
    ("05 tháng", ("quantity", 5.0, "month")), ("5 months", ("quantity", 5.0, "month")),
    ("hai mươi năm", ("quantity", 20.0, "year")), ("hai mươi mốt ngày", ("quantity", 21.0, "day")),
    ("mười lăm ngày", ("quantity", 15.0, "day")),
    ("30 ngày làm việc", ("quantity", 30.0, "working_day")), ("30 working days", ("quantity", 30.0, "working_day")),
    ("50%", ("quantity", 50.0, "percent")), ("50 phần trăm", ("quantity", 50.0, "percent")),
    ("2 lần", ("quantity", 2.0, "times")), ("twice", ("quantity", 2.0, "times")), ("hai lần", ("quantity", 2.0, "times")),
])
def test_quantities_carry_their_unit(text, expected):
    assert values(text) == [expected]


def test_working_days_are_not_calendar_days():
    assert unsupported("Thẩm định trong 30 ngày [1].", ["Thẩm định trong 30 ngày làm việc."])


@pytest.mark.parametrize("text", ["1.000.000 đồng", "1 triệu đồng", "1,000,000 VND", "VND 1 million", "1 million VND",
                                  "1 trieu dong", "1.000.000đ"])
def test_a_million_dong_is_one_amount_however_it_is_written(text):
    assert values(text) == [("amount", 1_000_000.0, "VND")]


@pytest.mark.parametrize("text", ["1 tỷ đồng", "VND 1 billion", "1.000.000.000 đồng", "1 ty dong"])
def test_a_billion_dong(text):
    assert values(text) == [("amount", 1e9, "VND")]


def test_decimal_comma_and_point_in_amounts():
    assert values("1,5 triệu đồng") == values("VND 1.5 million") == [("amount", 1_500_000.0, "VND")]


@pytest.mark.parametrize("text", ["01/04/2026", "1/4/2026", "2026-04-01", "1 April 2026", "April 1, 2026",
                                  "ngày 1 tháng 4 năm 2026", "ngay 01 thang 04 nam 2026"])
def test_dates_are_dates_whatever_the_format(text):
    assert values(text) == [("date", "2026-04-01", None)]


@pytest.mark.parametrize("text", ["Điều 93 khoản 6", "khoản 6 Điều 93", "Article 93(6)", "clause 6 of Article 93",
                                  "Dieu 93 khoan 6", "Art. 93.6"])
def test_an_article_clause_reference_reads_the_same_in_both_languages(text):
    assert values(text) == [("article", "93(6)", None)]


def test_a_point_of_a_clause():
    assert values("điểm a khoản 1 Điều 74") == values("Article 74(1)(a)") == [("article", "74(1)(a)", None)]


def test_legal_document_numbers_are_one_figure_not_three_numbers():
    assert values("Luật 131/2025/QH15") == [("number", "131/2025/qh15", "document")]
    assert values("Nghị định 65/2023/NĐ-CP") == [("number", "65/2023/nd-cp", "document")]


def test_citation_markers_and_list_numbering_are_not_figures():
    assert extract("Nộp đơn tại Cục [1][2].") == []
    assert extract("1. Nộp đơn [1]\n2. Chờ thẩm định [2]") == []


def test_words_that_only_look_like_numbers_are_not_read_as_numbers():
    assert extract("Việt Nam") == []
    assert values("sau năm 2026") == [("number", 2026.0, None)]  # "sau" is "after", "năm 2026" a year
    assert values("sau năm năm") == [("quantity", 5.0, "year")]  # after five years


def test_figures_keep_the_text_as_written():
    [f] = extract("Bảo hộ mười năm [1].")
    assert f == Figure("quantity", 10.0, "year", "mười năm")


# --- unsupported: the statement's figures no source states

def test_one_year_is_not_in_a_source_that_says_ten_years():
    [f] = unsupported("Nhãn hiệu được bảo hộ 1 năm [1].", ["Nhãn hiệu được bảo hộ 10 năm kể từ ngày nộp đơn."])
    assert (f.kind, f.value, f.unit, f.text) == ("quantity", 1.0, "year", "1 năm")


def test_the_same_figure_in_other_words_is_supported():
    source = "Giấy chứng nhận đăng ký nhãn hiệu có hiệu lực 10 năm, phí 1.000.000 đồng, từ ngày 01/04/2026."
    assert unsupported("A trademark certificate is valid for ten years [1].", [source]) == []
    assert unsupported("Phí là 1 triệu đồng [1].", [source]) == []
    assert unsupported("In force since 1 April 2026 [1].", [source]) == []
    assert unsupported("Bao ho muoi nam [1].", [source]) == []


def test_a_figure_is_checked_against_every_source_given():
    assert unsupported("Sáng chế 20 năm, nhãn hiệu 10 năm.", ["Sáng chế: 20 năm.", "Nhãn hiệu: 10 năm."]) == []
    assert [f.text for f in unsupported("Sáng chế 25 năm.", ["Sáng chế: 20 năm.", "Nhãn hiệu: 10 năm."])] == ["25 năm"]


def test_a_different_unit_is_a_different_figure():
    assert [f.text for f in unsupported("Trả lời trong 10 tháng.", ["Hiệu lực 10 năm."])] == ["10 tháng"]
    assert [f.text for f in unsupported("Phí 100 USD.", ["Phí 100 đồng."])] == ["100 USD"]


def test_amounts_that_differ_by_a_factor_of_ten_are_different():
    assert [f.text for f in unsupported("Phí 10 triệu đồng.", ["Phí 1.000.000 đồng."])] == ["10 triệu đồng"]


def test_a_different_date_is_unsupported():
    assert [f.text for f in unsupported("Có hiệu lực từ 01/01/2026.", ["Có hiệu lực từ 01/04/2026."])] == ["01/01/2026"]


def test_an_article_is_held_by_a_source_naming_any_of_its_clauses_but_a_clause_needs_that_clause():
    source = "Luật SHTT — khoản 6 Điều 93: gia hạn nhiều lần, mỗi lần 10 năm."
    assert unsupported("Theo Điều 93 [1].", [source]) == []
    assert unsupported("Theo Article 93(6) [1].", [source]) == []
    assert [f.text for f in unsupported("Theo Điều 93 khoản 5 [1].", [source])] == ["Điều 93 khoản 5"]
    assert [f.text for f in unsupported("Theo Điều 94 [1].", [source])] == ["Điều 94"]


def test_ranges_state_both_ends():
    source = "Thẩm định nội dung từ 12 đến 18 tháng."
    assert unsupported("Thẩm định mất 12-18 tháng [1].", [source]) == []
    assert [f.text for f in unsupported("Thẩm định mất 9 tháng [1].", [source])] == ["9 tháng"]


def test_a_statement_without_figures_has_nothing_unsupported():
    assert unsupported("Nhãn hiệu cần có khả năng phân biệt [1].", []) == []
