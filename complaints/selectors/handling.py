"""Reads for the handling paths: the merchants a complaint can be linked to, the counties it can be
transferred to, the transfers waiting for a county's decision."""

from django.db.models import Q, QuerySet

from complaints.models import Complaint, ComplaintEvent
from complaints.models import ComplaintState as C
from complaints.permissions import is_complaint_handler
from merchants.models import Merchant, Region, User
from merchants.selectors import merchant_list, region_list, subtree_q
from merchants.validators import normalize_uscc

LINK_SEARCH_LIMIT = 10
LINK_QUERY_MIN = 2


def merchant_link_candidates(
    *, user: User, complaint: Complaint, q: str, limit: int = LINK_SEARCH_LIMIT
) -> list[Merchant]:
    """Registered merchants the handler may link the complaint to, by part of the name or the
    start of the unified social credit code: those in the handler's reach (which holds the
    complaint's county), the complaint's county first. Too short a query finds nothing."""
    q = q.strip()
    if len(q) < LINK_QUERY_MIN:
        return []
    found = merchant_list(user=user).filter(
        Q(name__icontains=q) | Q(uscc__startswith=normalize_uscc(q))
    )
    ordered = found.order_by("name", "pk")
    here = list(ordered.filter(region_id=complaint.region_id)[:limit])
    if len(here) >= limit:
        return here
    return here + list(ordered.exclude(region_id=complaint.region_id)[: limit - len(here)])


def home_province_codes() -> set[str]:
    """The provinces this platform covers: a transfer out goes to any other."""
    return set(Region.objects.filter(level=Region.Level.PROVINCE).values_list("code", flat=True))


def transfer_counties(*, complaint: Complaint) -> list[Region]:
    """The counties of the complaint's province it can be transferred to (all but its own)."""
    province = complaint.region_id[:2]
    return list(
        region_list()
        .filter(level=Region.Level.COUNTY, code__startswith=province)
        .exclude(code=complaint.region_id)
    )


def complaint_transfers_incoming(*, user: User) -> QuerySet[Complaint]:
    """Complaints transferred to a county the handler reaches, waiting for its decision."""
    qs = Complaint.objects.filter(state=C.TRANSFER_PENDING).select_related(
        "merchant", "region", "transfer_to"
    )
    if not is_complaint_handler(user):
        return qs.none()
    if user.is_platform_admin:
        return qs.order_by("accept_due", "id")
    return qs.filter(subtree_q(user.region, "transfer_to_id")).order_by("accept_due", "id")


def complaint_transfer_requester_id(*, complaint: Complaint) -> int | None:
    """Who asked for the complaint's pending transfer (to tell them of the answer)."""
    return (
        ComplaintEvent.objects.filter(complaint=complaint, to_state=C.TRANSFER_PENDING)
        .order_by("-created_at", "-id")
        .values_list("actor_id", flat=True)
        .first()
    )
