"""Every corpus format loads into sources with the right kind, locator and metadata."""

import json

import pytest

from assistant.errors import CorpusFileError
from assistant.loaders import load_file


def test_markdown_front_matter_sets_title_kind_ip_type_and_url(tmp_path):
    (tmp_path / "law").mkdir()
    f = tmp_path / "law" / "x.md"
    f.write_text('---\ntitle: "Luật X"\nip_type: trademark\nsource_url: "https://vbpl.vn/x"\n'
                 'version_date: 2022-06-16\n---\n## Điều 72. Điều kiện\n1. Dấu hiệu nhìn thấy được.\n',
                 encoding="utf-8")
    [src] = load_file(f, tmp_path)
    assert (src.source_id, src.title, src.kind, src.ip_type, src.url) == ("law/x", "Luật X", "law", "trademark",
                                                                          "https://vbpl.vn/x")
    assert src.meta["version_date"] == "2022-06-16"
    assert src.sections[0].heading_path == ("Điều 72. Điều kiện",)


def test_html_headings_become_sections_and_scripts_are_dropped(tmp_path):
    f = tmp_path / "page.html"
    f.write_text("<html><head><script>evil()</script></head><body><h1>Hướng dẫn</h1><h2>Bước 1</h2>"
                 "<p>Tra cứu nhãn hiệu &amp; nộp đơn.</p></body></html>", encoding="utf-8")
    [src] = load_file(f, tmp_path)
    assert src.title == "Hướng dẫn"
    assert src.sections[0].locator == "Bước 1" and "Tra cứu nhãn hiệu & nộp đơn." in src.sections[0].text
    assert all("evil" not in s.text for s in src.sections)


def test_csv_and_jsonl_records_become_one_source_each(tmp_path):
    (tmp_path / "records").mkdir()
    csv_file = tmp_path / "records" / "tm.csv"
    csv_file.write_text("id,ip_type,mark,nice_classes,owner,status\n4-2024-00001,trademark,Sen Vàng,\"30; 43\","
                        "Công ty A,registered\n", encoding="utf-8")
    [rec] = load_file(csv_file, tmp_path)
    assert rec.kind == "record" and rec.source_id == "records/tm/4-2024-00001"
    assert rec.meta["record"]["nice_classes"] == [30, 43]
    assert "Nhóm Nice: 30, 43;" in rec.sections[0].text and rec.sections[0].locator == "Số đơn 4-2024-00001"
    jsonl = tmp_path / "records" / "gi.jsonl"
    jsonl.write_text(json.dumps({"id": "00001", "ip_type": "gi", "name": "Phú Quốc", "product": "nước mắm",
                                 "registration_number": "00001", "sample": False}, ensure_ascii=False) + "\n",
                     encoding="utf-8")
    [gi] = load_file(jsonl, tmp_path)
    assert gi.title == "Chỉ dẫn địa lý “Phú Quốc” cho sản phẩm nước mắm" and gi.sections[0].locator == "CDĐL 00001"


def test_records_without_ids_or_with_duplicate_ids_are_rejected(tmp_path):
    f = tmp_path / "r.jsonl"
    f.write_text('{"id": "a"}\n{"id": "a"}\n', encoding="utf-8")
    with pytest.raises(CorpusFileError, match="duplicate"):
        load_file(f, tmp_path)
    f.write_text('{"mark": "x"}\n', encoding="utf-8")
    with pytest.raises(CorpusFileError, match="no id"):
        load_file(f, tmp_path)


def test_training_decks_are_titled_with_their_place_and_date(tmp_path):
    from assistant.loaders import _deck_title

    meta = {"place": "An Giang", "event_date": "2023-04-21"}
    assert _deck_title("Khai thác thông tin sáng chế", meta) == "Khai thác thông tin sáng chế (An Giang, 21/04/2023)"
    assert _deck_title("Trạm IPPlatform", {"place": "Không nêu trong báo cáo", "event_date": "2023"}) == \
        "Trạm IPPlatform (2023)"


def test_upper_case_documentation_files_are_not_corpus(tmp_path):
    from assistant.loaders import iter_corpus_files

    for name in ("README.md", "CROSSCHECK.md", "guide.md"):
        (tmp_path / name).write_text("# x\ntext", encoding="utf-8")
    assert [p.name for p in iter_corpus_files(tmp_path)] == ["guide.md"]
