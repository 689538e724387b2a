from typing import Any

from merchants.models import AuditEntry, Merchant, User


def audit_log(
    *,
    actor: User | None,
    action: str,
    merchant: Merchant | None = None,
    obj: object | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        merchant=merchant,
        object_repr=str(obj or merchant or "")[:200],
        data=data or {},
    )
