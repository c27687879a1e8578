"""The real corpus states the law in force today and keeps, dated, the rule each amendment replaced.

Law 131/2025/QH15 (in force since 01/04/2026) and the 2026 decrees changed a set of provisions. For each of them
the corpus must hold exactly two versions: the current one (dated from the day the change took effect, open-ended)
and the historical one (ending the day before, headed "(quy định trước dd/mm/yyyy)", opening with which
applications it still covers or that the transitional rule could not be confirmed). No undated or current section
anywhere in the law summaries and guides may state a superseded figure as the rule; an old figure may appear only
inside a parenthesis that dates it ("(trước 01/4/2026: 09 tháng)", "(before 1 April 2026: 9 months)").
Format: corpus/README.md. These tests read the committed corpus, not the test fixture.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from assistant.loaders import load_file

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
DOCS = sorted([*CORPUS.glob("law/*.md"), *CORPUS.glob("guides/*.md"), *CORPUS.glob("training/*.md")])
LAW_AND_GUIDES = [p for p in DOCS if p.parent.name in ("law", "guides")]
CONFIDENCE = {"high", "medium", "low"}
# A parenthesis that dates an old figure is history, not a statement of the current rule.
DATED_ASIDE = re.compile(r"\([^()]*(?:trước 01/4/2026|before 1 April 2026|until 31 March 2026)[^()]*\)")


def _sections(path: Path):
    (source,) = load_file(path, CORPUS)
    return source, source.sections


def _heading(section) -> str:
    return section.heading_path[-1] if section.heading_path else ""


def _day(value) -> date:
    return date.fromisoformat(str(value))


# (file, heading of the provision, effective date, what the current text says, what the historical text says,
#  what the current text must not say)
CHANGED = [
    ("law/02-quyen-tac-gia.md", r"^Điều 12a\.", "2026-04-01",
     [r"trí tuệ nhân tạo không phải là tác giả"], [r"chưa có quy định riêng về trí tuệ nhân tạo"],
     [r"chưa có quy định riêng về trí tuệ nhân tạo"]),
    ("law/06-don-va-xu-ly-don.md", r"^Điều 119\.", "2026-04-01",
     [r"Nhãn hiệu: không quá 05 tháng", r"Kiểu dáng công nghiệp: không quá 05 tháng", r"không quá 12 tháng",
      r"2a\. Thẩm định nhanh.*?03 tháng"],
     [r"Nhãn hiệu: không quá 09 tháng", r"Kiểu dáng công nghiệp: không quá 07 tháng", r"không quá 18 tháng"],
     [r"\b09 tháng", r"\b18 tháng", r"\b07 tháng"]),
    ("law/06-don-va-xu-ly-don.md", r"^Điều 112a\.", "2026-04-01",
     [r"sáng chế: 06 tháng", r"thẩm định nội dung nhanh", r"nhãn hiệu, đơn đăng ký chỉ dẫn địa lý: 03 tháng"],
     [r"sáng chế: 09 tháng", r"kiểu dáng công nghiệp: 04 tháng", r"nhãn hiệu: 05 tháng"],
     [r"\b09 tháng", r"\b04 tháng", r"\b05 tháng"]),
    ("law/06-don-va-xu-ly-don.md", r"^Điều 113\.", "2026-04-01",
     [r"36 tháng kể từ ngày ưu tiên"], [r"42 tháng kể từ ngày ưu tiên"], [r"42 tháng"]),
    ("law/06-don-va-xu-ly-don.md", r"^Điều 110\.", "2026-04-01",
     [r"công bố sớm được công bố trong thời hạn 01 tháng", r"kiểu dáng công nghiệp được công bố trong thời hạn 01 tháng",
      r"không quá 07 tháng kể từ ngày\s+nộp đơn"],
     [r"công bố sớm được công bố trong thời hạn 02 tháng"],
     [r"công bố sớm được công bố trong thời hạn 02 tháng", r"kiểu dáng công nghiệp, đơn đăng ký nhãn hiệu"]),
    ("law/06-don-va-xu-ly-don.md", r"^Điều 109\.", "2026-04-01",
     [r"không còn nhận quyết định"], [r"được ra thông báo chấp nhận\s+đơn hợp lệ"],
     [r"được ra thông báo chấp nhận"]),
    ("law/01-quy-dinh-chung.md", r"^Điều 4 khoản 13\.", "2026-04-01",
     [r"toàn bộ hoặc một phần sản phẩm", r"giao diện đồ họa"], [r"bộ phận để lắp ráp"], [r"nhìn thấy được trong quá"]),
    ("law/01-quy-dinh-chung.md", r"^Điều 7\.", "2026-04-01",
     [r"^5\. Dữ liệu để huấn luyện trí tuệ nhân tạo"], [r"^3\. "], []),
    ("law/03a-kieu-dang-cong-nghiep.md", r"^Điều 65\.", "2026-04-01",
     [r"người khác đã nhận được thông tin"], [r"dưới dạng báo cáo khoa học"], []),
    ("law/03a-kieu-dang-cong-nghiep.md", r"^Điều 67\.", "2026-04-01", [r"môi trường mạng"], [r"thủ công nghiệp"], []),
    ("law/07-quyen-chu-so-huu-chuyen-giao-dai-dien.md", r"^Điều 124\.", "2026-04-01",
     [r"bản sao kỹ thuật số"], [r"Sử dụng kiểu dáng công nghiệp"], []),
    ("law/08-bao-ve-quyen-thuc-thi.md", r"^Điều 202\.", "2026-04-01",
     [r"chặn truy cập", r"tiêu hủy hàng hóa giả mạo"], [r"^5\. Buộc tiêu hủy"], [r"^5\. Buộc tiêu hủy, hoặc"]),
    ("law/08-bao-ve-quyen-thuc-thi.md", r"^Điều 205\.", "2026-04-01",
     [r"không quá 1 tỷ đồng"], [r"không quá 500 triệu đồng"], [r"500 triệu"]),
    ("law/02-quyen-tac-gia.md", r"— Điều 5a\.", "2026-04-09",
     [r"đóng góp trí tuệ đáng kể", r"chịu trách nhiệm pháp lý"], [r"Điều 12a"], []),
    ("law/09-nghi-dinh-65-2023-thong-tu-23-2023.md", r"— Điều 10a\.", "2026-04-01",
     [r"đóng góp đáng kể", r"quyền\s+sử dụng và cho phép người khác sử dụng"], [r"chưa có điều riêng"], []),
    ("law/09-nghi-dinh-65-2023-thong-tu-23-2023.md", r"^Tình trạng hiệu lực", "2026-04-01",
     [r"100/2026/NĐ-CP", r"10/2026/TT-BKHCN", r"134/2026/NĐ-CP", r"263/2016/TT-BTC", r"46/2024/NĐ-CP"],
     [r"Thông tư 23/2023/TT-BKHCN"], []),
]
# Provisions added in 2026 have no earlier rule to point a transition at; their historical text says so instead.
NEW_IN_2026 = {r"— Điều 5a\.", r"— Điều 10a\.", r"^Tình trạng hiệu lực"}


def _versions(rel: str, heading_re: str) -> dict[str, list]:
    _, sections = _sections(CORPUS / rel)
    out: dict[str, list] = {}
    for s in sections:
        head = next((h for h in s.heading_path if re.search(heading_re, h)), None)
        if head:
            out.setdefault(head, []).append(s)
    return out


@pytest.mark.parametrize("rel,heading_re,effective,current_says,historical_says,current_never",
                         CHANGED, ids=[f"{c[0].split('/')[-1][:6]}:{c[1]}" for c in CHANGED])
def test_a_changed_provision_has_exactly_a_current_and_a_historical_version(
        rel, heading_re, effective, current_says, historical_says, current_never):
    versions = _versions(rel, heading_re)
    assert len(versions) == 2, f"{rel} {heading_re}: expected current + historical, found {list(versions)}"
    (cur_head, cur), (hist_head, hist) = sorted(versions.items(), key=lambda kv: "valid_to" in kv[1][0].attrs)
    # The current version starts on the day the change took effect and is still open.
    assert cur[0].attrs.get("valid_from") == effective and not cur[0].attrs.get("valid_to"), cur_head
    assert cur[0].attrs.get("confidence") in CONFIDENCE
    # The historical one ends the day before and says so in its heading.
    day_before = (_day(effective) - timedelta(days=1)).isoformat()
    assert hist[0].attrs.get("valid_to") == day_before, hist_head
    assert _day(hist[0].attrs["valid_from"]) < _day(effective)
    eff = _day(effective)
    assert f"(quy định trước {eff.day:02d}/{eff.month}/{eff.year})" in hist_head
    first = " ".join("\n".join(s.text for s in hist).split("\n\n", 1)[0].split())
    assert first.startswith(("Áp dụng", "Trước ngày")), first
    if heading_re not in NEW_IN_2026:
        assert "chuyển tiếp" in first, f"{hist_head}: first line must say what the transitional rule does"
    cur_text = "\n".join(s.text for s in cur)
    hist_text = "\n".join(s.text for s in hist)
    for pat in current_says:
        assert re.search(pat, cur_text, re.M | re.S), f"current {cur_head} lacks {pat!r}"
    for pat in historical_says:
        assert re.search(pat, hist_text, re.M | re.S), f"historical {hist_head} lacks {pat!r}"
    for pat in current_never:
        found = re.search(pat, DATED_ASIDE.sub("", cur_text), re.M)
        assert not found, f"current {cur_head} still states {found.group(0)!r}"


# Superseded figures, as a reader would meet them in a sentence about the rule they belonged to.
SUPERSEDED = [
    r"nhãn hiệu[^.;\n]{0,100}không quá 0?9 tháng",
    r"thẩm định nội dung[^.;\n]{0,120}\b(?:0?9|18|0?7) tháng",
    r"phản đối[^.;,\n]{0,160}\b(?:0?5|0?9|0?4) tháng",
    r"\b42 tháng",
    r"công bố sớm[^.;\n]{0,120}\b02 tháng",
    r"kiểu dáng[^.;\n]{0,80}công bố[^.;\n]{0,80}\b02 tháng",
    r"không quá 500 triệu đồng",
    r"ra thông báo chấp nhận đơn hợp lệ",
    r"(?:substantive examination|examined)[^.;\n]{0,120}\b(?:9|18|7) months",
    r"opposition[^.;\n]{0,120}\b(?:9|5|4) months",
    r"\b42 months",
    r"(?:design|early)[^.;\n]{0,60}publi[^.;\n]{0,60}\b2 months of acceptance",
    r"VND 500 ?million",
]


def test_no_current_or_undated_section_states_a_superseded_figure():
    problems = []
    for path in LAW_AND_GUIDES:
        _, sections = _sections(path)
        for s in sections:
            if s.attrs.get("valid_to"):
                continue  # a historical section states the old rule on purpose
            text = DATED_ASIDE.sub("", " ".join(s.text.split()))
            for pat in SUPERSEDED:
                for m in re.finditer(pat, text, re.I):
                    problems.append(f"{path.relative_to(CORPUS)} [{_heading(s)}]: {m.group(0)!r}")
    assert not problems, "\n".join(problems)


def test_the_checks_above_catch_a_superseded_figure():
    # The same patterns, on a sentence the 2022 corpus used to say, must fire.
    old = "Thời hạn thẩm định nội dung đơn nhãn hiệu là không quá 09 tháng kể từ ngày công bố đơn."
    assert any(re.search(p, old, re.I) for p in SUPERSEDED)
    dated = "Phản đối đơn nhãn hiệu trong 03 tháng (trước 01/4/2026: 05 tháng)."
    assert not any(re.search(p, DATED_ASIDE.sub("", dated), re.I) for p in SUPERSEDED)


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(CORPUS)))
def test_every_document_states_its_version_dates_check_and_confidence(path):
    source, sections = _sections(path)
    meta = source.meta
    for key in ("legal_version", "valid_from", "checked", "confidence"):
        assert meta.get(key), f"{path.name} lacks {key}"
    _day(meta["valid_from"])
    assert _day(meta["checked"]) >= date(2026, 4, 1), "checked before the amendment took effect"
    assert meta.get("valid_to") in (None, ""), "a document summarising the law in force has no end date"
    assert meta["confidence"] in CONFIDENCE
    # The old "Luật 131/2025 may have changed this" note is gone once the document states the current rule.
    assert "note_131_2025" not in meta
    for s in sections:
        for key in ("valid_from", "valid_to"):
            if s.attrs.get(key):
                _day(s.attrs[key])
        if s.attrs.get("confidence"):
            assert s.attrs["confidence"] in CONFIDENCE, _heading(s)
        if s.attrs.get("valid_to"):
            assert any("trước" in h or "before" in h for h in s.heading_path), _heading(s)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("training/*.meta.json")), ids=lambda p: p.name)
def test_every_training_deck_states_its_version_dates_check_and_confidence(path):
    meta = json.loads(path.read_text(encoding="utf-8"))
    for key in ("legal_version", "valid_from", "checked", "confidence"):
        assert meta.get(key), f"{path.name} lacks {key}"
    assert meta["confidence"] in CONFIDENCE
    _day(meta["valid_from"]), _day(meta["checked"])


def test_no_document_still_says_the_amendment_may_have_changed_it():
    hedges = re.compile(r"131/2025/QH15[^.]{0,80}(?:có thể đã|may have changed)")
    offenders = [str(p.relative_to(CORPUS)) for p in DOCS if hedges.search(p.read_text(encoding="utf-8"))]
    assert not offenders


def test_the_changes_document_lists_every_change_with_its_article():
    source, sections = _sections(CORPUS / "law/10-luat-131-2025-sua-doi.md")
    lines = [ln[2:] for s in sections for ln in s.text.splitlines() if ln.startswith("- ")]
    assert all(re.search(r"Điều \d+|Nghị định|Thông tư|Quyết định", ln) for ln in lines), \
        [ln for ln in lines if not re.search(r"Điều \d+|Nghị định|Thông tư|Quyết định", ln)]
    text = "\n".join(lines)
    for article in ("Điều 119", "Điều 119 khoản 2a", "Điều 112a", "Điều 113", "Điều 110", "Điều 109",
                    "Điều 4 khoản 13", "Điều 65", "Điều 67", "Điều 124", "Điều 7 khoản 5", "Điều 202", "Điều 205",
                    "Điều 5a", "Điều 10a", "Nghị định 100/2026", "Thông tư 10/2026", "Thông tư 263/2016",
                    "Nghị định 46/2024"):
        assert article in text, f"no line about {article}"
    assert source.meta["valid_from"] == "2026-04-01"


def test_the_english_overview_answers_what_changed_in_2026():
    _, sections = _sections(CORPUS / "guides/ip-overview-en.md")
    changed = [s for s in sections if any("What changed" in h for h in s.heading_path)]
    assert changed and all(s.attrs.get("valid_from") == "2026-04-01" for s in changed)
    text = "\n".join(s.text for s in changed)
    for fact in (r"Trademark substantive examination: within 5 months", r"Article 112a", r"36 months",
                 r"VND 1 billion", r"Article 7\(5\)"):
        assert re.search(fact, text), fact
    assert any(_heading(s) == "What changed for trademark applicants in 2026" for s in changed)
