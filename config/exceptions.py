from rest_framework.exceptions import ValidationError
from rest_framework.views import exception_handler

from merchants.errors import DomainError


def api_exception_handler(exc, context):
    """A DomainError from a service becomes a 400 with the same message people see on pages."""
    if isinstance(exc, DomainError):
        exc = ValidationError({exc.field or "detail": [exc.message]})
    return exception_handler(exc, context)
