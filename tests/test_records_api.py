"""Trademark pre-check and IP records over HTTP, on the fixture records."""


def test_an_existing_mark_is_found_from_a_respaced_unaccented_form(http):
    body = http.post("/api/trademark/check", json={"mark": "pho viet", "nice_classes": [43]}).json()
    top = body["conflicts"][0]
    assert top["record_id"] == "4-2021-00002" and top["mark"] == "PHỞ VIỆT"
    assert top["risk"] == "high" and 0 < top["similarity"] <= 1 and top["reasons"]
    assert set(top) >= {"record_id", "mark", "nice_classes", "owner", "status", "similarity", "risk", "reasons"}


def test_goods_descriptions_suggest_nice_classes(http):
    body = http.post("/api/trademark/check", json={"mark": "Mây Trắng", "goods": "quán cà phê"}).json()
    assert body["suggested_classes"][0]["class"] == 43 and body["suggested_classes"][0]["why"]


def test_unrelated_marks_carry_no_high_risk(http):
    body = http.post("/api/trademark/check", json={"mark": "Zebra Robotics", "nice_classes": [7]}).json()
    assert all(c["risk"] != "high" for c in body["conflicts"])


def test_bad_trademark_requests_get_json_4xx(http):
    for payload in ({"mark": ""}, {"mark": "x", "nice_classes": [99]}, {"mark": 5}, {"marks": "x"},
                    {"mark": "x" * 201}):
        r = http.post("/api/trademark/check", json=payload)
        assert 400 <= r.status_code < 500 and r.json()["detail"], payload


def test_records_can_be_searched_filtered_and_fetched(http):
    found = http.get("/api/records/search", params={"q": "PHOVIET"}).json()["results"]
    assert found and found[0]["id"] == "4-2021-00002"
    by_class = http.get("/api/records/search", params={"classes": "30"}).json()["results"]
    assert by_class and all(30 in r["nice_classes"] for r in by_class)
    pending = http.get("/api/records/search", params={"status": "pending"}).json()["results"]
    assert [r["id"] for r in pending] == ["4-2022-00003"]
    record = http.get("/api/records/4-2020-00001").json()
    assert record["mark"] == "Cà Phê Mộc Nguyên" and record["sample"] is True
    assert http.get("/api/records/4-1999-99999").status_code == 404
    assert http.get("/api/records/search", params={"classes": "abc"}).status_code == 422


def test_chat_about_a_named_mark_adds_the_procedure_and_cites_the_closest_records(http):
    body = http.post("/api/chat", json={"question": "Tôi muốn đăng ký nhãn hiệu 'Phở Việt' cho nhà hàng"}).json()
    assert body["grounded"]
    records = [c for c in body["citations"] if c["kind"] == "record"]
    assert records and records[0]["source_id"].endswith("4-2021-00002")
    assert any(c["kind"] != "record" for c in body["citations"])  # the procedure, from the guides
    assert f"[{records[0]['n']}]" in body["answer"] and "PHỞ VIỆT" in body["answer"]


def test_other_record_kinds_can_be_listed_and_unknown_kinds_are_rejected(http):
    assert http.get("/api/records/search", params={"kind": "poems"}).status_code == 422
    gis = http.get("/api/records/search", params={"kind": "gi"}).json()["results"]
    assert [(r["id"], r["product"]) for r in gis] == [("00001", "nước mắm")]
    assert http.get("/api/records/search", params={"kind": "gi", "q": "nước mắm Phú Quốc"}).json()["results"][0]["id"] \
        == "00001"


def test_chat_cites_the_gi_register(http):
    body = http.post("/api/chat", json={"question": "Chỉ dẫn địa lý Phú Quốc dùng cho sản phẩm gì?"}).json()
    assert body["grounded"] and "nước mắm" in body["answer"]
    assert any(c["kind"] == "record" and c["source_id"].endswith("/00001") for c in body["citations"])


def test_record_filters_and_marks_without_letters_are_rejected_clearly(http):
    assert http.get("/api/records/search", params={"classes": "999"}).status_code == 422
    assert http.get("/api/records/search", params={"status": "zzz"}).status_code == 422
    r = http.post("/api/trademark/check", json={"mark": "!!!"})
    assert r.status_code == 422 and "letters" in r.json()["detail"]
