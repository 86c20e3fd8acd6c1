"""Every error Momentos raises on purpose, grouped by what the caller should do.

MomentosError
├── ConfigError            fix the configuration, then start again (exit 2)
├── BadRequest             the caller sent something wrong (HTTP 4xx, nothing stored)
│   ├── SignatureError     401: missing or wrong webhook signature
│   └── MalformedPayload   400: a body we cannot read
├── RetriableError         try again later, with the same key
│   └── RateLimited        the tool answered 429; wait `retry_after` seconds
├── FatalApiError          the tool refused for good; the action fails with this error
└── NotFound               404 on our own API
"""


class MomentosError(Exception):
    """Base of every error Momentos raises on purpose."""

    status = 500


class ConfigError(MomentosError):
    """The configuration is invalid; `problems` lists each as `path.key: problem (got value)`."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class BadRequest(MomentosError):
    status = 400


class SignatureError(BadRequest):
    status = 401


class MalformedPayload(BadRequest):
    status = 400


class NotFound(MomentosError):
    status = 404


class RetriableError(MomentosError):
    """A call that may succeed later: 5xx, timeouts, connection errors."""

    status = 503

    def __init__(self, message: str, *, retry_after: float | None = None):
        self.retry_after = retry_after
        super().__init__(message)


class RateLimited(RetriableError):
    status = 429


class FatalApiError(MomentosError):
    """The tool refused the request for good (4xx other than 429)."""

    status = 502

    def __init__(self, message: str, *, status_code: int | None = None, body: str = ""):
        self.status_code = status_code
        self.body = body
        super().__init__(message)
