from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from merchants.models.accounts import User


class CheckedReport(models.Model):
    """A merchant's report on what it put right and the official's check of it: accepted, or
    rejected with what is still missing. Each model says what the report answers."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    report = models.TextField(_("rectification report"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        abstract = True

    def decide(self, *, actor: User, accept: bool, reason: str) -> None:
        """Record the check on this (locked) report."""
        self.decision = self.Decision.ACCEPTED if accept else self.Decision.REJECTED
        self.decision_reason, self.decided_by, self.decided_at = reason, actor, timezone.now()
        self.save(update_fields=["decision", "decision_reason", "decided_by", "decided_at"])
