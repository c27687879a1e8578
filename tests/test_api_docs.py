"""/docs works offline: Swagger UI comes from the package's own static files, under a CSP with no CDN and no
inline script, and it renders the operations of /openapi.json in headless Debian Chromium."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def test_the_docs_page_names_only_vendored_assets(http):
    r = http.get("/docs")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "http" not in csp and "unsafe-inline' https" not in csp
    assert "cdn" not in r.text and "https://" not in r.text and "<script>" not in r.text
    for asset in ("/static/swagger/swagger-ui-bundle.js", "/static/swagger/swagger-ui.css", "/static/docs.js"):
        assert asset in r.text
        assert http.get(asset).status_code == 200
    assert http.get("/redoc").status_code == 404  # ReDoc would load a CDN; it is not offered


@pytest.mark.browser
def test_swagger_ui_renders_the_operations_with_no_outside_request(server):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    origin = urlsplit(server).netloc
    outside: list[str] = []
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.on("request", lambda req: urlsplit(req.url).netloc not in (origin, "") and outside.append(req.url))
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(f"{server}/docs")
        page.wait_for_selector(".opblock-summary-path", timeout=30_000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        browser.close()
    assert any("/api/chat" in x for x in paths) and any("/api/feedback" in x for x in paths)
    assert outside == []
    assert not [m for m in problems if "Content Security Policy" in m or "Refused" in m], problems
