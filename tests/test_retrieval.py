"""Hybrid retrieval over the real store and model."""

from assistant.retrieve import Filters, as_langchain_retriever


def test_unaccented_queries_reach_the_accented_article(assistant):
    hits = assistant.retriever.retrieve("thoi han bao ho sang che", 3)
    assert hits[0].chunk.locator.startswith("Điều 93")


def test_english_questions_reach_vietnamese_sources_through_the_glossary(assistant):
    hits = assistant.retriever.retrieve("How long is a patent protected?", 3)
    assert any(h.chunk.locator.startswith("Điều 93") for h in hits)


def test_kind_and_ip_type_filters_restrict_results(assistant):
    hits = assistant.retriever.retrieve("nhãn hiệu", 10, Filters(kinds=("guide",)))
    assert hits and {h.chunk.kind for h in hits} == {"guide"}
    hits = assistant.retriever.retrieve("nhãn hiệu", 10, Filters(exclude_kinds=("record",)))
    assert "record" not in {h.chunk.kind for h in hits}


def test_the_retriever_plugs_into_langchain(assistant):
    retriever = as_langchain_retriever(assistant.retriever, k=2)
    docs = retriever.invoke("Đối tượng nào không được bảo hộ với danh nghĩa sáng chế?")
    assert len(docs) == 2
    assert docs[0].metadata["locator"].startswith("Điều 59")
    assert "phương pháp toán học" in docs[0].page_content
