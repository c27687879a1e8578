"""Official fee estimates show their working; known cases computed by hand from the TT 263/2016 table."""

from __future__ import annotations

import pytest

from assistant import fees
from assistant.errors import BadInput
from assistant.text import fold


def amount(item_id: str) -> int:
    return fees.item(item_id)["amount"]


def test_one_class_with_six_products_costs_the_four_filing_items():
    est = fees.estimate("trademark", "filing", products_per_class=[6], as_of="2026-12-01")
    by_hand = amount("filing") + amount("publication_application") + amount("tm_search") + amount("tm_examination")
    assert by_hand == 150_000 + 120_000 + 180_000 + 550_000 == 1_000_000
    assert est.total == by_hand and est.currency == "VND"
    assert sum(line.amount for line in est.lines) == est.total
    assert not any("thứ 7" in line.item for line in est.lines)  # six products: no surcharge


def test_three_classes_of_eight_products_pay_per_class_and_per_product_beyond_six():
    est = fees.estimate("trademark", "filing", products_per_class=[8, 8, 8])
    extra = 3 * (8 - 6)
    by_hand = (150_000 + 120_000 + 3 * 180_000 + extra * 30_000 + 3 * 550_000 + extra * 120_000)
    assert est.total == by_hand == 3_360_000
    search_extra = next(line for line in est.lines if line.item_id == "tm_search_extra")
    assert (search_extra.quantity, search_extra.amount) == (6, 180_000)


def test_grant_stage_charges_the_first_class_and_each_further_class():
    est = fees.estimate("trademark", "grant", products_per_class=[8, 8, 8])
    assert est.total == 120_000 + 2 * 100_000 + 120_000 + 120_000


def test_late_renewal_adds_ten_percent_of_the_renewal_charge_per_month():
    on_time = fees.estimate("trademark", "renewal", products_per_class=[6, 6])
    late = fees.estimate("trademark", "late_renewal", products_per_class=[6, 6], months_late=3)
    assert late.total - on_time.total == round(2 * 100_000 * 0.10 * 3)
    assert late.lines[-1].item_id == "late_renewal_surcharge"


def test_patents_count_independent_claims_and_pages_beyond_six():
    est = fees.estimate("patent", "filing", claims=2, pages=10)
    by_hand = 150_000 + 2 * 180_000 + 4 * 8_000 + 120_000 + 2 * 600_000 + 2 * 720_000 + 4 * 32_000
    assert est.total == by_hand


def test_designs_count_variants():
    assert fees.estimate("design", "filing", designs=2).total == 150_000 + 120_000 + 2 * 480_000 + 2 * 700_000


def test_every_estimate_cites_the_schedule_and_excludes_attorney_fees():
    est = fees.estimate("trademark", "filing", products_per_class=[1])
    assert est.source["circular"] == "Thông tư 263/2016/TT-BTC"
    assert any("phí dịch vụ của tổ chức đại diện" in n for n in est.notes)


def test_a_date_after_law_131_says_no_newer_fee_circular_was_found():
    after = fees.estimate("trademark", "filing", products_per_class=[6], as_of="2026-06-01")
    before = fees.estimate("trademark", "filing", products_per_class=[6], as_of="2025-06-01")
    assert any("131/2025" in n for n in after.notes) and not any("131/2025" in n for n in before.notes)
    during_cut = fees.estimate("trademark", "filing", products_per_class=[6], as_of="2024-09-01")
    assert any("43/2024" in n for n in during_cut.notes)


@pytest.mark.parametrize("kwargs", [
    {"kind": "trademark", "stage": "filing", "products_per_class": [0]},
    {"kind": "trademark", "stage": "filing", "products_per_class": [-3]},
    {"kind": "trademark", "stage": "filing", "products_per_class": [6] * 46},
    {"kind": "trademark", "stage": "filing", "products_per_class": []},
    {"kind": "trademark", "stage": "filing"},
    {"kind": "copyright", "stage": "filing"},
    {"kind": "trademark", "stage": "opposition", "products_per_class": [6]},
    {"kind": "patent", "stage": "filing", "claims": 0},
    {"kind": "patent", "stage": "renewal", "claims": 1},
    {"kind": "trademark", "stage": "filing", "products_per_class": [6], "as_of": "2016-05-01"},
])
def test_bad_counts_kinds_and_stages_are_refused(kwargs):
    kind, stage = kwargs.pop("kind"), kwargs.pop("stage")
    with pytest.raises(BadInput):
        fees.estimate(kind, stage, **kwargs)


@pytest.mark.parametrize("question,expected", [
    ("3 nhóm, mỗi nhóm 8 sản phẩm thì phí bao nhiêu?", {"kind": "trademark", "stage": "filing",
                                                         "products_per_class": [8, 8, 8]}),
    ("How much for 3 classes with 8 products each?", {"kind": "trademark", "stage": "filing",
                                                       "products_per_class": [8, 8, 8]}),
    ("2 nhom 10 san pham phi bao nhieu", {"kind": "trademark", "stage": "filing", "products_per_class": [10, 10]}),
    ("Phí gia hạn nhãn hiệu 2 nhóm nộp muộn?", {"kind": "trademark", "stage": "late_renewal",
                                               "products_per_class": [6, 6]}),
    ("Phí đơn sáng chế 3 điểm yêu cầu bảo hộ độc lập, 20 trang?", {"kind": "patent", "stage": "filing",
                                                                  "claims": 3, "pages": 20}),
    ("Thời hạn bảo hộ nhãn hiệu 10 năm?", None),
    ("Phí đăng ký nhãn hiệu là bao nhiêu?", None),
])
def test_counts_are_read_from_the_question(question, expected):
    assert fees.counts_from_question(fold(question)) == expected


def test_the_http_endpoint_returns_lines_total_and_refuses_bad_counts(http):
    r = http.post("/api/fees/estimate", json={"kind": "trademark", "stage": "filing", "products_per_class": [8, 8, 8]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 3_360_000 and body["currency"] == "VND"
    assert {"item", "basis", "quantity", "amount"} <= set(body["lines"][0])
    for bad in ({"kind": "trademark", "products_per_class": [0]}, {"kind": "trademark", "products_per_class": [-1]},
                {"kind": "trademark", "products_per_class": [6] * 46}, {"kind": "nope", "products_per_class": [6]},
                {"kind": "trademark", "stage": "x", "products_per_class": [6]}, {"kind": "trademark"}):
        r = http.post("/api/fees/estimate", json=bad)
        assert 400 <= r.status_code < 500 and r.json()["error"], bad
