from assistant.chunking import article_locator, chunk_source
from assistant.models import Section, Source


def _law(body_sections):
    return Source(source_id="law/x", title="Luật", kind="law", path="x.md", sections=body_sections)


def test_each_article_becomes_a_chunk_cited_by_its_article_number():
    src = _law([Section(text="1. Văn bằng có hiệu lực.", locator="Điều 93. Hiệu lực",
                        heading_path=("Điều 93. Hiệu lực của văn bằng bảo hộ",))])
    [chunk] = chunk_source(src)
    assert chunk.locator == "Điều 93"
    assert chunk.text.startswith("Điều 93. Hiệu lực của văn bằng bảo hộ")


def test_long_articles_split_on_khoan_and_cite_the_clause_range():
    body = "\n".join(f"{i}. " + ("Nội dung khoản rất dài. " * 30) for i in range(1, 6))
    src = _law([Section(text=body, heading_path=("Điều 119. Thời hạn xử lý đơn",))])
    chunks = chunk_source(src)
    assert len(chunks) > 1
    assert all(c.locator.startswith("Điều 119 khoản ") for c in chunks)
    assert chunks[0].locator.startswith("Điều 119 khoản 1")
    assert all(c.text.startswith("Điều 119. Thời hạn xử lý đơn") for c in chunks)


def test_article_locator_reads_decree_prefixed_headings():
    assert article_locator("Điều 4a. Something") == "Điều 4a"
    assert article_locator("Nghị định 65/2023/NĐ-CP — Điều 12. Đơn") == "Nghị định 65/2023/NĐ-CP — Điều 12"
    assert article_locator("Bước 1: Tra cứu") is None


def test_pdf_pages_keep_their_page_locator():
    src = Source(source_id="training/a", title="Deck", kind="training", path="a.pdf",
                 sections=[Section(text="Trang một", locator="trang 1", page=1),
                           Section(text="Trang hai", locator="trang 2", page=2)])
    chunks = chunk_source(src)
    assert [c.locator for c in chunks] == ["trang 1", "trang 2"]
    assert [c.page for c in chunks] == [1, 2]


def test_a_very_long_clause_splits_on_its_points_and_keeps_its_lead_in():
    points = "\n".join(f"{c}) " + ("Dấu hiệu mô tả hàng hóa, dịch vụ. " * 12) for c in "abcdefgh")
    body = "1. Khoản ngắn.\n2. Nhãn hiệu bị coi là không có khả năng phân biệt nếu:\n" + points
    src = _law([Section(text=body, heading_path=("Điều 74. Khả năng phân biệt của nhãn hiệu",))])
    chunks = chunk_source(src)
    locs = [c.locator for c in chunks]
    assert any(loc.startswith("Điều 74 khoản 2 điểm a") for loc in locs)
    assert all(len(c.text) < 2000 for c in chunks)
    assert all("không có khả năng phân biệt nếu:" in c.text for c in chunks if "điểm" in c.locator)
