"""Public disclosure (DESIGN.md "Public disclosure"): dates and the threshold are data; a snapshot
is built once per date, shown to merchants as a preview, then published and never changed."""

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.messages import BilingualName
from complaints.models.complaints import ComplaintCategory


class DisclosureSettings(models.Model):
    """One row (pk=1): the rules of disclosure that admins may change."""

    merchant_threshold = models.PositiveSmallIntegerField(
        _("merchant threshold"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_("A merchant is listed by name from this many accepted complaints in a period."),
    )

    class Meta:
        verbose_name = _("disclosure settings")
        verbose_name_plural = _("disclosure settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(merchant_threshold__gte=1, merchant_threshold__lte=1000),
                name="disclosure_threshold_1_to_1000",
            )
        ]

    def __str__(self) -> str:
        return str(_("Disclosure settings"))

    @classmethod
    def load(cls) -> "DisclosureSettings":
        settings_row, _created = cls.objects.get_or_create(pk=1)
        return settings_row


class DisclosureDate(BilingualName, models.Model):
    """A publication date and the period of complaints (by submission date) it covers.

    Named in both languages: `display_name` is the reader's."""

    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    date = models.DateField(_("publication date"), unique=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"), help_text=_("Inclusive."))
    is_active = models.BooleanField(_("active"), default=True)
    skipped_at = models.DateTimeField(
        _("skipped at"),
        null=True,
        blank=True,
        help_text=_(
            "Not published: its date had passed before merchants could preview it. Move the "
            "date to a future day and clear this to publish the period after all."
        ),
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("disclosure date")
        verbose_name_plural = _("disclosure dates")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end"))
                & Q(period_end__lt=models.F("date")),
                name="disclosure_period_before_date",
                violation_error_message=_(
                    "The period must start before it ends, and end before the publication date."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_name} {self.date:%Y-%m-%d}"


class DisclosureState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PREVIEW = "preview", _("Preview for merchants")
    PUBLISHED = "published", _("Published")


class ImmutableRowMixin(models.Model):
    """Rows are written once by bulk_create; a published snapshot's rows are never changed."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Disclosure rows are written once; use the disclosure services.")
        super().save(*args, **kwargs)


class DisclosureRowQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        # No update path reaches a published snapshot, whoever calls it.
        return super(DisclosureRowQuerySet, self.exclude(snapshot__state="published")).update(
            **kwargs
        )

    def delete(self) -> tuple[int, dict[str, int]]:
        return super(DisclosureRowQuerySet, self.exclude(snapshot__state="published")).delete()


class DisclosureSnapshot(models.Model):
    State = DisclosureState

    disclosure_date = models.OneToOneField(
        DisclosureDate,
        verbose_name=_("disclosure date"),
        on_delete=models.PROTECT,
        related_name="snapshot",
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    merchant_threshold = models.PositiveSmallIntegerField(_("merchant threshold"))
    state = models.CharField(
        _("state"), max_length=10, choices=DisclosureState.choices, default=DisclosureState.DRAFT
    )
    created_at = models.DateTimeField(_("built at"), default=timezone.now)
    preview_opened_on = models.DateField(
        _("preview opened on"),
        null=True,
        blank=True,
        help_text=_("Its preview window for merchants starts on this day."),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["-period_end", "-id"]
        verbose_name = _("disclosure snapshot")
        verbose_name_plural = _("disclosure snapshots")

    def __str__(self) -> str:
        return str(self.disclosure_date)

    def save(self, *args, **kwargs) -> None:
        if (
            not self._state.adding
            and type(self).objects.filter(pk=self.pk, state=DisclosureState.PUBLISHED).exists()
        ):
            raise ValueError("A published disclosure snapshot cannot change.")
        super().save(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.state == DisclosureState.PUBLISHED


class DisclosureFigures(models.Model):
    """Counts and rates shared by region and merchant rows; rates are None without a base."""

    received = models.PositiveIntegerField(_("received"))
    accepted = models.PositiveIntegerField(_("accepted"))
    resolved = models.PositiveIntegerField(_("resolved"))
    timed = models.PositiveIntegerField(
        _("handling finished or overdue"),
        help_text=_("Accepted complaints closed, or open past their handling deadline."),
    )
    on_time = models.PositiveIntegerField(_("closed on time"))
    rated = models.PositiveIntegerField(_("rated"))
    rating_sum = models.PositiveIntegerField(_("sum of ratings"))
    acceptance_rate = models.DecimalField(
        _("acceptance rate"), max_digits=5, decimal_places=4, null=True
    )
    resolution_rate = models.DecimalField(
        _("resolution rate"), max_digits=5, decimal_places=4, null=True
    )
    on_time_rate = models.DecimalField(_("on-time rate"), max_digits=5, decimal_places=4, null=True)
    satisfaction = models.DecimalField(
        _("average rating"), max_digits=3, decimal_places=2, null=True
    )

    class Meta:
        abstract = True


class DisclosureRegionRow(ImmutableRowMixin, DisclosureFigures):
    """One region (county, city or the province) and one category; category "" is all of them."""

    snapshot = models.ForeignKey(
        DisclosureSnapshot, on_delete=models.CASCADE, related_name="region_rows"
    )
    region = models.ForeignKey(
        "merchants.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(_("level"), max_length=10)
    category = models.CharField(
        _("category"), max_length=20, choices=ComplaintCategory.choices, blank=True
    )

    objects = DisclosureRowQuerySet.as_manager()

    class Meta:
        ordering = ["region_id", "category"]
        verbose_name = _("disclosure region row")
        verbose_name_plural = _("disclosure region rows")
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "region", "category"], name="disclosure_region_row_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.category or '*'}"


class FlagDecision(models.TextChoices):
    """What the regulators decided on a merchant's flag, before publication."""

    CORRECTED = "corrected", _("Accepted: figures corrected")
    EXCLUDED = "excluded", _("Accepted: left out of the publication")
    REJECTED = "rejected", _("Rejected")


class DisclosureMerchantRow(ImmutableRowMixin, DisclosureFigures):
    snapshot = models.ForeignKey(
        DisclosureSnapshot, on_delete=models.CASCADE, related_name="merchant_rows"
    )
    merchant = models.ForeignKey(
        "merchants.Merchant",
        verbose_name=_("merchant"),
        on_delete=models.PROTECT,
        related_name="disclosure_rows",
    )
    # The name and county as they were when the snapshot was built.
    merchant_name = models.CharField(_("merchant"), max_length=200)
    region = models.ForeignKey(
        "merchants.Region", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    merchant_flag = models.BooleanField(_("flagged as wrong by the merchant"), default=False)
    flag_comment = models.TextField(_("merchant's comment on the figures"), blank=True)
    merchant_reply = models.TextField(_("merchant's public reply"), blank=True)
    flag_decision = models.CharField(
        _("decision on the flag"), max_length=10, choices=FlagDecision.choices, blank=True
    )
    flag_decision_reason = models.TextField(_("reason given to the merchant"), blank=True)
    flag_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    flag_decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = DisclosureRowQuerySet.as_manager()

    class Meta:
        ordering = ["-accepted", "merchant_name", "id"]
        verbose_name = _("disclosure merchant row")
        verbose_name_plural = _("disclosure merchant rows")
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "merchant"], name="disclosure_merchant_row_once"
            )
        ]

    def __str__(self) -> str:
        return self.merchant_name
