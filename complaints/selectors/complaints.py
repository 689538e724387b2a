"""Reads shared by the complaint pages and the API: scoped querysets, the regulator's queue.

Scope (STYLE.md §4): platform admins see every complaint; regulators those of their region
subtree (Complaint.region, the merchant's county); coordinators only those they filed for
callers (as on /complaints/filed/: they decide nothing); merchant operators those against
merchants they work for; consumers the complaints attached to their account.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import (
    Avg,
    Count,
    F,
    JSONField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, JSONObject
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.counts import COUNT_BOUND, bounded_count, bounded_counts
from common.pages import PageKeys, merged_keys
from common.phones import phone_normalise_or_none
from common.precompiled import Slot, values_compiled
from complaints.models import (
    AWAITING_DECISION_STATES,
    CLOSED_COMPLAINT_STATES,
    PASSED_TO_MERCHANT,
    Complaint,
    ComplaintEvent,
)
from complaints.models import ComplaintState as C
from complaints.permissions import is_complaint_handler, sees_contacts_by_role
from merchants.models import Membership, Merchant, Region, User
from merchants.selectors import regions_reaching, subtree_q

QUEUE_PAGE_SIZE = 50
NEWEST = Complaint._meta.ordering  # the lists' order: -created_at, -id (merged on those two)


def _listed() -> QuerySet[Complaint]:
    return Complaint.objects.select_related("merchant", "region", "handler")


def complaint_list(*, user: User, transfers: bool = True) -> QuerySet[Complaint]:
    """`transfers=False` leaves out a handler's complaints pending transfer to their counties
    from elsewhere: for lists of states other than TRANSFER_PENDING, where there are none
    (transfer_to is set only in that state), so the scope stays one index range."""
    qs = _listed()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_platform_admin:
        return qs
    if user.role == User.Role.REGULATOR and user.region_id:
        region, transferred = _regulator_scope(user, transfers=transfers)
        return qs.filter(region if transferred is None else region | transferred)
    if user.role == User.Role.COORDINATOR:
        return qs.filter(lodged_by=user)
    # Anyone else: the complaints they lodged from their account, and those against merchants
    # they work for (a merchant operator may be a consumer too) once the regulator accepted them.
    return qs.filter(Q(consumer=user) | _merchant_people_q(user))


def _regulator_scope(user: User, *, transfers: bool = True) -> tuple[Q, Q | None]:
    """A regulator's complaints: their region subtree's and, for a handler (unless
    `transfers=False`), those pending transfer to one of their counties (else None)."""
    transferred = _transfers_to_q(user) if transfers and is_complaint_handler(user) else None
    return subtree_q(user.region), transferred


def complaint_list_parts(*, user: User) -> list[QuerySet[Complaint]]:
    """complaint_list(user=user) as disjoint parts whose union it is, each one index range: for
    a regulator who handles complaints, their region's and those pending transfer to them from
    elsewhere; for anyone else the list itself. Filters that test each row apply to each part
    alike; complaint_pages counts and pages them together."""
    scoped = user.is_authenticated and user.is_active and not user.is_platform_admin
    if scoped and user.role == User.Role.REGULATOR and user.region_id:
        region, transferred = _regulator_scope(user)
        if transferred is not None:
            return [_listed().filter(region), _listed().filter(transferred).exclude(region)]
    return [complaint_list(user=user)]


def complaint_pages(
    parts: list[QuerySet[Complaint]], *, bound: int = COUNT_BOUND
) -> tuple[int, PageKeys]:
    """The bounded count of the parts together (one statement) and the reader of a page's keys
    in the list's order, newest first (KeysFirstPaginator's `keys`): each part walked in its
    own index, `complaint_region_created_idx` for a county, and merged, instead of one walk of
    the province's `complaint_created_scope_idx` testing "region or transfer" on every row."""
    counts = bounded_counts(parts, bound)
    walked = [part.order_by(*NEWEST) for part, count in zip(parts, counts, strict=True) if count]

    def keys(*, bottom: int, top: int) -> list[int]:
        if len(walked) == 1:
            return list(walked[0].values_list("pk", flat=True)[bottom:top])
        streams = [part.values_list("created_at", "pk")[:top] for part in walked]
        return merged_keys(streams, bottom=bottom, top=top)

    return min(sum(counts), bound + 1), keys


def _transfers_to_q(user: User) -> Q:
    """A handler's complaints pending transfer to one of their counties: they wait for the
    handler's decision, wherever they come from."""
    return subtree_q(user.region, "transfer_to_id")


def _merchant_people_q(user: User) -> Q:
    """What a merchant's people see: complaints against their merchants that the regulator has
    accepted (a complaint still awaiting the decision, or declined unaccepted, is not theirs)."""
    return (
        Q(merchant_id__in=Membership.objects.filter(user=user).values("merchant_id"))
        & PASSED_TO_MERCHANT
    )


def _with_timeline(qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
    return qs.prefetch_related(
        Prefetch("events", queryset=ComplaintEvent.objects.select_related("actor")), "evidence"
    )


def complaint_get(*, user: User, pk: int) -> Complaint:
    return get_object_or_404(_with_timeline(complaint_list(user=user)), pk=pk)


# The consumer: by the tracking token (whoever holds the link), or their account.


def complaint_by_token(token: str) -> Complaint:
    return get_object_or_404(
        Complaint.objects.select_related("merchant", "region"), tracking_token=token
    )


def consumer_complaint_list(*, user: User) -> QuerySet[Complaint]:
    return Complaint.objects.filter(consumer=user).select_related("merchant")


CONSUMER_HOME_COMPLAINTS = 5


def consumer_home_context(*, user: User) -> dict[str, Any]:
    """What a consumer account's home page shows of complaints: the partial and their latest
    few (all of them are on "My complaints"). Nothing for the other roles."""
    if user.role != User.Role.CONSUMER:
        return {}
    latest = consumer_complaint_list(user=user).order_by("-created_at", "-id")
    return {
        "consumer_home": "complaints/public/_home.html",
        "my_complaints": list(latest[:CONSUMER_HOME_COMPLAINTS]),
    }


# What a coordinator or hotline operator filed for callers: theirs only.


def complaints_filed_by(*, user: User) -> QuerySet[Complaint]:
    if not user.is_authenticated:
        return Complaint.objects.none()
    return Complaint.objects.filter(lodged_by=user).select_related("merchant", "region")


def complaint_filed_by_get(*, user: User, pk: int) -> Complaint:
    """One complaint the user filed, with its timeline; any other is a 404."""
    return get_object_or_404(
        complaints_filed_by(user=user).prefetch_related("events", "evidence"), pk=pk
    )


# The merchant's desk: only complaints against merchants the user works for, whatever their role.


def merchant_complaint_list(*, user: User) -> QuerySet[Complaint]:
    """Accepted complaints only (the regulator passes them on): open ones first, the merchant's
    answer deadline first; then the closed ones."""
    if not user.is_authenticated or not user.is_active:
        return Complaint.objects.none()
    return (
        Complaint.objects.filter(_merchant_people_q(user))
        .select_related("merchant", "region")
        .annotate(
            closed=models.Case(
                models.When(state__in=CLOSED_COMPLAINT_STATES, then=True),
                default=False,
                output_field=models.BooleanField(),
            )
        )
        .order_by("closed", F("merchant_due").asc(nulls_last=True), "-created_at", "-id")
    )


def merchant_complaint_get(*, user: User, pk: int) -> Complaint:
    return get_object_or_404(_with_timeline(merchant_complaint_list(user=user)), pk=pk)


# The regulator's queue


class ComplaintQueueTab(models.TextChoices):
    NEW = "new", _("New")
    MINE = "mine", _("Mine")
    MEDIATION = "mediation", _("In mediation")
    OVERDUE = "overdue", _("Overdue")
    TRANSFERS = "transfers", _("Transfers")
    CLOSED = "closed", _("Closed")


@dataclass(frozen=True)
class ComplaintQueueFilters:
    # One search box: a complaint number, a phone, a consumer's or a business's name.
    q: str = ""
    category: str = ""
    channel: str = ""
    # A county of the user's subtree (checked by the form; scope is applied first anyway).
    region: Region | None = None
    # Submitted on these local days, both included.
    submitted_from: date | None = None
    submitted_to: date | None = None
    overdue: bool = False

    def described(self) -> dict[str, str]:
        """The filters in force, as plain text (for the export's audit entry)."""
        values = {
            "q": self.q,
            "category": self.category,
            "channel": self.channel,
            "county": self.region.code if self.region is not None else "",
            "submitted_from": self.submitted_from.isoformat() if self.submitted_from else "",
            "submitted_to": self.submitted_to.isoformat() if self.submitted_to else "",
            "overdue": "1" if self.overdue else "",
        }
        return {key: value for key, value in values.items() if value}


# Bounds of the submitted-date filters: a typing slip (0001-01-01) is refused, not searched.
QUEUE_EARLIEST_DATE = date(2000, 1, 1)
QUEUE_LATEST_DATE = date(2100, 12, 31)
QUEUE_SEARCH_MAX = 100


def validate_queue_date(value: date | None) -> None:
    if value is not None and not QUEUE_EARLIEST_DATE <= value <= QUEUE_LATEST_DATE:
        raise ValidationError(
            _("Choose a date between %(first)s and %(last)s."),
            code="date_range",
            params={"first": QUEUE_EARLIEST_DATE.year, "last": QUEUE_LATEST_DATE.year},
        )


def validate_queue_dates(submitted_from: date | None, submitted_to: date | None) -> None:
    if submitted_from and submitted_to and submitted_to < submitted_from:
        raise ValidationError(_("The end date is before the start date."), code="date_order")


# What the search box recognises, in this order (STYLE: one home for the rule, shared by the
# queue page and the API): a complaint number, whole or its beginning (330106-2026-000123,
# 330106-2026, or its 16 digits without hyphens); "#42", the reference of an unnumbered row; a
# phone, in any way people write one (compared in its stored form, exactly); anything else is
# part of the consumer's name, the merchant's name or an unregistered business's name.
_NUMBER_PREFIX = re.compile(r"\d{6}-\d{0,4}(?:-\d{0,6})?")
_NUMBER_DIGITS = re.compile(r"\d{16}")
_REFERENCE = re.compile(r"#(\d{1,10})")


def complaint_search_q(q: str, *, user: User) -> Q:
    """The complaints the search text names. A phone is looked for only among complaints whose
    contact the user sees (regulators, coordinators, admins; a consumer's own complaints), so a
    merchant cannot learn from the answer whose phone it is."""
    q = q.strip()[:QUEUE_SEARCH_MAX]
    if not q:
        return Q()
    if _NUMBER_PREFIX.fullmatch(q):
        return Q(number__startswith=q)
    if _NUMBER_DIGITS.fullmatch(q):
        return Q(number=f"{q[:6]}-{q[6:10]}-{q[10:]}")
    if reference := _REFERENCE.fullmatch(q):
        return Q(pk=int(reference.group(1)))
    phone = phone_normalise_or_none(q)
    if phone is not None:
        if sees_contacts_by_role(user):
            return Q(complainant_phone=phone)
        return Q(complainant_phone=phone, consumer_id=user.pk)
    return (
        Q(complainant_name__icontains=q)
        | Q(merchant__name__icontains=q)
        | Q(business_name__icontains=q)
    )


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def complaints_submitted_between(
    qs: QuerySet[Complaint], submitted_from: date | None, submitted_to: date | None
) -> QuerySet[Complaint]:
    """Submitted on these local days (both included): a range on the indexed timestamp."""
    if submitted_from is not None:
        qs = qs.filter(created_at__gte=_day_start(submitted_from))
    if submitted_to is not None:
        qs = qs.filter(created_at__lt=_day_start(submitted_to + timedelta(days=1)))
    return qs


def handler_complaint_list(*, user: User, transfers: bool = True) -> QuerySet[Complaint]:
    qs = complaint_list(user=user, transfers=transfers)
    return qs if is_complaint_handler(user) else qs.none()


def handler_complaint_get(*, user: User, pk: int) -> Complaint:
    if not is_complaint_handler(user):
        raise Http404
    return get_object_or_404(_with_timeline(handler_complaint_list(user=user)), pk=pk)


OPEN_Q = ~Q(state__in=CLOSED_COMPLAINT_STATES)
CLOSED_Q = Q(state__in=CLOSED_COMPLAINT_STATES)
# Tabs that may hold a complaint pending transfer (to the user's counties from elsewhere, too);
# the others list states in which transfer_to is never set.
_TRANSFER_TABS = (ComplaintQueueTab.MINE, ComplaintQueueTab.OVERDUE, ComplaintQueueTab.TRANSFERS)
# The closed tab's count is read up to this bound ("10,000+" past it): the open tabs are
# counted exactly, being the work at hand; the closed one is history.
QUEUE_COUNT_BOUND = COUNT_BOUND


def queue_count_bound(tab: str) -> int | None:
    """The bound a tab's count is read with: the closed tab's; the open ones are exact."""
    return QUEUE_COUNT_BOUND if tab == ComplaintQueueTab.CLOSED else None


# Due date of an open complaint: a submitted one has only its decision deadline, later ones
# the handling deadline. The open tabs are sorted by it (complaint_open_due_idx).
QUEUE_DUE = Coalesce("close_due", "accept_due")


def _tab_q(tab: str, *, user: User) -> Q:
    if tab == ComplaintQueueTab.NEW:
        return Q(state=C.SUBMITTED)
    if tab == ComplaintQueueTab.MINE:
        return Q(handler=user) & OPEN_Q
    if tab == ComplaintQueueTab.MEDIATION:
        # Mediated by the regulator: after the merchant's answer, or directly with the business.
        return Q(state__in=[C.MEDIATION, C.DIRECT])
    if tab == ComplaintQueueTab.OVERDUE:
        return Q(is_overdue=True) & OPEN_Q
    if tab == ComplaintQueueTab.TRANSFERS:
        # Pending transfers to and from the user's counties.
        return Q(state=C.TRANSFER_PENDING)
    if tab == ComplaintQueueTab.CLOSED:
        return CLOSED_Q
    raise ValueError(f"unknown queue tab {tab!r}")


def _filter(
    qs: QuerySet[Complaint], filters: ComplaintQueueFilters, *, user: User
) -> QuerySet[Complaint]:
    if filters.q:
        qs = qs.filter(complaint_search_q(filters.q, user=user))
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    qs = complaints_submitted_between(qs, filters.submitted_from, filters.submitted_to)
    if filters.region is not None:
        qs = qs.filter(subtree_q(filters.region))
    if filters.overdue:
        qs = qs.filter(Q(is_overdue=True) & OPEN_Q)
    return qs


def _queue_list(
    *, user: User, tab: str, filters: ComplaintQueueFilters | None
) -> QuerySet[Complaint]:
    qs = handler_complaint_list(user=user, transfers=tab in _TRANSFER_TABS)
    return _filter(qs, filters or ComplaintQueueFilters(), user=user).filter(_tab_q(tab, user=user))


def complaint_queue(
    *, user: User, tab: str, filters: ComplaintQueueFilters | None = None
) -> QuerySet[Complaint]:
    """One tab, sorted by the deadline that runs in it (closed: most recent first), in the
    order of an index that holds the tab's rows (the page reads its 50 rows and stops)."""
    qs = _queue_list(user=user, tab=tab, filters=filters)
    if tab == ComplaintQueueTab.CLOSED:
        return qs.order_by("-closed_at", "-id")
    return qs.annotate(due=QUEUE_DUE).order_by(F("due").asc(nulls_last=True), "id")


def _transfers_in(user: User) -> QuerySet[Complaint] | None:
    """Complaints pending transfer to the handler's counties from outside their region: the
    part of their scope (complaint_list) that its region range does not hold."""
    if user.is_platform_admin or not is_complaint_handler(user) or not user.region_id:
        return None
    return Complaint.objects.filter(_transfers_to_q(user)).exclude(subtree_q(user.region))


def complaint_queue_counts(
    *, user: User, filters: ComplaintQueueFilters | None = None
) -> dict[str, int]:
    """The number of complaints in every tab, under the same filters. The open tabs exactly:
    one query over the open complaints of the user's region (index-only on
    complaint_open_idx, which holds every column the tabs test) and one over the few pending
    transfer to their counties from elsewhere. The closed tab bounded: at most
    QUEUE_COUNT_BOUND + 1 rows are read (that number means "more")."""
    filters = filters or ComplaintQueueFilters()
    open_tabs = {
        tab: _tab_q(tab, user=user)
        for tab in ComplaintQueueTab.values
        if tab != ComplaintQueueTab.CLOSED
    }
    # COUNT(state), not COUNT(id): the index answers it without reading the table.
    own = _filter(handler_complaint_list(user=user, transfers=False), filters, user=user)
    counts = own.filter(OPEN_Q).aggregate(
        **{tab: Count("state", filter=q) for tab, q in open_tabs.items()}
    )
    incoming = _transfers_in(user)
    if incoming is not None:
        more = _filter(incoming, filters, user=user).aggregate(
            **{tab: Count("state", filter=open_tabs[tab]) for tab in _TRANSFER_TABS}
        )
        counts |= {tab: (counts[tab] or 0) + (more[tab] or 0) for tab in _TRANSFER_TABS}
    counts[ComplaintQueueTab.CLOSED] = bounded_count(
        _queue_list(user=user, tab=ComplaintQueueTab.CLOSED, filters=filters),
        QUEUE_COUNT_BOUND,
    )
    return {tab: counts[tab] or 0 for tab in ComplaintQueueTab.values}


def complaint_is_late(complaint: Complaint, today: date) -> bool:
    if complaint.is_closed:
        return False
    due = complaint.accept_due if complaint.awaits_decision else complaint.close_due
    return complaint.is_overdue or (due is not None and due < today)


FIGURES_MONTHS = 12


_NOT_ACCEPTED = (*AWAITING_DECISION_STATES, C.DECLINED, C.TRANSFERRED_OUT)
# The counts behind the public figures, over a merchant's complaints of the last 12 months.
_FIGURE_COUNTS = {
    "received": Count("pk"),
    "accepted": Count("pk", filter=Q(state__in=[s for s in C.values if s not in _NOT_ACCEPTED])),
    "settled": Count("pk", filter=Q(state=C.SETTLED)),
    "open": Count("pk", filter=~Q(state__in=CLOSED_COMPLAINT_STATES)),
    "closed_on_time": Count(
        "pk",
        filter=Q(state__in=CLOSED_COMPLAINT_STATES, closed_at__date__lte=F("close_due")),
    ),
    "closed_accepted": Count(
        "pk",
        filter=Q(state__in=[C.SETTLED, C.MEDIATION_FAILED, C.WITHDRAWN], accepted_at__isnull=False),
    ),
    "average_rating": Avg("rating"),
}


def _figures_since(today: date | None) -> date:
    return (today or timezone.localdate()) - timedelta(days=365 * FIGURES_MONTHS // 12)


def _figures_from_counts(counts: dict[str, Any], since: date) -> dict[str, Any]:
    figures = {name: counts[name] for name in _FIGURE_COUNTS}
    accepted, closed = figures["accepted"], figures.pop("closed_accepted")
    figures["resolution_rate"] = round(figures["settled"] / accepted, 3) if accepted else None
    figures["on_time_rate"] = round(figures["closed_on_time"] / closed, 3) if closed else None
    if figures["average_rating"] is not None:
        figures["average_rating"] = round(float(figures["average_rating"]), 2)
    figures["since"] = since
    return figures


def merchant_complaint_figures(*, merchant_id: int, today: date | None = None) -> dict[str, Any]:
    """A merchant's public complaint figures over the last 12 months: one aggregate query,
    no consumer's data. The store-code page and the API show these."""
    since = _figures_since(today)
    counts = Complaint.objects.filter(
        merchant_id=merchant_id, created_at__date__gte=since
    ).aggregate(**_FIGURE_COUNTS)
    return _figures_from_counts(counts, since)


def merchant_complaint_figures_json(*, merchant: OuterRef, today: date | None = None) -> Subquery:
    """The counts behind `merchant_complaint_figures` as one JSON object, an expression to
    annotate merchants with (`merchant=OuterRef("pk")`); NULL when there is no complaint.
    `merchant_complaint_figures_from_json` turns it into the figures."""
    counts = (
        Complaint.objects.filter(merchant_id=merchant, created_at__date__gte=_figures_since(today))
        .values("merchant_id")
        .annotate(figures=JSONObject(**_FIGURE_COUNTS))
        .values("figures")
    )
    return Subquery(counts, output_field=JSONField())


def merchant_complaint_figures_from_json(
    counts: dict[str, Any] | None, *, today: date | None = None
) -> dict[str, Any]:
    if counts is None:
        counts = {name: None if name == "average_rating" else 0 for name in _FIGURE_COUNTS}
    return _figures_from_counts(counts, _figures_since(today))


PUBLIC_SEARCH_LIMIT = 20


def merchant_by_public_code(code: str) -> Merchant | None:
    """The merchant a store code names: public, the code hangs at the shop."""
    return Merchant.objects.select_related("region").filter(public_code=code).first()


def merchant_public_search(*, q: str, county: Region | None) -> QuerySet[Merchant]:
    """Public facts only: name, county, address. A name matches in part, a USCC in full."""
    qs = Merchant.objects.select_related("region").only(
        "pk", "name", "address", "public_code", "region__name", "region__name_en", "region__code"
    )
    q = q.strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(uscc=q.upper()))
    if county is not None:
        qs = qs.filter(region=county)
    return qs.order_by("name", "pk")[:PUBLIC_SEARCH_LIMIT]


def _handlers(notices: str) -> QuerySet[User]:
    return User.objects.filter(
        role=User.Role.REGULATOR,
        can_handle_complaints=True,
        is_active=True,
        region__isnull=False,
        complaint_notices=notices,
    )


def complaint_handler_ids(*, reaching: str, notices: str) -> list[int]:
    """The regulators who handle complaints in the county `reaching` — its own, its city's and
    the province's (the regions that reach it) — and chose this way of hearing of new ones
    ("each" or "digest"). Platform admins reach every county but are not told of each one."""
    codes = sorted(regions_reaching(reaching))
    compiled = values_compiled(_handler_ids_query, notices, len(codes))
    return [row["pk"] for row in compiled.rows(*codes)]


def _handler_ids_query(notices: str, regions: int) -> QuerySet[User]:
    """complaint_handler_ids' query with a slot per region code, compiled once per process
    (common.precompiled: every intake asks it, and building it cost ~0.2 ms)."""
    slots = [Slot(f"region{i}") for i in range(regions)]
    return _handlers(notices).filter(region_id__in=slots).order_by("pk").values("pk")


def complaint_handlers(*, notices: str) -> list[User]:
    """Every regulator who handles complaints and chose this way of hearing of new ones."""
    return list(_handlers(notices).select_related("region").order_by("pk"))


def complaints_new_in_region(*, region: Region, day: date) -> QuerySet[Complaint]:
    """The complaints submitted on this (local) day in the region and below, oldest first."""
    return (
        Complaint.objects.filter(subtree_q(region), created_at__date=day)
        .select_related("merchant", "region")
        .order_by("created_at", "id")
    )
