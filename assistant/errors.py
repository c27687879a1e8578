"""Typed errors raised at the boundaries; api.py maps them to HTTP in one place."""


class AssistantError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.headers = headers or {}  # sent with the JSON error (WWW-Authenticate, Retry-After)


class BadInput(AssistantError):
    status = 422
    code = "invalid_input"


class NotFound(AssistantError):
    status = 404
    code = "not_found"


class Forbidden(AssistantError):
    status = 403
    code = "forbidden"


class Unauthorized(AssistantError):
    """No valid staff token: 401, so a client knows to authenticate (Forbidden is for a wrong key on a resource)."""

    status = 401
    code = "unauthorized"

    def __init__(self, message: str):
        super().__init__(message, {"WWW-Authenticate": 'Bearer realm="staff"'})


class TooLarge(AssistantError):
    status = 413
    code = "payload_too_large"


class RateLimited(AssistantError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: str):
        super().__init__(message, {"Retry-After": retry_after})


class StoreMissing(AssistantError):
    status = 503
    code = "store_missing"


class CorpusFileError(Exception):
    """A corpus file that cannot be read; ingest reports it and goes on with the rest."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message
