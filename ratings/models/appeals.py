"""Appeals against a pool decision: the merchant's right to reply and the outcome."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from merchants.models import Merchant
from ratings.models.pools import PoolChange


class Appeal(models.Model):
    """A merchant's appeal against a warning, an exit or a star decision, and its outcome. The
    merchant's statement is its right to reply: shown wherever the decision is shown."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        UPHELD = "upheld", _("Decision upheld")
        OVERTURNED = "overturned", _("Decision overturned")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="appeals")
    decision = models.OneToOneField(
        PoolChange,
        verbose_name=_("decision appealed"),
        on_delete=models.CASCADE,
        related_name="appeal",
    )
    statement = models.TextField(_("the merchant's reasons"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    decide_by = models.DateField(_("to be decided by"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    is_overdue = models.BooleanField(_("overdue"), default=False)
    outcome_reason = models.TextField(_("reasons for the outcome"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reversal = models.ForeignKey(
        PoolChange,
        verbose_name=_("move that undid the decision"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        indexes = [
            models.Index(
                fields=["decide_by"], condition=Q(state="pending"), name="appeal_pending_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id} {self.get_state_display()}"
