"""The error hierarchy. The service maps these to HTTP status codes in one place (service/errors)."""


class AuskunftError(Exception):
    """Base class. `code` is a stable machine-readable identifier used in API errors."""

    code = "internal_error"
    http_status = 500

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self)


class ConfigError(AuskunftError):
    """Missing or invalid configuration; the message says what to set."""

    code = "config_error"


class SourceError(ConfigError):
    """A source definition in sources.yml is invalid."""

    code = "invalid_source"
    http_status = 422


class FetchError(AuskunftError):
    """Fetching one URL failed (counted per item, never fatal for a crawl)."""

    code = "fetch_failed"

    def __init__(self, message: str, *, transient: bool = False, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.transient = transient


class BlockedURLError(FetchError):
    """URL refused by policy: robots.txt, scope, SSRF guard, size or content type."""

    code = "blocked_url"


class ExtractionError(AuskunftError):
    """Extracting text from one document failed (counted per item)."""

    code = "extraction_failed"


class ModelNotAvailableError(ConfigError):
    """A model's weights are not where the configuration says."""

    code = "model_not_available"


class IndexError_(AuskunftError):
    """Vector index problem (missing collection, version, alias)."""

    code = "index_error"


class IndexNotFoundError(IndexError_):
    code = "index_not_found"
    http_status = 404


class ValidationError(AuskunftError):
    """Bad input from a client."""

    code = "invalid_request"
    http_status = 400


class PayloadTooLargeError(ValidationError):
    code = "payload_too_large"
    http_status = 413


class AuthError(AuskunftError):
    code = "unauthorized"
    http_status = 401


class RateLimitedError(AuskunftError):
    code = "rate_limited"
    http_status = 429

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class LLMError(AuskunftError):
    """The LLM failed, timed out or returned garbage; callers fall back to the extractive answer."""

    code = "llm_unavailable"
    http_status = 502


class ConflictError(AuskunftError):
    code = "conflict"
    http_status = 409


class GateRefusedError(AuskunftError):
    """Evaluation gate refused to promote an index version."""

    code = "gate_refused"
    http_status = 409


class UnsupportedMediaTypeError(ValidationError):
    """A public POST endpoint got a body that is not `application/json`."""

    code = "unsupported_media_type"
    http_status = 415


class ServiceBusyError(AuskunftError):
    """Admission control: the search queue is full; the client should retry after `retry_after_s`."""

    code = "busy"
    http_status = 503
    MESSAGE = "the service is busy right now, please retry shortly"  # also the guard's own busy answer

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
