from assistant.glossary import expand, expansions
from assistant.text import detect_language, fold, lexical_terms, nfc, split_sentences


def test_folding_makes_unaccented_queries_match_accented_text():
    assert fold("Thời hạn bảo hộ sáng chế") == "thoi han bao ho sang che"
    assert fold("ĐĂNG KÝ") == "dang ky"


def test_decomposed_unicode_is_normalised_to_nfc_before_folding():
    decomposed = "nha\u0303n hie\u0323\u0302u"  # 'nhãn hiệu' typed with combining marks
    assert nfc(decomposed) == "nhãn hiệu"
    assert fold(decomposed) == "nhan hieu"


def test_lexical_terms_include_syllable_bigrams_and_drop_function_words():
    terms = lexical_terms("Nhãn hiệu của công ty")
    assert "nhan_hieu" in terms and "cong_ty" in terms
    assert "cua" not in terms


def test_language_detection_recognises_unaccented_vietnamese():
    assert detect_language("dieu kien bao ho kieu dang cong nghiep") == "vi"
    assert detect_language("Nhãn hiệu là gì?") == "vi"
    assert detect_language("How long is a patent protected?") == "en"


def test_glossary_maps_colloquial_and_english_terms_to_legal_terms():
    assert "nhãn hiệu" in expansions("Làm sao bảo vệ thương hiệu?")
    assert "quyền tác giả" in expansions("bản quyền phần mềm")
    assert "nhãn hiệu" in expansions("How do I register a trademark?")
    assert "chỉ dẫn địa lý" not in expansions("Nhãn hiệu tập thể là gì?")  # 'gì' must not read as 'GI'
    assert expand("logo").startswith("logo ")


def test_sentence_split_keeps_list_items_and_clauses_whole():
    units = split_sentences("Đơn gồm:\n- tờ khai;\n- mẫu nhãn hiệu.\n1. Khoản một. Câu hai.")
    assert units[:3] == ["Đơn gồm:", "- tờ khai;", "- mẫu nhãn hiệu."]
    assert units[3] == "1. Khoản một. Câu hai."
