"""Complaints: the complaint, its timeline of events and its evidence files."""

import secrets
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.messages import label, person_name, render
from common.phones import phone_mask, validate_phone
from common.uploads import EXTENSIONS
from complaints import messages  # noqa: F401  (defines the message codes events store)
from complaints.models.handling import Province

# Bounds on what the consumer types: a purchase after 1990 (a typing slip like 0001-01-01 is
# refused; the service also refuses the future) and an amount up to 100 million yuan.
EARLIEST_PURCHASE_DATE = date(1990, 1, 1)
LATEST_PURCHASE_DATE = date(2100, 12, 31)
MAX_AMOUNT = Decimal("100000000")


def validate_purchase_date(value: date | None) -> None:
    """A purchase date from 1990 to today."""
    if value is not None and value < EARLIEST_PURCHASE_DATE:
        raise ValidationError(_("The purchase date cannot be before 1990."), code="date_range")
    if value is not None and value > timezone.localdate():
        raise ValidationError(_("The purchase date cannot be in the future."), code="date_future")


class ComplaintState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITH_MERCHANT = "with_merchant", _("With the merchant")
    PROPOSED = "proposed", _("Settlement proposed")
    MEDIATION = "mediation", _("In mediation")
    SETTLED = "settled", _("Settled")
    MEDIATION_FAILED = "mediation_failed", _("Mediation failed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    # The regulator mediates with the business itself (not on the platform, or by choice).
    DIRECT = "direct", _("Handled directly by the regulator")
    # Sent to another county of the province, whose regulator accepts or refuses it.
    TRANSFER_PENDING = "transfer_pending", _("Transfer pending")
    # Sent to an authority outside the province (joint handling across the Yangtze River Delta).
    TRANSFERRED_OUT = "transferred_out", _("Transferred out of the province")


CLOSED_COMPLAINT_STATES = (
    ComplaintState.DECLINED,
    ComplaintState.SETTLED,
    ComplaintState.MEDIATION_FAILED,
    ComplaintState.WITHDRAWN,
    ComplaintState.TRANSFERRED_OUT,
)

# Waiting for a county's decision to accept it (the decision deadline, accept_due, runs): the
# merchant has not been told of the complaint and does not see it.
AWAITING_DECISION_STATES = (ComplaintState.SUBMITTED, ComplaintState.TRANSFER_PENDING)


# What a merchant's people see of the complaints against them: those a regulator accepted (one
# still awaiting the decision, transferred, or declined unaccepted is not theirs). The desk, the
# API and the owner's history copy all filter by it.
PASSED_TO_MERCHANT = Q(accepted_at__isnull=False)

# The outcomes of a handling: a complaint closed in one of these after the regulator accepted
# it was handled (its handling is rated, its consumer called back). One declined, or withdrawn
# before it was accepted, was never handled.
HANDLED_OUTCOMES = (
    ComplaintState.SETTLED,
    ComplaintState.MEDIATION_FAILED,
    ComplaintState.WITHDRAWN,
)


class ComplaintCategory(models.TextChoices):
    QUALITY = "quality", _("Quality")
    PRICE = "price", _("Price")
    SERVICE = "service", _("Service")
    REFUND_REFUSED = "refund_refused", _("Refund or return refused")
    MISLEADING_ADVERTISING = "advertising", _("Misleading advertising")
    SAFETY = "safety", _("Safety")
    OTHER = "other", _("Other")


class DeclineGround(models.TextChoices):
    """The legal grounds for not accepting a complaint (市场监督管理投诉举报处理暂行办法 §15)."""

    NOT_CONSUMER_DISPUTE = "not_consumer_dispute", _("Not a consumer dispute")
    TOO_OLD = "too_old", _("More than three years since the dispute arose")
    HANDLED_ELSEWHERE = (
        "handled_elsewhere",
        _("Already handled by a court, arbitration or another body"),
    )
    MISSING_DETAILS = "missing_details", _("Details missing: no merchant, facts or request")
    OTHER = "other", _("Other (explained)")


class ComplaintChannel(models.TextChoices):
    """How the complaint reached the platform."""

    WEB = "web", _("Web form")
    QR = "qr", _("Store QR code")
    HOTLINE = "hotline", _("Hotline (12315)")
    STATION = "station", _("Liaison station")
    LETTER = "letter", _("Letter")
    WALK_IN = "walk_in", _("Walk-in")


# What a consumer may claim for themselves; the other channels are recorded by the staff who
# take the complaint (a hotline operator, a coordinator at a station, a clerk at the counter).
SELF_SERVICE_CHANNELS = (ComplaintChannel.WEB, ComplaintChannel.QR)


def new_tracking_token() -> str:
    return secrets.token_urlsafe(24)


class ComplaintNumberCounter(models.Model):
    """The last complaint number given in one county in one year: the next one is taken by one
    upsert in the intake's transaction (complaints.services.numbers), so only intakes of the same
    county wait for each other, and only while the intake commits."""

    region = models.ForeignKey(
        "merchants.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("county")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    given = models.PositiveIntegerField(_("numbers given"), default=0)

    class Meta:
        verbose_name = _("complaint number counter")
        verbose_name_plural = _("complaint number counters")
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="complaint_number_county_year")
        ]

    def __str__(self) -> str:
        return f"{self.region_id}-{self.year}: {self.given}"


class Complaint(models.Model):
    State = ComplaintState
    Category = ComplaintCategory

    # Its LIKE-only second index is dropped on PostgreSQL (migration 0020): looked up by equality.
    tracking_token = models.CharField(
        max_length=40, unique=True, default=new_tracking_token, editable=False
    )
    number = models.CharField(
        _("complaint number"),
        max_length=24,
        blank=True,
        editable=False,
        help_text=_("County code, year and sequence, e.g. 330106-2026-000123."),
    )
    channel = models.CharField(
        _("channel"),
        max_length=10,
        choices=ComplaintChannel.choices,
        default=ComplaintChannel.WEB,
    )
    merchant = models.ForeignKey(
        "merchants.Merchant",
        db_index=False,
        verbose_name=_("merchant"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    business_name = models.CharField(
        _("business name"),
        max_length=200,
        blank=True,
        help_text=_("For a business not on the platform."),
    )
    business_address = models.CharField(_("business address"), max_length=300, blank=True)
    region = models.ForeignKey(
        "merchants.Region",
        verbose_name=_("county"),
        db_index=False,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The merchant's county: its regulators handle the complaint."),
    )
    category = models.CharField(_("category"), max_length=20, choices=ComplaintCategory.choices)
    description = models.TextField(_("what happened"))
    amount = models.DecimalField(
        _("amount (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_AMOUNT)],
    )
    purchase_date = models.DateField(
        _("purchase date"), null=True, blank=True, validators=[validate_purchase_date]
    )
    wanted_outcome = models.TextField(_("wanted outcome"))
    complainant_name = models.CharField(_("name"), max_length=50)
    complainant_phone = models.CharField(_("phone"), max_length=20, validators=[validate_phone])
    complainant_email = models.EmailField(_("e-mail"), blank=True)
    consent_to_contact = models.BooleanField(_("consents to be contacted"), default=False)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The consumer's: mail and SMS about the complaint are written in it."),
    )
    consumer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("consumer account"),
        db_index=False,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
    )
    lodged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_index=False,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lodged by"),
        help_text=_(
            "The staff member (coordinator, hotline operator) who filed it for the caller."
        ),
    )
    station = models.ForeignKey(
        "merchants.Station",
        db_index=False,
        verbose_name=_("liaison station"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        help_text=_("The village liaison station it was lodged at, by a coordinator serving it."),
    )
    submitted_ip = models.GenericIPAddressField(null=True, blank=True)

    state = models.CharField(
        _("state"), max_length=20, choices=ComplaintState.choices, default=ComplaintState.SUBMITTED
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        db_index=False,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decline_ground = models.CharField(
        _("decline ground"), max_length=30, choices=DeclineGround.choices, blank=True
    )
    proposal = models.TextField(_("merchant's proposal"), blank=True)
    agreement = models.TextField(_("agreement"), blank=True)
    # Indexed by complaint_created_scope_idx (created_at first).
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Deadlines in working days (DESIGN.md): accept or decline in 7, merchant answers in 10,
    # the whole handling ends within 45 of acceptance.
    accept_due = models.DateField(_("decision due"), null=True, blank=True)
    merchant_due = models.DateField(_("merchant's answer due"), null=True, blank=True)
    close_due = models.DateField(_("handling due"), null=True, blank=True)
    is_overdue = models.BooleanField(_("overdue"), default=False)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)
    # Transfers: to a county of the province (pending until its regulator accepts), or out of it.
    transfer_to = models.ForeignKey(
        "merchants.Region",
        verbose_name=_("transfer to (county)"),
        db_index=False,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("While a transfer is pending: the county asked to take the complaint."),
    )
    transferred_out_to = models.CharField(
        _("transferred to (authority)"), max_length=200, blank=True
    )
    transferred_out_province = models.CharField(
        _("transferred to (province)"), max_length=6, choices=Province.choices, blank=True
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        constraints = [
            models.CheckConstraint(
                condition=Q(merchant__isnull=False) | ~Q(business_name=""),
                name="complaint_names_a_business",
                violation_error_message=_("Name the business the complaint is about."),
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="complaint_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0, amount__lte=MAX_AMOUNT),
                name="complaint_amount_in_range",
            ),
            models.CheckConstraint(
                condition=Q(purchase_date__isnull=True)
                | Q(
                    purchase_date__gte=EARLIEST_PURCHASE_DATE,
                    purchase_date__lte=LATEST_PURCHASE_DATE,
                ),
                name="complaint_purchase_date_in_range",
            ),
            models.CheckConstraint(
                condition=Q(station__isnull=True) | Q(channel=ComplaintChannel.STATION),
                name="complaint_station_only_for_station_channel",
                violation_error_message=_(
                    "A liaison station is recorded only for a complaint lodged at a station."
                ),
            ),
            # Empty only in rows bulk-written by the province demo generator (and, on SQLite,
            # between the row's insert and its numbering in the same transaction).
            models.UniqueConstraint(
                fields=["number"], condition=~Q(number=""), name="complaint_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(transfer_to__isnull=True) | Q(state=ComplaintState.TRANSFER_PENDING),
                name="complaint_transfer_to_only_pending",
            ),
            models.CheckConstraint(
                condition=Q(transferred_out_to="") | Q(state=ComplaintState.TRANSFERRED_OUT),
                name="complaint_out_only_transferred_out",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "state", "created_at"], name="complaint_queue_idx"),
            models.Index(fields=["merchant", "state"], name="complaint_merchant_idx"),
            # Newest first, the lists' order (the list API, exports, a day's complaints): the
            # scope's columns are in the index, so a city's page walks it without reading the
            # table for the rows it skips (common.pages.KeysFirstPaginator).
            models.Index(
                fields=["created_at", "id", "region", "transfer_to"],
                name="complaint_created_scope_idx",
            ),
            # A county's list newest first (complaints.selectors.complaint_pages): its page and
            # bounded count read one range of this index instead of walking the province's.
            models.Index(
                fields=["region", "created_at", "id"], name="complaint_region_created_idx"
            ),
            # The evaluation reads each merchant's complaints of the last year in merchant
            # order (ratings.services.evaluation): the older ones are skipped without a heap visit.
            models.Index(fields=["merchant", "created_at"], name="complaint_merchant_recent_idx"),
            # A phone's recent complaints (likely duplicates, finding a complaint again).
            models.Index(
                fields=["complainant_phone", "created_at"], name="complaint_phone_recent_idx"
            ),
            # "Complaints I filed" for a coordinator or hotline operator: only the complaints
            # staff filed (a consumer's own, most of them, write no entry).
            models.Index(
                fields=["lodged_by", "created_at"],
                condition=Q(lodged_by__isnull=False),
                name="complaint_lodged_by_idx",
            ),
            # Open complaints past their deadline (the queue's and the work list's overdue
            # count): a few among a region's history, found without reading it.
            models.Index(
                fields=["region"],
                condition=Q(is_overdue=True) & ~Q(state__in=CLOSED_COMPLAINT_STATES),
                name="complaint_overdue_open_idx",
            ),
            # The regulator's queue (complaints.selectors.complaints), at any region level: the
            # open tabs counted from the open complaints alone (index-only) ...
            models.Index(
                fields=["region", "state", "is_overdue", "handler"],
                condition=~Q(state__in=CLOSED_COMPLAINT_STATES),
                name="complaint_open_idx",
            ),
            # ... and read in due-date order, region and tab tested in the index: a page stops
            # after its rows, for a province as for a county.
            models.Index(
                Coalesce("close_due", "accept_due"),
                "id",
                "region",
                "state",
                "is_overdue",
                "handler",
                condition=~Q(state__in=CLOSED_COMPLAINT_STATES),
                name="complaint_open_due_idx",
            ),
            # The closed tab, most recently closed first: walked backwards for a city or the
            # province (the region tested in the index), ...
            models.Index(
                fields=["closed_at", "id", "region"],
                condition=Q(state__in=CLOSED_COMPLAINT_STATES),
                name="complaint_closed_idx",
            ),
            # ... from one county's part for a county (subtree_q is then an equality); its
            # bounded count reads either.
            models.Index(
                fields=["region", "closed_at", "id"],
                condition=Q(state__in=CLOSED_COMPLAINT_STATES),
                name="complaint_closed_region_idx",
            ),
            # Transfers waiting for a county's decision: its queue reads them beside its own.
            models.Index(
                fields=["transfer_to"],
                condition=Q(transfer_to__isnull=False),
                name="complaint_transfer_to_idx",
            ),
            # Foreign keys that a new complaint leaves empty: indexed where set, so an intake
            # writes none of them (issue 17). The region, merchant and filer are led by the
            # composite indexes above; a complaint always has a region.
            models.Index(
                fields=["consumer"],
                condition=Q(consumer__isnull=False),
                name="complaint_consumer_idx",
            ),
            models.Index(
                fields=["handler"], condition=Q(handler__isnull=False), name="complaint_handler_idx"
            ),
            models.Index(
                fields=["station"], condition=Q(station__isnull=False), name="complaint_station_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.business_display}"

    @property
    def reference(self) -> str:
        """How people name the complaint: its number (#id for an unnumbered row)."""
        return self.number or f"#{self.pk}"

    @property
    def business_display(self) -> str:
        return self.merchant.name if self.merchant_id else self.business_name

    @property
    def is_closed(self) -> bool:
        return self.state in CLOSED_COMPLAINT_STATES

    @property
    def awaits_decision(self) -> bool:
        return self.state in AWAITING_DECISION_STATES

    @property
    def was_handled(self) -> bool:
        """Closed after the regulator accepted it (HANDLED_OUTCOMES)."""
        return self.state in HANDLED_OUTCOMES and self.accepted_at is not None

    @property
    def masked_phone(self) -> str:
        """The phone as a merchant may see it: only the last four digits, *******1234."""
        return phone_mask(self.complainant_phone)


class ComplaintEvent(models.Model):
    """A step of the handling or a message: the complaint's whole timeline, never deleted."""

    class Role(models.TextChoices):
        CONSUMER = "consumer", _("Consumer")
        MERCHANT = "merchant", _("Merchant")
        REGULATOR = "regulator", _("Regulator")
        # The coordinator or hotline operator who filed the complaint for a caller.
        FILER = "filer", _("Filed for the caller")
        SYSTEM = "system", _("System")

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # complaint_event_actor_idx: the events that have an actor
    )
    role = models.CharField(_("by"), max_length=10, choices=Role.choices)
    from_state = models.CharField(
        _("from"), max_length=20, choices=ComplaintState.choices, blank=True
    )
    to_state = models.CharField(_("to"), max_length=20, choices=ComplaintState.choices, blank=True)
    message = models.JSONField(
        _("message"),
        default=dict,
        blank=True,
        help_text=_("What the system says of the step: a message code and its parameters."),
    )
    text = models.TextField(_("text"), blank=True, help_text=_("What the actor wrote."))
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
        indexes = [
            # An anonymous consumer's lodging, most first events, has no actor: no entry.
            models.Index(
                fields=["actor"], condition=Q(actor__isnull=False), name="complaint_event_actor_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_state or '∅'} → {self.to_state or '·'}"

    @property
    def message_text(self) -> str:
        """The system's words on this step, in the reader's (the active) language."""
        return render(self.message)

    @property
    def by_display(self) -> str:
        """Who made the step, as the timeline heads it: their side, or for a complaint filed
        for a caller, who filed it ("Coordinator 何桂英 (filed for the caller)")."""
        if self.role == self.Role.FILER and self.message:
            return self.message_text
        return self.get_role_display()

    @property
    def shows_message(self) -> bool:
        """The step's message goes under its head (a filing's is the head itself)."""
        return bool(self.message) and self.role != self.Role.FILER

    @property
    def consumer_message_text(self) -> str:
        """The system's words as the consumer reads them: a person is named by their name, or
        by their side ("Regulator") when their account has none; never by a username."""
        side = label(self.Role(self.role).label)
        return render(_without_usernames(self.message, fallback=side))

    @property
    def consumer_by_display(self) -> str:
        """The timeline's head as the consumer reads it: the side, with a regulator's name
        ("Regulator · 吴敏"); who filed it for the caller, by name or role."""
        if self.role == self.Role.FILER and self.message:
            return self.consumer_message_text
        name = self.actor_public_name
        return f"{self.get_role_display()} · {name}" if name else str(self.get_role_display())

    @property
    def actor_public_name(self) -> str:
        """The regulator's name the consumer sees beside "Regulator"; empty for the other
        sides and for an account without a name (its username is never shown)."""
        if self.role != self.Role.REGULATOR or self.actor is None:
            return ""
        return person_name(self.actor.last_name, self.actor.first_name)


def _without_usernames(value: Any, *, fallback: Any) -> Any:
    """A stored message with each person(...) parameter stripped of its username: one without
    a name becomes `fallback` (the side's label), or nothing in a message that names the side
    itself (a "role" parameter)."""
    if isinstance(value, list):
        return [_without_usernames(item, fallback=fallback) for item in value]
    if not isinstance(value, dict):
        return value
    if "p" in value:
        family, given = [*value["p"], "", ""][:2]
        return {"p": [family, given, ""]} if family or given else fallback
    if "role" in (value.get("params") or {}):
        fallback = ""
    return {key: _without_usernames(item, fallback=fallback) for key, item in value.items()}


def evidence_upload_path(instance: "ComplaintEvidence", filename: str) -> str:
    suffix = EXTENSIONS.get(instance.content_type, "")
    return f"complaints/{instance.complaint_id}/{secrets.token_hex(8)}{suffix}"


class ComplaintEvidence(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="evidence")
    event = models.ForeignKey(
        ComplaintEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="evidence"
    )
    file = models.FileField(_("file"), upload_to=evidence_upload_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size in bytes"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.original_name
