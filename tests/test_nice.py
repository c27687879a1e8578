"""Nice class suggestions for a goods/services description."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from assistant.nice import class_heading, suggest_classes


def _classes(text: str) -> list[int]:
    return [s["class"] for s in suggest_classes(text)]


@pytest.mark.parametrize("text,first", [
    ("quán cà phê", 43),
    ("cà phê rang xay", 30),
    ("mỹ phẩm", 3),
    ("quần áo", 25),
    ("spa", 44),
    ("nước mắm", 30),
    ("Sản xuất nước mắm Phú Quốc", 30),
    ("Dịch vụ nhà hàng, quán ăn", 43),
    ("rượu vang", 33),
    ("bia", 32),
    ("phân bón hữu cơ", 1),
    ("thiết kế website", 42),
    ("khách sạn, homestay", 43),
    ("trung tâm ngoại ngữ", 41),
])
def test_vietnamese_descriptions_get_the_expected_class_first(text, first):
    assert _classes(text)[0] == first


def test_a_cafe_is_43_first_and_coffee_goods_second():
    assert _classes("quán cà phê")[:2] == [43, 30]


def test_software_suggests_goods_and_services_classes():
    assert _classes("phần mềm")[:2] == [9, 42]
    assert set(_classes("phần mềm quản lý bán hàng")[:3]) >= {9, 42}


def test_tourism_suggests_travel_and_accommodation():
    assert _classes("du lịch")[:2] == [39, 43]


def test_descriptions_typed_without_diacritics_still_match():
    assert _classes("quan ca phe")[0] == 43
    assert _classes("ca phe rang xay")[0] == 30
    assert _classes("my pham")[0] == 3
    assert _classes("nuoc mam")[0] == 30


@pytest.mark.parametrize("text,first", [
    ("roasted coffee", 30),
    ("coffee shop", 43),
    ("computer software", 9),
    ("clothing", 25),
    ("cosmetics", 3),
    ("fish sauce", 30),
    ("restaurant services", 43),
    ("travel agency", 39),
    ("beer", 32),
])
def test_english_descriptions_match_the_nice_list(text, first):
    assert _classes(text)[0] == first


def test_why_names_the_matched_term_and_the_class_in_vietnamese():
    s = suggest_classes("cà phê rang xay")[0]
    assert s["why"].startswith("Khớp 'cà phê rang xay' — Nhóm 30: cà phê, chè, ca cao")
    s = suggest_classes("computer software")[0]
    assert "NCL 10-2015" in s["why"] and "Nhóm 9" in s["why"]


def test_nothing_to_match_gives_no_suggestions():
    assert suggest_classes("") == []
    assert suggest_classes("xyzzy qwerty") == []
    assert len(suggest_classes("quán cà phê, bánh mì, trà sữa, quần áo, mỹ phẩm", limit=3)) == 3


def test_data_files_cover_all_45_classes_with_provenance():
    root = resources.files("assistant.data")
    vi = json.loads(root.joinpath("nice_terms_vi.json").read_text(encoding="utf-8"))
    en = json.loads(root.joinpath("nice_en.json").read_text(encoding="utf-8"))
    assert sorted(map(int, vi["classes"])) == list(range(1, 46))
    assert all(10 <= len(c["terms"]) <= 30 for c in vi["classes"].values())
    assert sorted(map(int, en["classes"])) == list(range(1, 46))
    assert en["edition"] == "NCL 10-2015" and en["source"]["commit"]
    assert sum(len(c["items"]) for c in en["classes"].values()) > 8000
    assert class_heading(25) == "quần áo, giày dép, mũ nón"
    assert class_heading(30, "en").startswith("Coffee, tea, cocoa")
