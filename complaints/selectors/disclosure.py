"""Reads of public disclosure shared by the pages and the API: published snapshots and their
rows for everyone, a merchant's own rows in preview, the flags a regulator reads."""

from django.db.models import QuerySet

from complaints.models import (
    DisclosureMerchantRow,
    DisclosureRegionRow,
    DisclosureSnapshot,
    DisclosureState,
    FlagDecision,
)
from complaints.permissions import reads_disclosure_flags
from merchants.models import Membership, Region, User
from merchants.selectors import subtree_q


def published_snapshots() -> QuerySet[DisclosureSnapshot]:
    return DisclosureSnapshot.objects.filter(state=DisclosureState.PUBLISHED).select_related(
        "disclosure_date"
    )


def snapshot_region_rows(
    snapshot: DisclosureSnapshot,
    *,
    level: str = "",
    within: Region | None = None,
    category: str = "",
) -> QuerySet[DisclosureRegionRow]:
    rows = snapshot.region_rows.select_related("region").filter(category=category)
    if level:
        rows = rows.filter(level=level)
    if within is not None:
        rows = rows.filter(subtree_q(within))
    return rows


def snapshot_merchant_rows(
    snapshot: DisclosureSnapshot, *, within: Region | None = None
) -> QuerySet[DisclosureMerchantRow]:
    """The merchants a disclosure names: those the regulators left out on a flag are not."""
    rows = snapshot.merchant_rows.select_related("region").exclude(
        flag_decision=FlagDecision.EXCLUDED
    )
    if within is not None:
        rows = rows.filter(subtree_q(within))
    return rows


def merchant_preview_rows(*, user: User) -> QuerySet[DisclosureMerchantRow]:
    """The rows of the merchants the user belongs to, in snapshots open for preview."""
    if not user.is_authenticated:
        return DisclosureMerchantRow.objects.none()
    return DisclosureMerchantRow.objects.filter(
        snapshot__state=DisclosureState.PREVIEW,
        merchant_id__in=Membership.objects.filter(user=user).values("merchant_id"),
    ).select_related("snapshot__disclosure_date", "region")


def flagged_rows_for_regulator(*, user: User) -> QuerySet[DisclosureMerchantRow]:
    """Merchants' flags on figures awaiting publication, in the regulator's region and below."""
    if not reads_disclosure_flags(user):
        return DisclosureMerchantRow.objects.none()
    rows = DisclosureMerchantRow.objects.all()
    if not user.is_platform_admin:
        rows = rows.filter(subtree_q(user.region))
    return (
        rows.filter(snapshot__state=DisclosureState.PREVIEW, merchant_flag=True)
        .select_related("snapshot__disclosure_date", "region", "flag_decided_by")
        .order_by("snapshot__disclosure_date__date", "merchant_name")
    )
