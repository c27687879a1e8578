"""The OpenAPI schema tells the truth: schemathesis (its CLI, v4) fuzzes every operation of /openapi.json on a
real server process for a bounded minute and checks that no answer is a 5xx, that every status code, content
type and body the server sends is the one the schema states. Then the schema is read for what it promises."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from conftest import running_server

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
# Known gaps in other areas' routes, found by this very run and reported to their owners. They are fuzzed
# together below and reported as xfail until fixed; once that run passes, the list can go.
# Routes the main run leaves out, with the reason; empty now that the advice export trims titles and the
# enterprise and review routes declare their 404.
KNOWN_GAPS: dict[str, str] = {}


@pytest.fixture(scope="module")
def fuzz_server(settings, ingested, tmp_path_factory):
    """A server on a copy of the session store: the fuzzer's feedback posts and rate-limit hits stay here."""
    store = tmp_path_factory.mktemp("fuzz") / "store"
    shutil.copytree(settings.store_dir, store, ignore=shutil.ignore_patterns("feedback.sqlite3*", "stats.sqlite3*",
                                                                            "*.log"))
    env = {"IPA_STORE_DIR": str(store), "IPA_FEEDBACK_TOKEN": "staff-secret"}
    with running_server(env, store / "server.log") as (base, _):
        yield base, store


def run_schemathesis(base: str, workdir: Path, seconds: int, *selection: str) -> subprocess.CompletedProcess:
    cmd = [str(SCHEMATHESIS), "run", f"{base}/openapi.json", "--checks", CHECKS, "--max-time", str(seconds),
           "--max-examples", "25", "--seed", "11",
           "--workers", "1",  # two workers trip a thread-safety bug in hypothesis (SystemError in ast.parse)
           "--request-timeout", "20",
           "--no-shrink", "-H", "Authorization: Bearer staff-secret", *selection]
    return subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=seconds + 120,
                          env={**os.environ, "NO_COLOR": "1"})


def test_fuzzing_every_operation_finds_no_5xx_and_no_answer_the_schema_does_not_state(fuzz_server, tmp_path):
    base, store = fuzz_server
    excluded = [arg for path in KNOWN_GAPS for arg in ("--exclude-path", path)]
    result = run_schemathesis(base, tmp_path, 50, *excluded)
    summary = result.stdout[-6000:]
    print(summary)
    assert "test cases:" in result.stdout.lower(), result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, summary
    log = (store / "server.log").read_text()
    assert "unhandled error" not in log, log[-3000:]


def test_known_gaps_in_other_routes(fuzz_server, tmp_path):
    if not KNOWN_GAPS:
        pytest.skip("no route is left out of the main run")
    base, _ = fuzz_server
    included = [arg for path in KNOWN_GAPS for arg in ("--include-path", path)]
    result = run_schemathesis(base, tmp_path, 10, *included)
    if result.returncode != 0:
        pytest.xfail("; ".join(f"{p}: {why}" for p, why in KNOWN_GAPS.items()))


# --------------------------------------------------------------------------- what the schema states
@pytest.fixture(scope="module")
def schema(server) -> dict:
    return httpx.get(f"{server}/openapi.json").json()


def _ops(schema):
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            yield path, method, op


def test_every_error_is_documented_as_error_out_json(schema):
    error_out = schema["components"]["schemas"]["ErrorOut"]
    assert set(error_out["required"]) == {"error", "detail"}
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    for path, method, op in _ops(schema):
        for code, resp in op["responses"].items():
            if code.startswith(("4", "5")):
                assert set(resp["content"]) == {"application/json"}, (path, method, code)
                assert resp["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorOut"}
        if "requestBody" in op:
            assert {"400", "413", "422"} <= set(op["responses"]), (path, method)


def test_routes_declare_the_errors_they_can_answer(schema):
    p = schema["paths"]
    assert {"404", "422"} <= set(p["/api/sources/{source_id}"]["get"]["responses"])
    assert {"404"} <= set(p["/api/records/{record_id}"]["get"]["responses"])
    assert {"403", "404"} <= set(p["/api/feedback"]["get"]["responses"])
    assert {"429", "413"} <= set(p["/api/feedback"]["post"]["responses"])
    assert {"403", "429"} <= set(p["/api/feedback/{feedback_id}"]["post"]["responses"])


def test_the_stream_is_documented_as_server_sent_events(schema):
    ok = schema["paths"]["/api/chat/stream"]["post"]["responses"]["200"]["content"]
    assert set(ok) == {"text/event-stream"}
    assert ok["text/event-stream"]["schema"]["properties"]["event"]["enum"] == ["citations", "token", "fallback",
                                                                                "done"]


def _param(schema, path, name, method="get"):
    return next(x for x in schema["paths"][path][method]["parameters"] if x["name"] == name)["schema"]


def _enum(s: dict) -> list:
    options = s.get("anyOf", [s])
    return next(o["enum"] for o in options if "enum" in o)


def test_allowed_values_and_bounds_are_in_the_schema(schema):
    assert "law" in _enum(_param(schema, "/api/search", "kind"))
    assert "trademark" in _enum(_param(schema, "/api/search", "ip_type"))
    assert "gi" in _enum(_param(schema, "/api/records/search", "kind"))
    assert "registered" in _enum(_param(schema, "/api/records/search", "status"))
    assert _param(schema, "/api/sources", "offset")["maximum"] < 2**63
    assert _param(schema, "/api/feedback/{feedback_id}", "feedback_id", "post")["maximum"] < 2**63
    assert _param(schema, "/api/feedback", "offset")["maximum"] < 2**63
    filters = schema["components"]["schemas"]["ChatFilters"]["properties"]
    assert "law" in str(filters["kind"]) and "enum" in str(filters["kind"])
