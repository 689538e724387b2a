"""Public disclosure of complaint figures (DESIGN.md "Public disclosure").

A snapshot is built per disclosure date from a few aggregate queries over the complaints
submitted in its period: one grouped by county and category, one grouped by merchant with a
HAVING on the accepted count. Counties are rolled up to cities and the province in Python over
the aggregated rows (at most ~100 x 7). DISCLOSURE_PREVIEW_DAYS working days before the date the
snapshot opens as a preview (merchants see their figures, may flag an error and add a public
reply); on the date it is published and never changes again. `disclosure_run` says how late
previews and past dates are handled.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common import deadlines
from common.calendar import is_working_day
from common.errors import DomainError
from common.messages import bilingual, label, msg, person
from complaints import messages as m
from complaints.models import (
    CLOSED_COMPLAINT_STATES,
    Complaint,
    ComplaintState,
    DisclosureDate,
    DisclosureMerchantRow,
    DisclosureRegionRow,
    DisclosureSettings,
    DisclosureSnapshot,
    DisclosureState,
    FlagDecision,
)
from complaints.permissions import decides_disclosure_flags, works_for
from merchants.models import Merchant, Region, User
from merchants.services.audit import audit_log
from merchants.services.notifications import notify_merchant_members

logger = logging.getLogger(__name__)

ALL_CATEGORIES = ""
FLAG_COMMENT_MAX = 2000
# What merchants and regulators said about a row, kept when a preview is rebuilt.
KEPT_ON_REBUILD = (
    "merchant_flag",
    "flag_comment",
    "merchant_reply",
    "flag_decision",
    "flag_decision_reason",
    "flag_decided_by_id",
    "flag_decided_at",
)
REPLY_MAX = 2000
MERCHANT_LOOKUP_CHUNK = 5000

# The counts each aggregate produces; rows store them so rates can be rolled up exactly.
_COUNT_FIELDS = ("received", "accepted", "resolved", "timed", "on_time", "rated", "rating_sum")


def _figures() -> dict[str, Any]:
    accepted = Q(accepted_at__isnull=False)
    closed = Q(state__in=CLOSED_COMPLAINT_STATES)
    return {
        "received": Count("id"),
        "accepted": Count("id", filter=accepted),
        "resolved": Count("id", filter=Q(state=ComplaintState.SETTLED)),
        "timed": Count("id", filter=accepted & (closed | Q(is_overdue=True))),
        "on_time": Count("id", filter=accepted & closed & Q(closed_at__date__lte=F("close_due"))),
        "rated": Count("rating"),
        "rating_sum": Sum("rating", default=0),
    }


def _rate(numerator: int, denominator: int, places: str = "0.0001") -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(
        Decimal(places), rounding=ROUND_HALF_UP
    )


def _with_rates(counts: dict[str, int]) -> dict[str, Any]:
    return {
        **counts,
        "acceptance_rate": _rate(counts["accepted"], counts["received"]),
        "resolution_rate": _rate(counts["resolved"], counts["accepted"]),
        "on_time_rate": _rate(counts["on_time"], counts["timed"]),
        "satisfaction": _rate(counts["rating_sum"], counts["rated"], "0.01"),
    }


def _period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Submission times from the start day to the end day inclusive, in local time."""
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), tz),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz),
    )


def period_complaints(start: date, end: date) -> QuerySet[Complaint]:
    since, until = _period_bounds(start, end)
    return Complaint.objects.filter(created_at__gte=since, created_at__lt=until).order_by()


@dataclass
class _Totals:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_COUNT_FIELDS, 0))

    def add(self, row: dict[str, Any]) -> None:
        for name in _COUNT_FIELDS:
            self.counts[name] += row[name] or 0


def _region_rows(snapshot: DisclosureSnapshot) -> list[DisclosureRegionRow]:
    grouped = (
        period_complaints(snapshot.period_start, snapshot.period_end)
        .values("region_id", "category")
        .annotate(**_figures())
    )
    levels = dict(Region.objects.values_list("code", "level"))
    parents = dict(Region.objects.values_list("code", "parent_id"))
    totals: dict[tuple[str, str], _Totals] = defaultdict(_Totals)
    for row in grouped:
        county = row["region_id"]
        chain = [county]
        while parents.get(chain[-1]):
            chain.append(parents[chain[-1]])
        for code in chain:
            totals[(code, row["category"])].add(row)
            totals[(code, ALL_CATEGORIES)].add(row)
    return [
        DisclosureRegionRow(
            snapshot=snapshot,
            region_id=code,
            level=levels.get(code, ""),
            category=category,
            **_with_rates(total.counts),
        )
        for (code, category), total in sorted(totals.items())
    ]


def _merchant_rows(
    snapshot: DisclosureSnapshot, kept: dict[int, dict[str, Any]]
) -> list[DisclosureMerchantRow]:
    # Grouped by the merchant id alone (no join): names are read afterwards for the few listed.
    grouped = list(
        period_complaints(snapshot.period_start, snapshot.period_end)
        .filter(merchant__isnull=False)
        .values("merchant_id")
        .annotate(**_figures())
        .filter(accepted__gte=snapshot.merchant_threshold)
    )
    ids = [row["merchant_id"] for row in grouped]
    merchants: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ids), MERCHANT_LOOKUP_CHUNK):
        chunk = ids[start : start + MERCHANT_LOOKUP_CHUNK]
        merchants.update(
            (pk, (name, region_id))
            for pk, name, region_id in Merchant.objects.filter(pk__in=chunk).values_list(
                "pk", "name", "region_id"
            )
        )
    rows = []
    for row in grouped:
        name, region_id = merchants[row["merchant_id"]]
        counts = {field_name: row[field_name] for field_name in _COUNT_FIELDS}
        rows.append(
            DisclosureMerchantRow(
                snapshot=snapshot,
                merchant_id=row["merchant_id"],
                merchant_name=name,
                region_id=region_id,
                **_with_rates(counts),
                **kept.get(row["merchant_id"], {}),
            )
        )
    return rows


@transaction.atomic
def disclosure_build(*, disclosure_date: DisclosureDate) -> DisclosureSnapshot:
    """Build (or rebuild) the snapshot of a date; a published one is never rebuilt.

    Rebuilding a draft or preview replaces its rows and keeps what merchants said about them.
    """
    locked_date = DisclosureDate.objects.select_for_update().get(pk=disclosure_date.pk)
    snapshot = (
        DisclosureSnapshot.objects.select_for_update().filter(disclosure_date=locked_date).first()
    )
    if snapshot is not None and snapshot.is_published:
        raise DomainError(_("This disclosure is published and can no longer change."))
    threshold = DisclosureSettings.load().merchant_threshold
    if snapshot is None:
        snapshot = DisclosureSnapshot.objects.create(
            disclosure_date=locked_date,
            period_start=locked_date.period_start,
            period_end=locked_date.period_end,
            merchant_threshold=threshold,
        )
        kept: dict[int, dict[str, Any]] = {}
    else:
        kept = {
            row["merchant_id"]: {field: row[field] for field in KEPT_ON_REBUILD}
            for row in snapshot.merchant_rows.filter(
                Q(merchant_flag=True) | ~Q(merchant_reply="")
            ).values("merchant_id", *KEPT_ON_REBUILD)
        }
        snapshot.region_rows.all().delete()
        snapshot.merchant_rows.all().delete()
        snapshot.period_start, snapshot.period_end = (
            locked_date.period_start,
            locked_date.period_end,
        )
        snapshot.merchant_threshold = threshold
        snapshot.created_at = timezone.now()
        snapshot.save(
            update_fields=["period_start", "period_end", "merchant_threshold", "created_at"]
        )
    DisclosureRegionRow.objects.bulk_create(_region_rows(snapshot), batch_size=1000)
    DisclosureMerchantRow.objects.bulk_create(_merchant_rows(snapshot, kept), batch_size=1000)
    return snapshot


@transaction.atomic
def disclosure_open_preview(
    *, snapshot: DisclosureSnapshot, today: date | None = None
) -> DisclosureSnapshot:
    """Show the snapshot to the merchants; the day it opens starts their preview window."""
    moved = DisclosureSnapshot.objects.filter(pk=snapshot.pk, state=DisclosureState.DRAFT).update(
        state=DisclosureState.PREVIEW, preview_opened_on=today or timezone.localdate()
    )
    snapshot.refresh_from_db()
    if not moved and snapshot.state != DisclosureState.PREVIEW:
        raise DomainError(_("This disclosure is published and can no longer change."))
    return snapshot


@transaction.atomic
def disclosure_publish(
    *, snapshot: DisclosureSnapshot, now: datetime | None = None
) -> DisclosureSnapshot:
    """Publish: claimed by a conditional UPDATE, so a second run changes nothing."""
    moved = (
        DisclosureSnapshot.objects.filter(pk=snapshot.pk)
        .exclude(state=DisclosureState.PUBLISHED)
        .update(state=DisclosureState.PUBLISHED, published_at=now or timezone.now())
    )
    snapshot.refresh_from_db()
    if not moved:
        raise DomainError(_("This disclosure is already published."))
    return snapshot


def preview_opens(publication: date) -> date:
    """The day that is DISCLOSURE_PREVIEW_DAYS working days before the publication date."""
    day, remaining = publication, deadlines.DISCLOSURE_PREVIEW_DAYS
    while remaining:
        day -= timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def preview_window_complete(snapshot: DisclosureSnapshot, today: date) -> bool:
    """Has the snapshot's preview been open for DISCLOSURE_PREVIEW_DAYS working days by today
    (the opening day counts, as in `preview_opens`)?"""
    if snapshot.state != DisclosureState.PREVIEW or snapshot.preview_opened_on is None:
        return False
    return snapshot.preview_opened_on <= preview_opens(today)


def disclosure_run(today: date | None = None) -> dict[str, int]:
    """The daily beat job: open the preview of the coming date, publish the one that is due.

    The rules, so that a merchant always had the preview window and nothing is published in a
    batch:

    - A preview opens on `preview_opens(date)`, DISCLOSURE_PREVIEW_DAYS working days before the
      date (or on the first run after it, if that run was missed, as long as the date has not
      passed). The snapshot is built from the complaint data of the day.
    - A snapshot is published on its date, rebuilt first, once its preview has been open for
      DISCLOSURE_PREVIEW_DAYS working days; a preview that opened late (the date was added, or
      runs were missed) moves the publication on to the day its window is complete.
    - At most one disclosure is published per day: if more are due (runs missed for months),
      the oldest goes first and the next the day after.
    - A date already past on which no preview was ever opened is **skipped**: it is marked
      `skipped_at`, never published, and a WARNING is logged. Publishing it now would show
      merchants figures they never saw (a first run on a new installation would otherwise
      publish every past period at once). An admin who wants the period published anyway moves
      the date to a future day and clears `skipped_at`; it then gets its full preview.

    Safe to run twice or concurrently: a preview is opened by a conditional UPDATE, publishing
    is one, and a skipped date is marked once.
    """
    now = timezone.now()
    if today is not None and today != timezone.localdate():  # a run as of another day
        now = timezone.make_aware(datetime.combine(today, time(12)))
    today = timezone.localdate(now)
    counts = {"previews": 0, "published": 0, "skipped": 0}
    pending = (
        DisclosureDate.objects.filter(is_active=True, skipped_at__isnull=True)
        .exclude(snapshot__state=DisclosureState.PUBLISHED)
        .select_related("snapshot")
        .order_by("date")
    )
    for disclosure_date in pending:
        snapshot = getattr(disclosure_date, "snapshot", None)
        in_preview = snapshot is not None and snapshot.state == DisclosureState.PREVIEW
        if in_preview:
            continue
        if disclosure_date.date < today:
            skipped = DisclosureDate.objects.filter(
                pk=disclosure_date.pk, skipped_at__isnull=True
            ).update(skipped_at=now)
            if skipped:
                counts["skipped"] += 1
                logger.warning(
                    "disclosure %s (%s) skipped: its date passed before merchants could "
                    "preview it; it is not published",
                    disclosure_date.pk,
                    disclosure_date,
                )
        elif preview_opens(disclosure_date.date) <= today:
            snapshot = disclosure_build(disclosure_date=disclosure_date)
            disclosure_open_preview(snapshot=snapshot, today=today)
            counts["previews"] += 1
    if DisclosureSnapshot.objects.filter(published_at__date=today).exists():
        return counts
    previews = DisclosureSnapshot.objects.filter(
        state=DisclosureState.PREVIEW,
        disclosure_date__is_active=True,
        disclosure_date__date__lte=today,
    ).select_related("disclosure_date")
    due = [s for s in previews if preview_window_complete(s, today)]
    if due:
        snapshot = min(due, key=lambda s: s.disclosure_date.date)
        # Rebuilt on the day, so corrections made after a merchant's flag are published;
        # the rebuild keeps the merchants' flags and replies.
        snapshot = disclosure_build(disclosure_date=snapshot.disclosure_date)
        try:
            disclosure_publish(snapshot=snapshot, now=now)
            counts["published"] += 1
        except DomainError:
            pass  # published by a concurrent run
    return counts


# Merchants: flag or answer for their own rows in a preview


def _require_member_and_preview(actor: User, row: DisclosureMerchantRow) -> DisclosureMerchantRow:
    locked = (
        DisclosureMerchantRow.objects.select_for_update().select_related("snapshot").get(pk=row.pk)
    )
    if not works_for(actor, locked.merchant_id):
        raise DomainError(_("Only the merchant's people can answer for its figures."))
    if locked.snapshot.state != DisclosureState.PREVIEW:
        raise DomainError(
            _("Figures can be flagged or answered only while the disclosure is in preview.")
        )
    return locked


def _update_row(row: DisclosureMerchantRow, **changes: Any) -> DisclosureMerchantRow:
    DisclosureMerchantRow.objects.filter(pk=row.pk, snapshot__state=DisclosureState.PREVIEW).update(
        **changes
    )
    row.refresh_from_db()
    return row


@transaction.atomic
def disclosure_flag(
    *, actor: User, row: DisclosureMerchantRow, comment: str
) -> DisclosureMerchantRow:
    """The merchant says its figures are wrong; the regulators see the comment before publishing."""
    _require_member_and_preview(actor, row)
    comment = comment.strip()
    if not comment:
        raise DomainError(_("Say what is wrong with the figures."))
    if len(comment) > FLAG_COMMENT_MAX:
        raise DomainError(_("Keep the comment under %(n)d characters.") % {"n": FLAG_COMMENT_MAX})
    # A new objection is decided afresh.
    return _update_row(
        row,
        merchant_flag=True,
        flag_comment=comment,
        flag_decision="",
        flag_decision_reason="",
        flag_decided_by=None,
        flag_decided_at=None,
    )


# Regulators: decide on a merchant's flag before publication


def _merchant_figures(snapshot: DisclosureSnapshot, merchant_id: int) -> dict[str, Any]:
    """One merchant's figures over the snapshot's period, counted now (as the build counts)."""
    counts = (
        period_complaints(snapshot.period_start, snapshot.period_end)
        .filter(merchant_id=merchant_id)
        .aggregate(**_figures())
    )
    return _with_rates({name: counts[name] or 0 for name in _COUNT_FIELDS})


@transaction.atomic
def disclosure_flag_decide(
    *, actor: User, row: DisclosureMerchantRow, decision: str, reason: str
) -> DisclosureMerchantRow:
    """A regulator who reaches the merchant's county decides on its flag while the disclosure is
    in preview: "corrected" recounts the row from the complaints as they are now (after the
    regulator corrected them), "excluded" leaves the merchant out of the published list (the
    region's totals keep its complaints), "rejected" keeps the figures. The reason is shown to
    the merchant, whose people are told (inbox and mail); who and when are recorded."""
    locked = (
        DisclosureMerchantRow.objects.select_for_update()
        .select_related("snapshot__disclosure_date")
        .get(pk=row.pk)
    )
    if not decides_disclosure_flags(actor, locked.region_id):
        raise DomainError(_("Only the regulators of the merchant's county decide on its flag."))
    if locked.snapshot.state != DisclosureState.PREVIEW or not locked.merchant_flag:
        raise DomainError(_("Only a flag on figures still in preview can be decided."))
    if decision not in FlagDecision.values:
        raise DomainError(_("Choose a decision."), field="decision")
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Give the merchant the reason for the decision."), field="reason")
    if len(reason) > FLAG_COMMENT_MAX:
        raise DomainError(
            _("Keep the reason under %(n)d characters.") % {"n": FLAG_COMMENT_MAX}, field="reason"
        )
    changes: dict[str, Any] = {
        "flag_decision": decision,
        "flag_decision_reason": reason,
        "flag_decided_by": actor,
        "flag_decided_at": timezone.now(),
    }
    if decision == FlagDecision.CORRECTED:
        changes |= _merchant_figures(locked.snapshot, locked.merchant_id)
    locked = _update_row(locked, **changes)
    audit_log(
        actor=actor,
        action="disclosure.flag_decide",
        merchant=locked.merchant,
        obj=locked,
        data={"decision": decision, "reason": reason, "snapshot": locked.snapshot_id},
    )
    disclosure = locked.snapshot.disclosure_date
    decision_label = label(FlagDecision(decision).label)
    notify_merchant_members(
        merchant_id=locked.merchant_id,
        key=f"disclosure-flag:{locked.pk}:{changes['flag_decided_at'].isoformat()}",
        subject=msg(
            m.FLAG_DECIDED_SUBJECT,
            disclosure=bilingual(lambda: disclosure.display_name),
            decision=decision_label,
        ),
        body=msg(m.FLAG_DECIDED_BODY, name=person(actor), decision=decision_label, reason=reason),
        link=reverse("disclosure-preview"),
    )
    return locked


@transaction.atomic
def disclosure_reply(
    *, actor: User, row: DisclosureMerchantRow, text: str
) -> DisclosureMerchantRow:
    """A public reply shown beside the merchant's figures; empty text removes it."""
    _require_member_and_preview(actor, row)
    text = text.strip()
    if len(text) > REPLY_MAX:
        raise DomainError(_("Keep the reply under %(n)d characters.") % {"n": REPLY_MAX})
    return _update_row(row, merchant_reply=text)
