"""The request guard: a pure-ASGI middleware that sees every request body before the app does.

It exists because the limits have to hold on the bytes actually received, not on what the client claims:
a chunked upload has no Content-Length, so the guard reads the stream itself and stops at the limit (413)
instead of letting the framework buffer 100 MB. Having the body in hand, it also rejects the two kinds of
JSON that parse but break things later: strings with unpaired surrogates ("\\ud800" cannot be encoded as
UTF-8, so echoing or storing it fails), control characters such as NUL (exports and logs choke on them), and
absurd nesting (a 10,000-deep array exhausts the parser's stack).
The checks are skipped on the fast path — a body with no surrogate escape and few brackets is passed on as is.
"""

from __future__ import annotations

import json
import re
from typing import Awaitable, Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_JSON_DEPTH = 32
# A surrogate can enter a parsed string only as a \uD800–\uDFFF escape, or as raw bytes ED A0–BF xx, which
# json.loads(bytes) decodes with "surrogatepass". Bodies with neither skip the full check.
_SURROGATE_HINT = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")
# Control characters other than tab and newlines (and the non-characters U+FFFE/U+FFFF) are no text anyone
# types; they break exports (XML refuses them) and logs. In JSON they can only arrive escaped.
_CONTROL_HINT = re.compile(rb"\\u00[01][0-9a-fA-F]|\\u[fF]{3}[eEfF]|\xef\xbf[\xbe\xbf]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_JSON_TOKENS = re.compile(rb'["\[\]{}]')
_BODYLESS = {"GET", "HEAD", "OPTIONS", "DELETE", "TRACE"}

ErrorResponder = Callable[[Scope, int, str, str], Awaitable[object]]


def json_depth(body: bytes) -> int:
    """Deepest [ / { nesting of a JSON text, ignoring brackets inside strings (no parsing, no recursion)."""
    depth = deepest = 0
    in_string = False
    for m in _JSON_TOKENS.finditer(body):
        ch = m.group()
        if ch == b'"':
            if not _is_escaped(body, m.start()):
                in_string = not in_string
        elif in_string:
            continue
        elif ch in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _is_escaped(body: bytes, pos: int) -> bool:
    """A quote is escaped when an odd number of backslashes stands right before it."""
    n = 0
    while pos - 1 - n >= 0 and body[pos - 1 - n] == 0x5C:
        n += 1
    return n % 2 == 1


def json_problem(body: bytes, content_type: str) -> str | None:
    """Why a JSON body must be refused before the app sees it, or None. Non-JSON bodies are the app's business."""
    if not body or ("json" not in content_type and content_type):
        return None
    if body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH and json_depth(body) > MAX_JSON_DEPTH:
        return f"JSON nested deeper than {MAX_JSON_DEPTH} levels"
    surrogate, control = _SURROGATE_HINT.search(body), _CONTROL_HINT.search(body)
    if not (surrogate or control):
        return None
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return None  # not JSON at all: the app answers that with its own message
    if surrogate:
        try:
            json.dumps(parsed, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            return "text contains an unpaired UTF-16 surrogate (e.g. \\ud800), which is not valid Unicode"
    if control and any(_CONTROL.search(text) for text in _strings(parsed)):
        return "text contains a control character (e.g. NUL, \\u0000); only tab and line breaks are allowed"
    return None


def _strings(value):
    """Every string in a parsed JSON value, keys included (iterative: depth was checked, but stay safe)."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            yield v
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)


class RequestGuard:
    """Enforce the body limit on received bytes and refuse unencodable or over-deep JSON, before routing."""

    def __init__(self, app: ASGIApp, max_body: int, respond: ErrorResponder):
        self.app = app
        self.max_body = max_body
        self.respond = respond

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers") or ()}
        length = headers.get(b"content-length")
        too_large = f"request body over {self.max_body} bytes"
        if length is not None:
            if not length.strip().isdigit():
                await self._error(scope, receive, send, 400, "bad_request", "Content-Length is not a number")
                return
            if int(length) > self.max_body:
                await self._error(scope, receive, send, 413, "payload_too_large", too_large)
                return
        if length is None and b"transfer-encoding" not in headers and scope.get("method") in _BODYLESS:
            await self.app(scope, receive, send)
            return

        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                # Stop reading here: whatever else the client sends is never buffered.
                await self._error(scope, receive, send, 413, "payload_too_large", too_large)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        ctype = headers.get(b"content-type", b"").decode("latin-1").lower()
        problem = json_problem(body, ctype)
        if problem:
            await self._error(scope, receive, send, 422, "invalid_input", problem)
            return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _error(self, scope: Scope, receive: Receive, send: Send, status: int, code: str, detail: str) -> None:
        response = await self.respond(scope, status, code, detail)
        await response(scope, receive, send)  # type: ignore[operator]
