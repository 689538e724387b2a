class DomainError(Exception):
    """A rule of the platform refused an action; `message` tells the person what to do."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Limited(DomainError):
    """Refused by a rate limit (common/limits.py): pages show the message as any refusal; the
    API answers 429 with it (common.api.api_exception_handler)."""


def require(condition: bool, message: str) -> None:
    """Refuse with `message` unless `condition` holds."""
    if not condition:
        raise DomainError(message)
