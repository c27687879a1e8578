"""The question is understood once: objects, facets, jurisdiction, named marks — in VI, unaccented VI and EN."""

import pytest

from assistant.text import lexical_terms
from assistant.understand import core_question, is_shouting, understand


@pytest.mark.parametrize("q, obj, facet", [
    ("Thời hạn bảo hộ nhãn hiệu là bao lâu?", "trademark", "term"),
    ("thoi han bao ho nhan hieu la bao lau", "trademark", "term"),
    ("How long does a trademark registration last?", "trademark", "term"),
    ("NHÃN HIỆU - THƯƠNG HIỆU ĐƯỢC BẢO HỘ CÓ THỜI HẠN HAY VĨNH VIỄN ?", "trademark", "term"),
    ("Chi Phí Đăng Ký Nhãn Hiệu Được Tính Như Thế Nào?", "trademark", "fees"),
    ("how much does it cost to register a trademark", "trademark", "fees"),
    ("Hồ sơ đăng ký sáng chế gồm những gì?", "patent", "documents"),
    ("ho so dang ky kieu dang cong nghiep gom nhung gi", "design", "documents"),
    ("Thẩm định nội dung đơn nhãn hiệu mất bao lâu?", "trademark", "examination_time"),
    ("How long does trademark examination take in Vietnam?", "trademark", "examination_time"),
    ("Nhãn hiệu tập thể là gì?", "collective_mark", "definition"),
    ("What is a geographical indication?", "gi", "definition"),
    ("Ai có quyền đăng ký chỉ dẫn địa lý?", "gi", "who_may_file"),
    ("Có thể phản đối đơn đăng ký nhãn hiệu của người khác trong bao lâu?", "trademark", "opposition"),
    ("Phần mềm máy tính có được cấp bằng sáng chế không?", "patent", "exclusions"),
    ("Can I transfer my patent to another company?", "patent", "transfer_licensing"),
    ("Bí mật kinh doanh bị xâm phạm thì xử lý thế nào?", "trade_secret", "remedies"),  # what to do about it
    ("gia han kieu dang cong nghiep may lan", "design", "renewal"),
    # a generic "how long" yields to the specific time asked; a bare "hồ sơ" to where it is filed
    ("How long does a third party have to oppose a published patent application in Vietnam?", "patent",
     "opposition"),
    ("Đăng ký bản quyền cho logo thì nộp hồ sơ ở cơ quan nào?", "copyright", "where_to_file"),
    ("Công ty em có giấy đăng ký doanh nghiệp rồi thì tên công ty có được bảo hộ luôn không, hay vẫn phải đăng ký "
     "nhãn hiệu?", "trade_name", "registration"),
    ("gia han nhan hieu can lam gi va nop truoc bao lau", "trademark", "renewal"),  # the steps of renewing
    ("Công ty mình chuẩn bị xuất khẩu hạt điều sang châu Âu, nhãn hiệu đã đăng ký ở Việt Nam rồi thì sang EU có "
     "được bảo hộ luôn không?", "trademark", "abroad"),
    ("phat hien co shop tren san thuong mai dien tu ban hang gia thuong hieu cong ty toi thi toi nen lam gi",
     "trademark", "remedies"),  # what to do about an infringement: the remedies
    ("Em bán hàng xách tay chính hãng mua từ Nhật về thì chủ nhãn hiệu có cấm em được không?", "trademark", "rights"),
    ("How long is a patent protected in Vietnam?", "patent", "term"),
    ("Who can oppose a trademark application and how much time do they have?", "trademark", "opposition"),
    ("What is the penalty for trademark infringement in Vietnam?", "trademark", "sanctions"),  # not a definition
    ("Em nhận viết phần mềm cho một công ty theo hợp đồng. Vậy bản quyền thuộc về em hay công ty ạ?", "copyright",
     "ownership"),
    ("Cover bài hát của người khác rồi đăng lên YouTube có phải xin phép tác giả không?", "copyright", "rights"),
    ("Ảnh do Midjourney tạo có được bảo hộ quyền tác giả không?", "copyright", "ai"),
    ("Thời gian bảo hộ nhãn hiệu là bao lâu?", "trademark", "term"),
    ("Quy trình và thời gian đăng ký nhãn hiệu", "trademark", "examination_time"),
    ("Nhãn hiệu của tôi bị người khác dùng trên Facebook, tôi nên làm gì?", "trademark", "remedies"),
    ("How do I search for existing patents in Vietnam?", "patent", "search"),
    ("What are the requirements for a GI in Vietnam?", "gi", "conditions"),  # 'GI', not 'gì' (what)
    ("Do I need a lawyer to file a patent in Vietnam?", "patent", "who_may_file"),
    ("Can I register a trademark in Vietnam for a product I have not launched yet?", "trademark", "registration"),
    ("Which Nice class is coffee shop services for a trademark?", "trademark", "documents"),
    ("Tôi thuê người viết phần mềm, bản quyền thuộc ai?", "copyright", "ownership"),
    ("Our mark is registered in Korea. What do we need to do to have it protected in Vietnam?", "trademark",
     "registration"),
    ("Sản phẩm đã bán ra thị trường rồi còn đăng ký sáng chế được không?", "patent", "conditions"),  # novelty
    ("Làm sao để biết nhãn hiệu của mình có bị trùng không?", "trademark", "search"),
    ("TRA CUU NHAN HIEU O DAU MIEN PHI", "trademark", "search"),  # "free" qualifies the search, asks no fee
    ("Đăng ký nhãn hiệu có miễn phí không?", "trademark", "fees"),
    ("hello, we are a Singapore company, can we file a trademark in Vietnam directly?", "trademark",
     "foreign_applicants"),
    ("Can I trademark a name that another company is already using?", "trademark", "exclusions"),
    # "đăng ký mất (tên)" is losing a name to another's filing; "đăng ký mất bao lâu" is how long filing takes.
    ("nguoi ta dang ky mat ten thuong hieu cua em roi thi lam the nao", "trademark", "opposition"),
    ("Nhãn hiệu của em bị người khác đăng ký trước, em phải làm sao?", "trademark", "opposition"),
    ("dang ky nhan hieu mat bao lau", "trademark", "examination_time"),
    ("Is a trademark registered in Vietnam valid in Laos?", "trademark", "abroad"),
    ("em muốn bảo vệ mẫu bình gốm mới thì đăng ký gì ạ?", "design", "steps"),  # "mẫu X mới": a new design
    ("em chụp ảnh đăng facebook bị người khác lấy dùng bán hàng thì có kiện được không", "copyright", "remedies"),
    ("Đăng ký màu sắc mới làm nhãn hiệu được không?", "trademark", "exclusions"),  # "màu" folds like "mẫu"
    ("cong ty em muon doi ten chu so huu tren giay chung nhan nhan hieu thi lam sao", "trademark",
     "amend_certificate"),  # recording a change on the title, not the filing steps
    ("What happens if someone uses my registered trademark without permission?", "trademark", "infringement"),
    ("Có được dùng ảnh trên mạng mà không xin phép không?", "copyright", "rights"),
    ("Danh Sách Khách Hàng Phải Đáp Ứng Điều Kiện Gì Thì Mới Được Bảo Hộ Là Bí Mật Kinh Doanh?", "trade_secret",
     "conditions"),
])
def test_objects_and_facets_are_found_with_or_without_diacritics_and_in_english(q, obj, facet):
    u = understand(q)
    assert obj in u.objects, u.objects
    assert u.facets[:1] == (facet,), u.facets  # the facet that leads the answer


def test_a_specific_object_hides_the_general_one_it_contains():
    assert understand("Nhãn hiệu chứng nhận dùng để làm gì?").objects == ("certification_mark",)


def test_a_preamble_is_dropped_and_the_asking_sentence_kept():
    q = ("Xin hỏi luật sư, tôi có một người bạn mở quán cà phê và đã dùng logo được 3 năm nay. "
         "Vậy bạn tôi có phải đăng ký nhãn hiệu không?")
    assert core_question(q) == "bạn tôi có phải đăng ký nhãn hiệu không?"
    u = understand(q)
    assert u.objects == ("trademark",) and "registration" in u.facets


def test_an_asking_sentence_that_points_back_keeps_the_sentence_it_points_to():
    q = ("Ten mien .vn trung voi nhan hieu cua cong ty minh bi mot nguoi la dang ky truoc roi rao ban lai. "
         "Hanh vi nay co vi pham luat SHTT khong?")
    assert core_question(q).startswith("Ten mien .vn")
    assert core_question("Our startup designs app icons. Can these be protected as industrial designs?").startswith(
        "Our startup designs app icons")


def test_the_preamble_still_tells_what_the_question_is_about():
    u = understand("I am selling my design to someone else. Do I have to register the sale?")
    assert "design" in u.objects and "transfer_licensing" in u.facets


@pytest.mark.parametrize("q, where", [
    ("How long does a US trademark last?", "foreign"),
    ("Thời hạn bảo hộ nhãn hiệu ở Mỹ là bao lâu?", "foreign"),
    ("How do I register my trademark in the US from Vietnam?", "abroad"),
    ("Đăng ký nhãn hiệu ra nước ngoài theo hệ thống Madrid thế nào?", "abroad"),
    ("Người nước ngoài có được nộp đơn đăng ký nhãn hiệu tại Việt Nam?", "vn"),
    ("How do I protect my brand?", "vn"),
    ("Nhãn hiệu của tôi có được bảo hộ không?", "vn"),
])
def test_jurisdiction_tells_another_countrys_law_from_protection_abroad(q, where):
    assert understand(q).jurisdiction == where


@pytest.mark.parametrize("q, day", [
    ("What was the trademark examination time limit before April 2026?", "2026-03-31"),
    ("Trước ngày 01/4/2026 thời hạn phản đối đơn nhãn hiệu là bao lâu?", "2026-03-31"),
    ("thoi han tham dinh nhan hieu theo luat cu", "2026-03-31"),
    ("Đơn nhãn hiệu nộp năm 2025 thì thẩm định bao lâu?", ""),  # a filing year is not the rule's date
    ("How long is trademark examination now?", ""),
])
def test_a_date_the_question_asks_the_rule_for_is_understood(q, day):
    assert understand(q).named_as_of == day


def test_language_and_date_are_part_of_the_understood_value():
    u = understand("What is a trademark?", as_of="2025-06-01")
    assert u.language == "en" and u.as_of == "2025-06-01"
    assert understand("nhan hieu la gi").language == "vi"
    assert understand("Nhãn hiệu là gì?").understood()["facets"] == ["definition"]


def test_capitals_and_title_case_are_recognised_as_shouting_not_as_names():
    assert is_shouting("NHÃN HIỆU - THƯƠNG HIỆU ĐƯỢC BẢO HỘ CÓ THỜI HẠN HAY VĨNH VIỄN ?")
    assert is_shouting("Chi Phí Đăng Ký Nhãn Hiệu Được Tính Như Thế Nào?")
    assert not is_shouting("Tôi muốn đăng ký nhãn hiệu Cà Phê Mộc cho quán của mình")


def test_named_marks_are_quoted_or_named_after_the_word_trademark_never_a_run_of_capitals():
    from assistant.marks import find_quoted_marks, quoted_marks

    assert find_quoted_marks("Tôi muốn đăng ký nhãn hiệu “Cà Phê Mộc” cho quán") == ["Cà Phê Mộc"]
    assert find_quoted_marks("Đăng ký nhãn hiệu Phở Bát Đàn có được không?") == ["Phở Bát Đàn"]
    assert find_quoted_marks("Nhãn Hiệu Được Bảo Hộ Bao Lâu?") == []
    assert quoted_marks("CHI PHÍ ĐĂNG KÝ NHÃN HIỆU 'SAO MAI' LÀ BAO NHIÊU?") == ["SAO MAI"]


def test_a_word_inside_a_longer_one_names_no_object():
    # "danh sách" is a list, not a book; "nhập khẩu song song" is parallel import, not a song
    assert understand("Danh sách khách hàng có được bảo hộ là bí mật kinh doanh không?").objects == ("trade_secret",)
    assert understand("Chủ nhãn hiệu có cấm nhập khẩu song song được không?").objects == ("trademark",)
    assert understand("Viết sách thì có bản quyền không?").objects == ("copyright",)
    assert understand("Can I cover a song on YouTube?").objects == ("copyright",)


def test_the_question_terms_have_no_bigram_spanning_the_core_and_an_expansion():
    q = understand("Sản phẩm đã bán ra thị trường rồi còn đăng ký sáng chế được không?")
    assert q.expansions and "sang_che" in q.terms
    from assistant.text import fold

    last = fold(q.core.rstrip("?").split()[-1])
    first = fold(q.expansions[0].split()[0])
    assert f"{last}_{first}" not in q.terms
    assert q.terms >= set(lexical_terms(q.core))


def test_a_question_of_another_field_that_mentions_an_ip_word_in_passing_is_outside_the_domain():
    assert not understand("What is the VAT rate on software services in Vietnam?").domain
    assert understand("Phí đăng ký nhãn hiệu có chịu thuế VAT không?").domain  # an IP facet is asked
    assert understand("Tôi thuê người viết phần mềm, bản quyền thuộc ai?").domain  # "thuê" (hire) is no tax


def test_an_object_named_only_to_compare_with_is_not_the_one_asked_about():
    assert understand("Chỉ dẫn địa lý được bảo hộ bao lâu, có phải gia hạn như nhãn hiệu không?").objects == ("gi",)
    # ... unless the comparison is what is asked
    assert understand("Sáng chế khác gì so với giải pháp hữu ích?").objects == ("patent", "utility_solution")


def test_gi_in_capitals_names_the_object_but_gi_folded_from_gi_does_not():
    assert "gi" in understand("What are the requirements for a GI in Vietnam?").objects
    assert understand("Sáng chế là gì?").objects == ("patent",)
    assert understand("WHAT IS A GI").objects == ()  # all capitals: no token means anything by its case
