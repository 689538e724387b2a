"""Values every page's layout may use. Each is lazy: no query unless a template reads it."""

from functools import cache
from typing import Any

from django.http import HttpRequest

from merchants.models import Notification


def inbox(request: HttpRequest) -> dict[str, Any]:
    """`inbox_unread_count`: the user's unread notifications, one COUNT on first use."""

    @cache
    def unread_count() -> int:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return Notification.objects.filter(user=user, read_at__isnull=True).count()

    # A template calls a callable value when it resolves it; cache() makes that one query.
    return {"inbox_unread_count": unread_count}
