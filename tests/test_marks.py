"""Trademark conflict pre-check: what a user gets when checking a proposed mark."""

from __future__ import annotations

import pytest

from assistant.marks import (Conflict, MarkIndex, find_quoted_marks, fold, normalize_mark,
                             phonetic_key)


def _rec(rid, mark, classes, status="registered", owner="Công ty TNHH Mẫu"):
    return {"id": rid, "ip_type": "trademark", "registration_number": None, "mark": mark, "mark_type": "word",
            "nice_classes": classes, "goods_services": "…", "owner": owner, "owner_address": None,
            "province": "Hà Nội", "filing_date": "2021-03-04", "publication_date": None,
            "registration_date": None, "expiry_date": None, "status": status, "sample": True,
            "source": "Dữ liệu mẫu do dự án sinh ra (không phải dữ liệu thật)"}


RECORDS = [
    _rec("4-2021-00001", "Phở Việt", [43], owner="Công ty TNHH Phở Việt"),
    _rec("4-2021-00002", "Cà Phê Mộc", [30, 43], owner="Hộ kinh doanh Nguyễn Văn Bình"),
    _rec("4-2021-00003", "Trà Sen Tây Hồ", [30], status="pending"),
    _rec("4-2021-00004", "Sao Mai", [9, 42]),
    _rec("4-2018-00005", "Bánh Mì Hội An", [30], status="expired"),
    _rec("4-2019-00006", "Bánh Mì Hội An", [30], status="registered"),
    _rec("4-2020-00007", "Hoa Sen Vàng", [3, 44]),
    _rec("4-2020-00008", "Gạo Ngọc Trời", [30]),
    _rec("4-2020-00009", "Nước Mắm Phan Thiết", [30], status="refused"),
    _rec("4-2020-00010", "Minh Long", [21]),
    _rec("4-2020-00011", "Vạn Phúc Silk", [24, 25]),
    _rec("4-2020-00012", "Dược Phẩm An Khang", [5]),
    _rec("4-2020-00013", "Đồng Xanh", [31], status="withdrawn"),
    _rec("4-2020-00014", None, [16]),  # figurative mark: no word element
]


@pytest.fixture(scope="module")
def index() -> MarkIndex:
    return MarkIndex.build(RECORDS)


def _find(results: list[Conflict], rid: str) -> Conflict | None:
    return next((c for c in results if c.record_id == rid), None)


# ---- finding an existing mark ----------------------------------------------------------------------

def test_an_existing_mark_is_found_from_its_exact_form_with_high_risk(index):
    res = index.check("Phở Việt", [43])
    assert res[0].record_id == "4-2021-00001"
    assert res[0].risk == "high" and res[0].similarity == 1.0
    assert res[0].owner == "Công ty TNHH Phở Việt" and res[0].nice_classes == [43]
    assert any("Cùng nhóm Nice 43" in r for r in res[0].reasons)


def test_an_existing_mark_is_found_from_its_unaccented_lower_case_form(index):
    res = index.check("pho viet", [43])
    top = res[0]
    assert top.record_id == "4-2021-00001" and top.risk == "high"
    assert any("Trùng khi bỏ dấu" in r and "pho viet" in r for r in top.reasons)


@pytest.mark.parametrize("respaced", ["PHOVIET", "pho-viet", "Pho.Viet", "  phở   VIỆT!! "])
def test_an_existing_mark_is_found_when_spaced_or_punctuated_differently(index, respaced):
    top = index.check(respaced, [43])[0]
    assert top.record_id == "4-2021-00001" and top.risk == "high"


@pytest.mark.parametrize("typo", ["Phở Viêt x", "Pho Vietj", "Pho Viet", "Phở Vệt", "Ohở Việt", "Phở Việtt", "Hpở Việt"])
def test_an_existing_mark_is_found_from_a_one_letter_typo(index, typo):
    top = index.check(typo, [43])[0]
    assert top.record_id == "4-2021-00001"
    assert top.risk == "high", top


def test_a_short_mark_with_swapped_letters_is_still_found(index):
    top = index.check("Mnih Long")[0]
    assert top.record_id == "4-2020-00010" and top.risk == "high"


def test_an_existing_mark_is_found_from_a_phonetic_variant(index):
    top = index.check("Kà Fê Mộc", [30])[0]
    assert top.record_id == "4-2021-00002" and top.risk == "high"
    assert any(r.startswith("Phát âm gần giống") and "k/c" in r for r in top.reasons)


@pytest.mark.parametrize("variant,rid", [("Trà Xen Tây Hồ", "4-2021-00003"), ("Chà Sen Tây Hồ", "4-2021-00003"),
                                         ("Gạo Ngọc Chời", "4-2020-00008"), ("Gạo Ngọc Trờy", "4-2020-00008")])
def test_vietnamese_sound_alikes_are_treated_as_near_identical(index, variant, rid):
    top = index.check(variant, [30])[0]
    assert top.record_id == rid and top.risk == "high"


def test_reordered_words_are_found(index):
    top = index.check("Việt Phở", [43])[0]
    assert top.record_id == "4-2021-00001" and top.risk == "high"


def test_legal_suffixes_and_company_words_are_ignored(index):
    for name in ["Công ty TNHH Phở Việt", "CONG TY CP PHO VIET", "Phở Việt JSC", "Phở Việt Co., Ltd",
                 "Công ty TNHH Thương mại Dịch vụ Phở Việt", "Phở Việt Group Việt Nam"]:
        top = index.check(name, [43])[0]
        assert top.record_id == "4-2021-00001" and top.risk == "high", name
        assert top.reasons[0].startswith("Đã bỏ qua phần chung"), name


def test_short_vietnamese_words_that_look_like_legal_forms_are_kept():
    assert normalize_mark("Cô Ba") == "cô ba"
    idx = MarkIndex.build([_rec("1", "Cô Ba", [30]), _rec("2", "Ba", [30])])
    assert idx.check("Cô Ba", [30])[0].record_id == "1"


# ---- risk: classes, status, unrelated marks --------------------------------------------------------

def test_unrelated_marks_never_get_high_risk(index):
    for q in ["Zebra Quantum", "Hòa Bình Xanh", "Kim Tự Tháp", "Sơn Hà", "XYZ"]:
        assert all(c.risk != "high" for c in index.check(q)), q
        assert all(c.risk != "high" for c in index.check(q, [30])), q


def test_class_choice_changes_the_risk(index):
    same = _find(index.check("Phở Việt", [43]), "4-2021-00001")
    related = _find(index.check("Phở Việt", [30]), "4-2021-00001")
    unrelated = _find(index.check("Phở Việt", [13]), "4-2021-00001")
    no_class = _find(index.check("Phở Việt"), "4-2021-00001")
    assert same.risk == "high" and no_class.risk == "high"
    assert related.risk == "high" and any("liên quan" in r for r in related.reasons)
    assert unrelated.risk in ("medium", "low") and any("Khác nhóm" in r for r in unrelated.reasons)


def test_a_different_class_lowers_the_risk_for_an_identical_mark(index):
    assert index.check("Sao Mai", [9])[0].risk == "high"
    assert index.check("Sao Mai", [30])[0].risk != "high"


def test_dead_marks_rank_below_live_ones_and_say_why(index):
    res = index.check("Bánh Mì Hội An", [30])
    ids = [c.record_id for c in res]
    assert ids.index("4-2019-00006") < ids.index("4-2018-00005")
    live, dead = _find(res, "4-2019-00006"), _find(res, "4-2018-00005")
    assert live.risk == "high" and dead.risk != "high"
    assert any("Nhãn hiệu đã hết hiệu lực/bị từ chối — rủi ro thấp hơn" in r for r in dead.reasons)


def test_refused_and_withdrawn_marks_are_lower_risk(index):
    assert index.check("Nước Mắm Phan Thiết", [30])[0].risk == "medium"
    assert index.check("Đồng Xanh", [31])[0].risk == "medium"


def test_results_are_ranked_by_risk_then_similarity(index):
    res = index.check("Bánh Mì Hội An", [30], limit=20)
    keys = [({"high": 2, "medium": 1, "low": 0}[c.risk], c.similarity) for c in res]
    assert keys == sorted(keys, reverse=True)
    assert all(0.0 <= c.similarity <= 1.0 for c in res)


def test_limit_and_empty_queries(index):
    assert len(index.check("Phở", limit=1)) <= 1
    assert index.check("") == [] and index.check("!!!") == []
    assert MarkIndex.build([]).check("Phở Việt") == []


def test_conflict_to_dict_is_json_ready(index):
    d = index.check("Phở Việt")[0].to_dict()
    assert set(d) == {"record_id", "mark", "nice_classes", "owner", "status", "similarity", "risk", "reasons"}
    assert d["status"] == "registered" and isinstance(d["reasons"], list)


# ---- get / search / persistence ------------------------------------------------------------------

def test_get_returns_the_full_stored_record(index):
    assert index.get("4-2021-00003") == RECORDS[2]
    assert index.get("4-2099-99999") is None
    assert len(index) == len(RECORDS)


def test_search_by_mark_class_and_status(index):
    hits = index.search("banh mi")
    assert {h["id"] for h in hits[:2]} == {"4-2018-00005", "4-2019-00006"}
    assert all("similarity" in h for h in hits)
    assert [h["id"] for h in index.search("banh mi", status="expired")] == ["4-2018-00005"]
    assert {h["id"] for h in index.search("", classes=[3])} == {"4-2020-00007"}
    assert {h["id"] for h in index.search(status="dead")} == {"4-2018-00005", "4-2020-00009", "4-2020-00013"}
    assert len(index.search(limit=5)) == 5
    assert {h["id"] for h in index.search("sen")} >= {"4-2021-00003", "4-2020-00007"}


def test_save_and_load_round_trip(index, tmp_path):
    path = tmp_path / "sub" / "marks.idx"
    index.save(path)
    assert path.exists()
    loaded = MarkIndex.load(path)
    in_memory = MarkIndex.load(path, mmap=False)
    assert len(loaded) == len(index) == len(in_memory)
    assert in_memory.check("pho viet")[0].to_dict() == index.check("pho viet")[0].to_dict()
    assert loaded.get("4-2021-00002") == RECORDS[1]
    for q, cls in [("Kà Fê Mộc", [30]), ("PHOVIET", None), ("Bánh Mì Hội An", [30])]:
        assert [c.to_dict() for c in loaded.check(q, cls)] == [c.to_dict() for c in index.check(q, cls)]
    assert loaded.search("", classes=[30]) == index.search("", classes=[30])


def test_load_rejects_a_file_that_is_not_a_mark_index(tmp_path):
    path = tmp_path / "other.bin"
    path.write_bytes(b"PK\x03\x04 not an index")
    with pytest.raises(ValueError):
        MarkIndex.load(path)


def test_an_index_of_nothing_saves_and_loads(tmp_path):
    MarkIndex.build([]).save(tmp_path / "empty.idx")
    empty = MarkIndex.load(tmp_path / "empty.idx")
    assert len(empty) == 0 and empty.check("Phở Việt") == [] and empty.search() == []


def test_a_larger_index_still_finds_the_mark_among_many_similar_ones():
    from assistant.bench_marks import synthetic_records

    records = list(synthetic_records(20_000, seed=3)) + [_rec("target", "Cà Phê Mộc Châu", [30])]
    idx = MarkIndex.build(records)
    for q in ["Cà Phê Mộc Châu", "ca phe moc chau", "CAPHEMOCCHAU", "Cà Phê Mộc Chau x", "Kà Fê Mộc Châu"]:
        assert any(c.record_id == "target" and c.risk == "high" for c in idx.check(q, [30])), q


# ---- text helpers ------------------------------------------------------------------------------

def test_normalisation_helpers():
    assert normalize_mark("Phở-Việt®") == "phở việt"
    assert normalize_mark("  PHỞ   việt!! ") == "phở việt"
    assert fold("Đồng Xanh Phở Việt") == "dong xanh pho viet"
    assert phonetic_key("Cà Phê Mộc") == phonetic_key("Kà Fê Mộk") == phonetic_key("ca phe moc")
    assert phonetic_key("Trà Xanh") == phonetic_key("Chà Sanh")
    assert phonetic_key("Giang") == phonetic_key("Dang") == phonetic_key("Rang")
    assert phonetic_key("Hoàng") == phonetic_key("Hoàn")
    assert phonetic_key("Phở") != phonetic_key("Bò")


@pytest.mark.parametrize("question,expected", [
    ('Nhãn hiệu "Cà Phê Mộc" đã có ai đăng ký chưa?', ["Cà Phê Mộc"]),
    ("Tôi muốn đăng ký nhãn hiệu Phở Việt cho quán ăn", ["Phở Việt"]),
    ("thương hiệu PHOVIET có bị trùng không?", ["PHOVIET"]),
    ("Tên Trà Sen Tây Hồ có đăng ký được không", ["Trà Sen Tây Hồ"]),
    ("So sánh “Sao Mai” và «Sao Mai Xanh» giúp tôi", ["Sao Mai", "Sao Mai Xanh"]),
    ("Dùng 'Bánh Mì Hội An' có sao không?", ["Bánh Mì Hội An"]),
    ("Is the trademark Blue Sky available for clothing?", ["Blue Sky"]),
    ("Can I register the brand Lotus, or is it taken?", ["Lotus"]),
    ("nhan hieu Pho Viet. Con gi nua", ["Pho Viet"]),
    ("Thủ tục đăng ký nhãn hiệu mất bao lâu?", []),
    ("tên miền có được bảo hộ không", []),
    ("It's the owner's choice", []),
])
def test_marks_named_in_a_chat_question_are_found(question, expected):
    assert find_quoted_marks(question) == expected
