"""Who sees the cockpit: regulators (their region and below) and platform admins."""

from typing import Any

from common.api import NotFoundUnless
from merchants.models import User


def sees_cockpit(user: Any) -> bool:
    """Regulators and platform admins; the region they may open is checked by `reaches`."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_platform_admin or (user.role == User.Role.REGULATOR and user.region_id))
    )


class SeesCockpit(NotFoundUnless):
    def allows(self, user: Any) -> bool:
        return sees_cockpit(user)
