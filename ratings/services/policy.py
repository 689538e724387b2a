"""Writes of the ratings app: every one keyword-only, atomic and audited."""

from typing import Any

from django.db import transaction
from django.db.models import Max

from merchants.models import User
from merchants.services.audit import audit_log
from ratings.models import EvaluationPolicy

# Fields that say which version a row is, not what the policy says.
POLICY_META_FIELDS = frozenset({"id", "version", "created_at", "created_by", "note"})


def policy_fields() -> list[str]:
    return [
        f.name for f in EvaluationPolicy._meta.concrete_fields if f.name not in POLICY_META_FIELDS
    ]


def policy_revise(
    *, actor: User | None, base: EvaluationPolicy, changes: dict[str, Any], note: str = ""
) -> EvaluationPolicy:
    """Save `base` with `changes` as a new version; `base` itself stays as it was. The new
    version is validated (weights add up to 100, star bands ascending) before it is saved."""
    values = {name: getattr(base, name) for name in policy_fields()}
    values.update({k: v for k, v in changes.items() if k in values})
    with transaction.atomic():
        # Lock the newest row so two admins saving at once get consecutive versions.
        latest = EvaluationPolicy.objects.select_for_update().order_by("-version").first()
        version = (latest.version if latest else 0) + 1
        policy = EvaluationPolicy(**values, version=version, note=note, created_by=actor)
        policy.full_clean(exclude=["version"])
        policy.save()
        changed = sorted(
            name for name in policy_fields() if getattr(base, name) != getattr(policy, name)
        )
        audit_log(
            actor=actor,
            action="policy_revise",
            obj=policy,
            data={"version": version, "from_version": base.version, "changed": changed},
        )
    return policy


def policy_latest_version() -> int:
    return EvaluationPolicy.objects.aggregate(v=Max("version"))["v"] or 0
