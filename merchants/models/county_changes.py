"""A merchant's request to move to another county, decided by the receiving county."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from merchants.models.merchants import Merchant
from merchants.models.regions import Region


class CountyChangeRequest(models.Model):
    """An owner asks to move the merchant to another county; a regulator of the receiving
    county approves (the merchant and everything that carries its region move together) or
    refuses. A merchant has at most one open request."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    merchant = models.ForeignKey(
        Merchant,
        verbose_name=_("merchant"),
        on_delete=models.CASCADE,
        related_name="county_change_requests",
    )
    from_region = models.ForeignKey(
        Region, verbose_name=_("from county"), on_delete=models.PROTECT, related_name="+"
    )
    to_region = models.ForeignKey(
        Region,
        verbose_name=_("to county"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": Region.Level.COUNTY},
    )
    reason = models.TextField(_("reason"), max_length=2000)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), max_length=2000, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("county change request")
        verbose_name_plural = _("county change requests")
        constraints = [
            models.UniqueConstraint(
                fields=["merchant"],
                condition=Q(state="requested"),
                name="one_open_county_change_per_merchant",
            ),
            models.CheckConstraint(
                condition=~Q(from_region=models.F("to_region")),
                name="county_change_moves",
            ),
            models.CheckConstraint(
                condition=Q(state="requested")
                | (Q(decided_by__isnull=False) & Q(decided_at__isnull=False)),
                name="county_change_decided_by_someone",
            ),
        ]
        indexes = [models.Index(fields=["to_region", "state"], name="county_change_queue_idx")]

    def __str__(self) -> str:
        return f"{self.merchant}: {self.from_region_id} → {self.to_region_id}"
