"""Declarations: a merchant's application for a scheme, its documents and its state events."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.messages import render_then
from merchants.models.files import StoredFile
from merchants.models.merchants import Merchant
from merchants.models.regions import Region
from merchants.models.schemes import Commitment, RequiredDocument, Scheme
from merchants.schemes import no_reason_return


class DeclarationState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SCREENING = "screening", _("Screening")
    SCREENING_FAILED = "screening_failed", _("Screening failed")
    PENDING_REVIEW = "pending_review", _("Pending review")
    UNDER_REVIEW = "under_review", _("Under review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned for amendment")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


CLOSED_DECLARATION_STATES = (
    DeclarationState.REJECTED,
    DeclarationState.WITHDRAWN,
    DeclarationState.REVOKED,
    DeclarationState.EXPIRED,
)

# Declarations in a reviewer's open tabs (pending, claimed, returned): review.selectors.queue
# counts them from an index of these alone.
REVIEW_QUEUE_OPEN_STATES = (
    DeclarationState.PENDING_REVIEW,
    DeclarationState.UNDER_REVIEW,
    DeclarationState.RETURNED,
)


class Declaration(models.Model):
    State = DeclarationState

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="declarations")
    # The merchant's county, copied so that a regulator's queue is scoped and counted from this
    # table alone (merchant_update keeps it in step when a merchant moves).
    region = models.ForeignKey(
        Region, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="declarations")
    state = models.CharField(
        _("state"), max_length=20, choices=DeclarationState.choices, default=DeclarationState.DRAFT
    )
    details = models.JSONField(_("scheme details"), default=dict, blank=True)
    accepted_commitments = models.ManyToManyField(
        Commitment, blank=True, related_name="+", verbose_name=_("commitments accepted")
    )
    member_merchants = models.ManyToManyField(
        Merchant,
        blank=True,
        related_name="district_declarations",
        verbose_name=_("member merchants"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # Review: who holds it, when it is due (working days after submission), what screening said.
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    review_due = models.DateField(_("review due"), null=True, blank=True)
    is_overdue = models.BooleanField(_("overdue"), default=False)
    flagged = models.BooleanField(
        _("flagged"), default=False, help_text=_("Screening gave warnings for the reviewer.")
    )
    screening_incomplete = models.BooleanField(
        _("screening incomplete"),
        default=False,
        help_text=_("A data source could not be reached after every retry."),
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "scheme"],
                condition=~Q(state__in=[s.value for s in CLOSED_DECLARATION_STATES]),
                name="one_open_declaration_per_merchant_scheme",
                violation_error_message=_(
                    "This merchant already has an open declaration for this scheme."
                ),
            ),
            # The evaluation reads the return window back as an integer (issue 14, finding 1).
            models.CheckConstraint(
                condition=~Q(details__return_days__gt=no_reason_return.MAX_DAYS),
                name="declaration_return_days_bounded",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "submitted_at"], name="declaration_state_idx"),
            # The regulator's declaration list, latest change first: a range of regions walks
            # the first testing the region in it, a county reads its own from the second.
            models.Index(fields=["-updated_at", "-id", "region"], name="declaration_updated_idx"),
            models.Index(
                fields=["region", "-updated_at", "-id"], name="declaration_region_updated_idx"
            ),
            models.Index(fields=["state", "review_due", "id"], name="declaration_queue_idx"),
            # Covers the review queue's per-tab counts for a region subtree (index-only scan).
            models.Index(
                fields=[
                    "region",
                    "state",
                    "review_due",
                    "decided_at",
                    "reviewer",
                    "is_overdue",
                    "flagged",
                    "scheme",
                ],
                name="declaration_region_queue_idx",
            ),
            # The review queue's open tabs counted from open declarations alone (index-only),
            # at any region level: a province's decisions are never read for them.
            models.Index(
                fields=[
                    "region",
                    "state",
                    "review_due",
                    "reviewer",
                    "is_overdue",
                    "flagged",
                    "scheme",
                ],
                condition=Q(state__in=REVIEW_QUEUE_OPEN_STATES),
                name="declaration_open_queue_idx",
            ),
            # The review queue's decided tab, most recent decision first, at any region level:
            # walked backwards with the region tested in the index, the page stops after its
            # rows (review.selectors.queue).
            models.Index(
                fields=["decided_at", "id", "region"],
                condition=Q(state__in=(DeclarationState.APPROVED, DeclarationState.REJECTED)),
                name="declaration_decided_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merchant} — {self.scheme}"

    @property
    def is_editable(self) -> bool:
        return self.state in (
            DeclarationState.DRAFT,
            DeclarationState.RETURNED,
            DeclarationState.SCREENING_FAILED,
        )


def declaration_upload_path(instance: "DeclarationDocument", filename: str) -> str:
    return f"declarations/{instance.declaration_id}/{secrets.token_hex(8)}{instance.extension}"


class DeclarationDocument(StoredFile):
    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="documents")
    required_document = models.ForeignKey(
        RequiredDocument, on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("file"), upload_to=declaration_upload_path)

    class Meta:
        ordering = ["required_document__order", "uploaded_at"]
        verbose_name = _("declaration document")
        verbose_name_plural = _("declaration documents")


class DeclarationEvent(models.Model):
    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the system made the change."),
    )
    from_state = models.CharField(
        _("from"), max_length=20, choices=DeclarationState.choices, blank=True
    )
    to_state = models.CharField(_("to"), max_length=20, choices=DeclarationState.choices)
    reason = models.TextField(
        _("reason"), blank=True, help_text=_("The reason as the person who acted typed it.")
    )
    message = models.JSONField(
        _("system message"),
        null=True,
        blank=True,
        help_text=_("What the system wrote: a message code, shown in the reader's language."),
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("declaration event")
        verbose_name_plural = _("declaration events")

    def __str__(self) -> str:
        return f"{self.from_state or '∅'} → {self.to_state}"

    @property
    def reason_text(self) -> str:
        """The reason as the reader sees it: the system's message in the active language, then
        what the person typed."""
        return render_then(self.message, self.reason)
