"""Answer cards: validated against the law they cite at ingest, and leading the answer when they match."""

import re
import shutil

import pytest

from tests.conftest import FIXTURE_CORPUS

BAD_CARDS = """
- id: trademark-term-wrong
  object: trademark
  facet: term
  questions: {vi: ["Nhãn hiệu được bảo hộ bao lâu?"], en: ["How long does a trademark last?"]}
  answer:
    vi: "Nhãn hiệu được bảo hộ 1 năm."
    en: "A trademark is protected for 1 year."
  basis: ["Điều 93 khoản 6"]
  valid_from: 2023-01-01
- id: trademark-nowhere
  object: trademark
  facet: term
  questions: {vi: ["?"], en: ["?"]}
  answer: {vi: "Không có căn cứ.", en: "No basis."}
  basis: ["Điều 999"]
  valid_from: 2023-01-01
- id: no-answer
  object: trademark
  facet: term
  questions: {vi: ["?"]}
  basis: ["Điều 93"]
  valid_from: 2023-01-01
"""


GI_CARD = """
- id: gi-term
  object: gi
  facet: term
  questions:
    vi: ["Chỉ dẫn địa lý được bảo hộ bao lâu?", "Chỉ dẫn địa lý có được bảo hộ không?"]
    en: ["How long is a geographical indication protected?"]
  answer:
    vi: "Giấy chứng nhận đăng ký chỉ dẫn địa lý có hiệu lực vô thời hạn kể từ ngày cấp."
    en: "A geographical indication registration is valid indefinitely from grant."
  basis: ["Điều 93 khoản 7"]
  legal_version: "Luật SHTT (bản kiểm thử)"
  valid_from: 2023-01-01
  valid_to: null
  confidence: high
"""


@pytest.fixture(scope="module")
def card_store(tmp_path_factory, embedder):
    from assistant.ingest import ingest
    from assistant.service import Assistant
    from assistant.settings import Settings

    base = tmp_path_factory.mktemp("cards")
    corpus = base / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    (corpus / "cards" / "sai.yaml").write_text(BAD_CARDS, encoding="utf-8")
    (corpus / "cards" / "cddl.yaml").write_text(GI_CARD, encoding="utf-8")
    fees = FIXTURE_CORPUS.parent.parent.parent / "corpus" / "law" / "09-nghi-dinh-65-2023-thong-tu-23-2023.md"
    shutil.copy(fees, corpus / "law" / fees.name)  # the fee schedule the estimate cites
    from tests.conftest import _make_fixture_pdf

    _make_fixture_pdf(corpus / "training" / "tap-huan-an-giang.pdf")
    (corpus / "training" / "tap-huan-an-giang.meta.json").write_text(
        '{"kind": "training", "place": "An Giang", "event_date": "2023-04-21", '
        '"event": "Hội nghị tập huấn khai thác thông tin sáng chế"}', encoding="utf-8")
    settings = Settings(store_dir=base / "store", corpus_dir=corpus)
    report = ingest(settings, [corpus], embedder=embedder)
    return report, Assistant.open(settings, embedder=embedder), settings


def test_a_card_whose_figure_is_not_in_its_basis_is_reported_and_not_indexed(card_store):
    report, assistant, _ = card_store
    errors = " ".join(f["error"] for f in report.failed)
    assert "trademark-term-wrong" in errors and "1 năm" in errors
    assert "trademark-term-wrong" not in assistant.cards.by_id


def test_a_card_whose_basis_is_not_in_the_store_or_that_lacks_an_answer_is_rejected(card_store):
    report, assistant, _ = card_store
    errors = " ".join(f["error"] for f in report.failed)
    assert "trademark-nowhere" in errors and "Điều 999" in errors
    assert "no-answer" in errors and "missing answer" in errors
    assert {"trademark-term", "trademark-exam-time", "trademark-exam-time-2023"} <= set(assistant.cards.by_id)


def test_a_matching_card_leads_the_answer_and_cites_its_basis(card_store):
    _, assistant, _ = card_store
    ans = assistant.chat("NHÃN HIỆU ĐƯỢC BẢO HỘ BAO LÂU?")
    assert ans.grounded
    assert ans.statements[0]["text"].startswith("Giấy chứng nhận đăng ký nhãn hiệu có hiệu lực đến hết 10 năm")
    assert ans.citations[0].locator.startswith("Điều 93")
    assert "không thay thế tư vấn pháp lý" not in ans.answer and ans.notice


def test_english_in_english_out_with_the_vietnamese_legal_citation(card_store):
    _, assistant, _ = card_store
    ans = assistant.chat("How long does a trademark registration last in Vietnam?")
    assert ans.answer.startswith("A trademark registration lasts 10 years")
    assert ans.citations[0].locator.startswith("Điều 93")


def test_the_rule_in_force_today_leads_and_one_line_gives_the_earlier_rule(card_store):
    _, assistant, _ = card_store
    ans = assistant.chat("Thẩm định nội dung đơn nhãn hiệu mất bao lâu?", as_of="2026-12-01")
    assert "05 tháng" in ans.statements[0]["text"]
    notes = [s for s in ans.statements if s["role"] == "note"]
    assert len(notes) == 1 and "09 tháng" in notes[0]["text"] and "01/04/2026" in notes[0]["text"]
    cited = {c.n: c for c in ans.citations}
    assert any(cited[n].valid_to == "2026-03-31" for n in notes[0]["cites"])
    assert all(cited[n].valid_from == "2026-04-01" for n in ans.statements[0]["cites"])


def test_an_answer_for_an_earlier_date_states_the_earlier_rule(card_store):
    _, assistant, _ = card_store
    ans = assistant.chat("Thẩm định nội dung đơn nhãn hiệu mất bao lâu?", as_of="2025-06-01")
    assert "09 tháng" in ans.statements[0]["text"] and "05 tháng" not in ans.answer
    assert ans.as_of == "2025-06-01"


def test_a_question_that_asks_for_the_rule_before_the_change_gets_it_unless_the_request_is_dated(card_store):
    _, assistant, _ = card_store
    ans = assistant.chat("Trước ngày 01/4/2026, thẩm định nội dung đơn nhãn hiệu mất bao lâu?")
    assert ans.as_of == "2026-03-31"
    assert "09 tháng" in ans.statements[0]["text"] and "05 tháng" not in ans.statements[0]["text"]
    dated = assistant.chat("Trước ngày 01/4/2026, thẩm định nội dung đơn nhãn hiệu mất bao lâu?", as_of="2026-12-01")
    assert dated.as_of == "2026-12-01" and "05 tháng" in dated.statements[0]["text"]
    # A filing year is no such date: which rule applies to an old application is a transitional question.
    assert assistant.chat("Đơn nhãn hiệu nộp năm 2025 thì thẩm định nội dung mất bao lâu?").as_of > "2026-03-31"


def test_search_and_citations_carry_validity_and_dated_retrieval_hides_other_versions(card_store):
    from assistant.retrieve import Filters

    _, assistant, _ = card_store
    today = assistant.retriever.retrieve("thời hạn thẩm định nội dung đơn nhãn hiệu", 5,
                                         Filters(as_of="2026-12-01", exclude_kinds=("card",)))
    article = [h.chunk for h in today if h.chunk.locator.startswith("Điều 119")]
    assert article and all(c.valid_from == "2026-04-01" for c in article)
    before = assistant.retriever.retrieve("thời hạn thẩm định nội dung đơn nhãn hiệu", 5,
                                          Filters(as_of="2025-06-01", exclude_kinds=("card",)))
    assert all(h.chunk.valid_to == "2026-03-31" for h in before if h.chunk.locator.startswith("Điều 119"))


@pytest.mark.parametrize("bad", ["2005-12-31", "2999-01-01", "01/06/2025", "not a date"])
def test_an_as_of_outside_the_law_or_malformed_is_bad_input(card_store, bad):
    from assistant.errors import BadInput

    _, assistant, _ = card_store
    with pytest.raises(BadInput):
        assistant.chat("Nhãn hiệu được bảo hộ bao lâu?", as_of=bad)


def test_cards_of_the_project_corpus_validate_against_its_law():
    """Every card in corpus/cards states only figures its basis states (python -m assistant.cards corpus)."""
    from pathlib import Path

    from assistant.cards import main

    root = Path(__file__).resolve().parent.parent / "corpus"
    if not (root / "cards").exists():
        pytest.skip("no cards in the corpus")
    assert main([str(root)]) == 0


def test_a_question_about_one_events_material_is_answered_from_that_decks_pages(card_store):
    _, assistant, _ = card_store
    ans = assistant.chat("Tài liệu tập huấn ở An Giang nói gì về tra cứu sáng chế?")
    assert ans.grounded and ans.citations
    assert all(c.source_id == "training/tap-huan-an-giang" and c.locator.startswith("trang") for c in ans.citations)
    assert "IPC" in ans.answer  # what page 2 teaches, not the cover page


def test_a_fee_question_with_counts_gets_the_sums_done(card_store):
    _, assistant, _ = card_store
    ans = assistant.chat("Đăng ký nhãn hiệu 3 nhóm, mỗi nhóm 8 sản phẩm thì phí bao nhiêu?")
    from assistant.fees import estimate, vnd

    total = estimate("trademark", "filing", products_per_class=[8, 8, 8]).total
    assert vnd(total) in ans.statements[0]["text"]
    assert "263/2016" in ans.citations[0].locator and ans.statements[0]["cites"] == [1]


def test_a_place_where_an_event_was_held_does_not_make_a_question_about_the_event(card_store):
    _, assistant, _ = card_store
    ans = assistant.chat("Thời tiết An Giang ngày mai thế nào?")
    assert not ans.grounded and ans.citations == []


def test_search_results_say_which_version_of_the_law_they_are(card_store):
    _, assistant, _ = card_store
    results = assistant.search("thời hạn thẩm định nội dung đơn nhãn hiệu", k=10)
    versions = {(r["valid_from"], r["valid_to"]) for r in results if r["locator"].startswith("Điều 119")}
    assert ("2026-04-01", None) in versions and ("2023-01-01", "2026-03-31") in versions


def _index(*cards, requires=None):
    from assistant.cards import Card, CardIndex, _requires
    from assistant.text import lexical_terms

    return CardIndex([Card(id=i, object=o, facet=f, answer={"vi": "…", "en": "…"}, points=[], basis_chunks=["x"],
                           valid_from="2023-01-01", valid_to="", legal_version="", confidence="high",
                           paraphrases=[frozenset(lexical_terms(p)) for p in ps],
                           requires=_requires((requires or {}).get(i))) for i, o, f, ps in cards])


def test_a_long_question_whose_object_and_facet_are_understood_gets_that_card_despite_other_words():
    from assistant.understand import understand

    index = _index(
        ("tm-exam", "trademark", "examination_time", ["How long does trademark examination take in Vietnam?"]),
        ("tm-where", "trademark", "where_to_file", ["Where do I file a trademark application in Vietnam?",
                                                    "Which office receives a trademark application?"]),
        ("tm-fees", "trademark", "fees", ["How much does it cost to file a trademark application?"]))
    long = ("My distributor in Hanoi keeps telling our board that a trademark application filed with the office "
            "there needs more than a year. How long is the substantive examination now?")
    q = understand(long)
    assert q.facets[0] == "examination_time" and "examination_time" not in q.guessed_facets
    assert [m.card.id for m in index.match(q)] == ["tm-exam"]
    # the paraphrase similarity is low: without the understood object and facet no card would answer
    assert index.match(q)[0].lexical < 0.3


def test_a_facet_guessed_from_a_generic_word_does_not_pick_a_card_on_its_own():
    from assistant.understand import understand

    index = _index(("de-excl", "design", "exclusions", ["Kiểu dáng nào không được bảo hộ?"]),
                   ("de-def", "design", "definition", ["Kiểu dáng công nghiệp là gì?"]))
    q = understand("Giao diện app (GUI) của công ty mình có đăng ký kiểu dáng công nghiệp được không?")
    assert q.facets[0] == "exclusions" and "exclusions" in q.guessed_facets
    assert "de-excl" not in [m.card.id for m in index.match(q)]


def test_a_question_naming_a_registered_gi_leads_with_its_register_entry_then_the_rule(card_store):
    _, assistant, _ = card_store
    assert "gi-term" in assistant.cards.by_id
    ans = assistant.chat("nuoc mam phu quoc co phai la chi dan dia ly duoc bao ho khong")
    assert ans.citations[0].source_id.startswith("records/") and "Phú Quốc" in ans.statements[0]["text"]
    assert any(c.locator.startswith("Điều 93") for c in ans.citations)  # the card's rule follows
    # a GI question that names no entry gets the rule alone
    plain = assistant.chat("Chỉ dẫn địa lý có được bảo hộ không?")
    assert plain.citations[0].locator.startswith("Điều 93")


def test_a_general_card_answers_for_an_object_that_has_no_card_of_its_own_for_the_facet():
    from assistant.understand import understand

    index = _index(("gen-sanctions", "general", "sanctions", ["What are the administrative fines for industrial "
                                                              "property infringement in Vietnam?",
                                                              "What penalties apply to counterfeit sellers?"]),
                   ("tm-infringement", "trademark", "infringement", ["What counts as trademark infringement?"]))
    q = understand("What is the penalty for trademark infringement in Vietnam?")
    assert [m.card.id for m in index.match(q)][:1] == ["gen-sanctions"]


def test_a_card_of_the_wider_object_answers_for_a_kind_of_it_that_has_no_card_for_the_facet():
    from assistant.understand import understand

    index = _index(("pt-maintenance", "patent", "renewal", ["Phí duy trì hiệu lực bằng sáng chế nộp khi nào?"]),
                   ("us-term", "utility_solution", "term", ["Giải pháp hữu ích được bảo hộ bao lâu?"]),
                   ("pt-term", "patent", "term", ["Sáng chế được bảo hộ bao lâu?"]))
    # A utility solution is a patent (understanding.json object_parents): the patent's annuity card answers…
    q = understand("Phí duy trì hiệu lực bằng độc quyền giải pháp hữu ích nộp khi nào?")
    assert q.objects[:1] == ("utility_solution",)
    assert [m.card.id for m in index.match(q)][:1] == ["pt-maintenance"]
    # …but never over the utility solution's own card for the facet (10 years, not a patent's 20).
    term = understand("Giải pháp hữu ích được bảo hộ trong bao lâu?")
    assert [m.card.id for m in index.match(term)] == ["us-term"]


def test_a_fee_question_without_counts_gets_a_worked_example_that_says_what_costs_more_for_that_kind(card_store):
    _, assistant, _ = card_store
    patent = assistant.chat("What are the official fees for filing a patent application in Vietnam?")
    lead = patent.statements[0]["text"]
    assert lead.startswith("For example, a patent application") and "independent claim" in lead
    assert "class" not in lead  # classes are a trademark's unit, not a patent's
    mark = assistant.chat("Đăng ký nhãn hiệu hết bao nhiêu tiền?").statements[0]["text"]
    assert mark.startswith("Ví dụ: một đơn nhãn hiệu") and "mỗi nhóm thêm" in mark
    renew = assistant.chat("How much does it cost to renew a trademark in Vietnam?").statements[0]["text"]
    assert renew.startswith("For example, renewing a trademark registration") and "application" not in renew


def test_asking_what_an_events_material_covers_gets_its_outline_page_by_page(card_store):
    _, assistant, _ = card_store
    ans = assistant.chat("Hội nghị tập huấn ở An Giang dạy những gì?")
    assert ans.statements[0]["text"].startswith("Tài liệu") and "An Giang" in ans.statements[0]["text"]
    assert ans.citations[0].locator == "trang 1"  # the cover names the event
    assert ans.statements[1]["text"].startswith("Trang 2: Tài liệu sáng chế gồm")
    assert [c.locator for c in ans.citations] == ["trang 1", "trang 2"]
    # a topic in the material is a search of its pages, not the outline
    topic = assistant.chat("Tài liệu tập huấn ở An Giang nói gì về tra cứu sáng chế?")
    assert "gồm các phần sau" not in topic.answer and "IPC" in topic.answer


def test_a_card_on_a_narrow_topic_answers_only_questions_that_name_it():
    from assistant.understand import understand

    cards = (("tm-domain", "trademark", "registration", ["Đăng ký tên miền rồi có cần đăng ký nhãn hiệu không?"]),
             ("tm-register", "trademark", "registration", ["Nhãn hiệu có bắt buộc phải đăng ký không?"]))
    index = _index(*cards, requires={"tm-domain": ["tên miền", "domain"]})
    ocop = understand("Sản phẩm OCOP của hợp tác xã có cần đăng ký nhãn hiệu không?")
    assert [m.card.id for m in index.match(ocop)] == ["tm-register"]
    assert "tm-domain" in [m.card.id for m in _index(*cards).match(ocop)]  # without the rule it would answer
    domain = understand("Mua tên miền rồi thì có cần đăng ký nhãn hiệu nữa không?")
    assert [m.card.id for m in index.match(domain)][:1] == ["tm-domain"]


def test_when_and_where_an_event_was_held_comes_from_its_decks_cover(card_store):
    _, assistant, _ = card_store
    ans = assistant.chat("Hội nghị tập huấn ở An Giang tổ chức khi nào?")
    assert "21/04/2023" in ans.statements[0]["text"] and "An Giang" in ans.statements[0]["text"]
    assert [c.locator for c in ans.citations] == ["trang 1"]


def test_an_event_named_in_the_preamble_is_the_one_whose_material_is_asked_about(card_store):
    _, assistant, _ = card_store
    ans = assistant.chat("Em có dự hội nghị tập huấn ở An Giang nhưng mất tài liệu rồi. Tài liệu hôm đó có những "
                         "nội dung chính gì ạ?")
    assert "gồm các phần sau" in ans.statements[0]["text"]
    assert {c.source_id for c in ans.citations} == {"training/tap-huan-an-giang"}


def test_a_follow_up_that_names_no_object_gets_the_card_of_the_object_asked_before():
    from assistant.understand import understand

    index = _index(("pt-maintenance", "patent", "renewal", ["How do I maintain a patent in Vietnam?"]),
                   ("tm-renewal", "trademark", "renewal", ["How do I renew a trademark?"]))
    history = [{"role": "user", "content": "How long is a patent protected in Vietnam?"}]
    q = understand("can it be renewed?", history=history)
    assert q.objects == ("patent",) and "patent" in q.expansions
    assert [m.card.id for m in index.match(q)] == ["pt-maintenance"]


def test_the_earlier_rule_line_never_says_the_old_rule_twice(card_store):
    _, assistant, _ = card_store
    ans = assistant.chat("Thẩm định nội dung đơn nhãn hiệu mất bao lâu?", as_of="2026-12-01")
    note = next(s["text"] for s in ans.statements if s["role"] == "note")
    # the card's transition restates the 9 months before saying what is unconfirmed: that sentence goes
    assert len(re.findall(r"\b0?9 tháng", note)) == 1 and "Chưa xác nhận được quy định chuyển tiếp" in note, note


def test_of_several_cards_the_understanding_names_the_closest_wording_answers():
    from assistant.understand import understand

    # Both share few words with the question (similarity 0.09 and 0.17): neither would answer on its wording.
    index = _index(("pt-conditions", "patent", "conditions", ["Điều kiện cấp bằng cho sinh viên?"]),
                   ("pt-novelty", "patent", "conditions", ["Giới thiệu ở trường rồi có mất tính mới?"]))
    q = understand("Em là sinh viên, em đã trình bày giải pháp của mình ở hội thảo khoa học của trường cách đây 5 "
                   "tháng, giờ nộp đơn sáng chế có bị mất tính mới không ạ?")
    assert q.facets[0] == "conditions"
    assert [m.card.id for m in index.match(q)][:1] == ["pt-novelty"]
