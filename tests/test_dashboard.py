"""The IP-asset dashboard: the 63 ↔ 34 province map, counts that match the corpus records, renewals due by the
renewal rules, the enterprise view, CSV, and clear 4xx for bad filters (over HTTP on the fixture server)."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from assistant import dashboard as dash
from assistant.errors import BadInput, NotFound

ROOT = Path(__file__).resolve().parent.parent
RECORDS = ROOT / "corpus" / "records"
AS_OF = date(2026, 12, 1)


@pytest.fixture(scope="module")
def corpus_records() -> list[dict]:
    return [json.loads(line) for path in sorted(RECORDS.glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# --------------------------------------------------------------------------- provinces
def test_the_63_provinces_map_onto_the_34_and_back():
    p = dash.provinces()
    assert len(p["old"]) == 63 and len(p["new"]) == 34
    assert sorted(o for members in p["new"].values() for o in members) == sorted(p["old"])  # each old in one new
    assert p["old_to_new"]["Sóc Trăng"] == "Cần Thơ" and p["old_to_new"]["Long An"] == "Tây Ninh"
    assert set(p["new"]["Cần Thơ"]) == {"Cần Thơ", "Sóc Trăng", "Hậu Giang"}
    assert p["old_to_new"]["Thừa Thiên Huế"] == "Huế"


def test_province_names_resolve_without_accents_and_through_aliases():
    assert dash.resolve_province("soc trang").name == "Sóc Trăng"
    assert dash.resolve_province("Tỉnh Long An").members == ("Long An",)
    assert dash.resolve_province("TP HCM").name == "TP. Hồ Chí Minh"
    assert dash.resolve_province("ho chi minh", "34").members == ("TP. Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu")
    # A name in both lists means the old province unless the 34-province list is asked for.
    assert dash.resolve_province("Cần Thơ").members == ("Cần Thơ",)
    assert dash.resolve_province("Huế").scheme == "34"  # only a post-merger name
    assert dash.resolve_province("") is None and dash.resolve_province(None) is None
    for bad in ("Atlantis", "Sóc"):
        with pytest.raises(BadInput, match="unknown province"):
            dash.resolve_province(bad)
    with pytest.raises(BadInput, match="scheme"):
        dash.resolve_province("Long An", "99")


def test_every_sample_record_names_its_owner_and_a_province_of_the_63(corpus_records):
    old = set(dash.provinces()["old"])
    sample = [r for r in corpus_records if r["ip_type"] != "gi"]
    assert sample and all(r["sample"] is True and "không phải dữ liệu thật" in r["source"] for r in sample)
    for r in sample:
        assert r["owner"] and r["owner_address"].endswith(r["owner_province"].replace("TP. ", "")), r["id"]
        assert r["owner_province"] in old and r["filing_date"], r["id"]
        assert bool(r.get("registration_date") or r.get("grant_date")) == bool(r["expiry_date"]), r["id"]
    by_province = Counter(r["owner_province"] for r in sample)
    assert len(by_province) == 63 and by_province["Sóc Trăng"] >= 60 and by_province["Long An"] >= 60
    gi_provinces = {r["province"] for r in corpus_records if r["ip_type"] == "gi"}
    assert gi_provinces <= old  # the real GI register uses the same 63 names


# --------------------------------------------------------------------------- the dashboard
def test_a_province_dashboard_counts_exactly_the_records_of_that_province(corpus_records):
    mine = [r for r in corpus_records if (r.get("owner_province") or r.get("province")) == "Sóc Trăng"]
    out = dash.dashboard(corpus_records, dash.resolve_province("Sóc Trăng"), as_of=AS_OF)
    assert set(out) == {"province", "period", "by_kind", "by_status", "filings_per_year", "top_classes",
                        "top_owners", "gis", "renewals_due"}
    assert out["by_kind"] == {k: sum(r["ip_type"] == k for r in mine) for k in dash.KINDS}
    assert out["by_status"] == dict(Counter(r["status"] for r in mine))
    years = Counter(int(r["filing_date"][:4]) for r in mine)
    assert {y["year"]: y["n"] for y in out["filings_per_year"] if y["n"]} == dict(years)
    classes = Counter(c for r in mine if r["ip_type"] == "trademark" for c in r["nice_classes"])
    assert out["top_classes"][0]["n"] == max(classes.values())
    assert out["top_owners"][0]["n"] == max(Counter(r["owner"] for r in mine).values())
    assert out["province"] == {"name": "Sóc Trăng", "scheme": "63", "members": ["Sóc Trăng"], "merged_into": "Cần Thơ"}


def test_the_merged_province_covers_its_old_provinces_and_their_gis(corpus_records):
    old = dash.dashboard(corpus_records, dash.resolve_province("Cần Thơ"), as_of=AS_OF)
    new = dash.dashboard(corpus_records, dash.resolve_province("Cần Thơ", "34"), as_of=AS_OF)
    parts = [dash.dashboard(corpus_records, dash.resolve_province(p), as_of=AS_OF)
             for p in ("Cần Thơ", "Sóc Trăng", "Hậu Giang")]
    assert new["by_kind"] == {k: sum(p["by_kind"][k] for p in parts) for k in dash.KINDS}
    assert new["by_kind"]["trademark"] > old["by_kind"]["trademark"]
    assert [g["name"] for g in new["gis"]] == ["Cầu Đúc"]  # Hậu Giang's pineapple GI, from the real register
    assert all(g["province"] == "Hậu Giang" for g in new["gis"])


def test_kind_and_period_filters_narrow_the_counts(corpus_records):
    p = dash.resolve_province("Long An")
    start, end = dash.parse_period("2020", "2021")
    out = dash.dashboard(corpus_records, p, "trademark", start, end, AS_OF)
    expected = [r for r in corpus_records if r.get("owner_province") == "Long An" and r["ip_type"] == "trademark"
                and "2020-01-01" <= r["filing_date"] <= "2021-12-31"]
    assert out["by_kind"]["trademark"] == len(expected) > 0
    assert sum(out["by_kind"].values()) == len(expected)
    assert [y["year"] for y in out["filings_per_year"]] == [2020, 2021]
    assert out["period"] == {"from": "2020-01-01", "to": "2021-12-31", "as_of": "2026-12-01"}


def test_periods_accept_years_months_and_days_and_reject_the_rest():
    assert dash.parse_period("2024-02", "2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert dash.parse_period(None, "2025-03-04") == (None, date(2025, 3, 4))
    for start, end, msg in (("2021", "2020", "after"), ("2020-13", None, "YYYY-MM-DD"), ("yesterday", None, "from"),
                            (None, "2021-02-30", "to"), ("2021/01/01", None, "from")):
        with pytest.raises(BadInput, match=msg):
            dash.parse_period(start, end)


# --------------------------------------------------------------------------- renewals due
def _tm(rid: str, expiry: str, status: str = "registered", ip_type: str = "trademark", filing: str = "2016-06-01"):
    return {"id": rid, "ip_type": ip_type, "mark": rid, "owner": "Công ty X", "owner_province": "Sóc Trăng",
            "filing_date": filing, "registration_date": "2017-05-01", "expiry_date": expiry, "status": status}


def test_renewals_due_are_those_expiring_within_six_months_or_in_the_six_month_grace_period():
    records = [
        _tm("in-6-months", "2027-06-01"), _tm("past-6-months", "2027-06-02"),
        _tm("expired-6-months-ago", "2026-06-01", "expired"), _tm("too-late", "2026-05-31", "expired"),
        _tm("today", "2026-12-01"), _tm("terminated", "2027-01-01", "terminated"),
        _tm("patent", "2027-01-01", ip_type="patent"),  # maintained yearly, never renewed
        _tm("design-once", "2027-01-01", ip_type="design", filing="2022-01-01"),
        _tm("design-renewed-twice", "2027-01-01", ip_type="design", filing="2012-01-01"),  # 15 years: the end
    ]
    due = dash.renewals_due(records, AS_OF)
    assert [r["record_id"] for r in due] == ["expired-6-months-ago", "today", "design-once", "in-6-months"]
    assert {r["record_id"]: r["phase"] for r in due}["expired-6-months-ago"] == "grace_period"
    assert {r["record_id"]: r["late_until"] for r in due}["today"] == "2027-06-01"
    assert set(due[0]) >= {"record_id", "mark", "owner", "expiry"}


def test_the_rule_behind_renewals_is_the_one_the_guide_states():
    rules = dash.renewal_rules()
    guide = (ROOT / "corpus" / "guides" / "gia-han-duy-tri-chuyen-nhuong.md").read_text(encoding="utf-8")
    assert rules["months_before_expiry"] == 6 and rules["grace_months_after_expiry"] == 6
    assert "trong vòng 06 tháng trước ngày giấy chứng nhận hết hiệu lực" in guide
    assert "không quá 06 tháng kể từ ngày hết hiệu lực" in guide
    assert (ROOT / "corpus" / f"{rules['guide_source_id']}.md").exists()


# --------------------------------------------------------------------------- enterprise view, CSV
def test_the_enterprise_view_lists_one_owners_records_across_kinds(corpus_records):
    kinds: dict[str, set] = {}
    for r in corpus_records:
        if r["ip_type"] != "gi":
            kinds.setdefault(r["owner"], set()).add(r["ip_type"])
    owner = sorted(o for o, k in kinds.items() if len(k) > 1)[0]
    out = dash.enterprise(corpus_records, dash.fold(owner).upper(), AS_OF)  # case and accents do not matter
    expected = [r["id"] for r in corpus_records if r.get("owner") == owner]
    assert out["owner"] == owner and sorted(x["record_id"] for x in out["records"]) == sorted(expected)
    assert len(out["by_kind"]) > 1
    with pytest.raises(NotFound):
        dash.enterprise(corpus_records, "Công ty không có thật 123", AS_OF)


def test_csv_sections_parse_back_to_the_payload(corpus_records):
    out = dash.dashboard(corpus_records, dash.resolve_province("Sóc Trăng"), as_of=AS_OF)
    for section in dash.SECTIONS:
        text = dash.to_csv(dash.section_rows(out, section), dash.COLUMNS[section])
        rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
        assert len(rows) == len(dash.section_rows(out, section)), section
    rows = list(csv.DictReader(io.StringIO(dash.to_csv(out["renewals_due"], dash.COLUMNS["renewals_due"])
                                           .lstrip("\ufeff"))))
    assert [r["record_id"] for r in rows] == [r["record_id"] for r in out["renewals_due"]]
    with pytest.raises(BadInput):
        dash.section_rows(out, "secrets")


# --------------------------------------------------------------------------- over HTTP (fixture corpus)
def test_the_dashboard_api_has_the_documented_shape(http):
    body = http.get("/api/dashboard", params={"province": "Hà Nội"}).json()
    assert set(body) == {"province", "period", "by_kind", "by_status", "filings_per_year", "top_classes",
                         "top_owners", "gis", "renewals_due"}
    assert body["by_kind"]["trademark"] == 1 and body["top_classes"] == [{"class": 43, "n": 1}]
    assert set(body["period"]) == {"from", "to", "as_of"}
    whole = http.get("/api/dashboard").json()
    assert whole["province"] is None and whole["by_kind"]["gi"] == 1 and whole["gis"][0]["record_id"] == "00001"
    schema = http.get("/openapi.json").json()["paths"]["/api/dashboard"]["get"]
    assert {p["name"] for p in schema["parameters"]} == {"province", "scheme", "kind", "from", "to"}


@pytest.mark.parametrize("params, word", [
    ({"province": "Atlantis"}, "unknown province"), ({"from": "2021", "to": "2020"}, "after"),
    ({"from": "2020-02-31"}, "from"), ({"to": "soon"}, "to"), ({"kind": "poem"}, "kind"), ({"scheme": "7"}, "scheme"),
])
def test_bad_dashboard_filters_get_a_clear_json_4xx(http, params, word):
    r = http.get("/api/dashboard", params=params)
    assert 400 <= r.status_code < 500 and word in r.text and r.headers["content-type"].startswith("application/json")
    page = http.get("/dashboard", params=params)
    assert 400 <= page.status_code < 500 and "dash-error" in page.text


def test_csv_and_enterprise_endpoints(http):
    r = http.get("/api/dashboard.csv", params={"section": "by_kind"})
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert {row["kind"]: int(row["n"]) for row in rows}["trademark"] == 3
    assert http.get("/api/dashboard.csv", params={"section": "nope"}).status_code == 422
    ent = http.get("/api/enterprise", params={"owner": "hộ kinh doanh trần văn phở (mẫu)"}).json()
    assert [r["record_id"] for r in ent["records"]] == ["4-2021-00002"]
    assert http.get("/api/enterprise", params={"owner": "Nobody"}).status_code == 404
    page = http.get("/enterprise/" + "Hộ kinh doanh Trần Văn Phở (mẫu)")
    assert page.status_code == 200 and "4-2021-00002" in page.text
