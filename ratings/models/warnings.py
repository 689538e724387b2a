"""The warning pool's rectification reports."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from merchants.models import CheckedReport, Merchant
from ratings.models.pools import PoolChange


class WarningRectification(CheckedReport):
    """The merchant's report on what it put right after a warning, and a regulator's check."""

    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, related_name="warning_rectifications"
    )
    warning = models.ForeignKey(
        PoolChange,
        verbose_name=_("warning"),
        on_delete=models.CASCADE,
        related_name="rectifications",
        help_text=_("The move into the warning pool this report answers."),
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("warning rectification")
        verbose_name_plural = _("warning rectifications")
        constraints = [
            models.UniqueConstraint(
                fields=["warning"],
                condition=Q(decision=""),
                name="one_open_rectification_per_warning",
                violation_error_message=_("A rectification report is already waiting."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id} {self.submitted_at:%Y-%m-%d}"
