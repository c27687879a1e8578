from assistant.models import Chunk
from assistant.retrieve import Filters, contextualize, rrf_fuse
from assistant.text import fold


def _chunks(*ids):
    return {i: Chunk(chunk_id=i, source_id=i, text=i, title=i, kind="law", locator="") for i in ids}


def test_rrf_rewards_documents_both_signals_agree_on():
    chunks = _chunks("a", "b", "c")
    hits = rrf_fuse(dense=[("a", 0.9), ("b", 0.8)], lexical=[("b", 12.0), ("c", 9.0)], chunks=chunks, k=3)
    assert [h.chunk.chunk_id for h in hits][0] == "b"
    b = hits[0]
    assert b.dense == 0.8 and b.lexical == 12.0 and b.dense_rank == 2 and b.lexical_rank == 1


def test_rrf_weights_let_one_signal_lead():
    chunks = _chunks("a", "c")
    hits = rrf_fuse(dense=[("a", 0.9)], lexical=[("c", 5.0)], chunks=chunks, k=2, w_dense=0.2, w_lexical=1.0)
    assert hits[0].chunk.chunk_id == "c"


def test_filters_translate_to_a_chroma_where_clause():
    assert Filters().where() is None
    assert Filters(kinds=("law",)).where() == {"kind": {"$in": ["law"]}}
    where = Filters(kinds=("law",), ip_types=("trademark",)).where()
    assert where == {"$and": [{"kind": {"$in": ["law"]}}, {"ip_type": {"$in": ["trademark"]}}]}


def test_follow_up_questions_borrow_the_previous_turn():
    history = [{"role": "user", "content": "Thời hạn bảo hộ nhãn hiệu là bao lâu?"},
               {"role": "assistant", "content": "10 năm"}]
    assert "thoi han bao ho" in fold(contextualize("Còn kiểu dáng thì sao?", history))
    assert "thoi han bao ho" in fold(contextualize("what about designs?", history))
    assert "nhãn hiệu" in contextualize("Thủ tục đó mất bao lâu?", history)
    long_q = "Điều kiện bảo hộ sáng chế gồm những tiêu chí nào theo luật hiện hành của Việt Nam?"
    assert contextualize(long_q, history) == long_q


def test_chat_filters_admit_only_the_named_record_types():
    f = Filters(record_ip_types=("gi",))
    gi = Chunk(chunk_id="g", source_id="g", text="", title="", kind="record", locator="", ip_type="gi")
    tm = Chunk(chunk_id="t", source_id="t", text="", title="", kind="record", locator="", ip_type="trademark")
    law = Chunk(chunk_id="l", source_id="l", text="", title="", kind="law", locator="", ip_type="trademark")
    assert f.allows(gi) and f.allows(law) and not f.allows(tm)
    assert f.where() == {"$or": [{"kind": {"$ne": "record"}}, {"ip_type": {"$in": ["gi"]}}]}


def test_a_follow_up_about_another_ip_object_swaps_the_object_and_keeps_the_question():
    history = [{"role": "user", "content": "How long is a trademark protected in Vietnam?"}]
    q = contextualize("What about industrial designs?", history)
    assert "how long" in q.lower() and "trademark" not in q.lower() and "industrial designs" in q
