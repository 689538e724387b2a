"""Finding a complaint again by its number and the consumer's phone: a one-time code sent to
that phone (complaints.services.lookup)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ComplaintLookupCode(models.Model):
    """A 6-digit code sent by SMS to the complaint's phone, stored only as a keyed hash; good for
    a few minutes and a few attempts, used once."""

    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="+"
    )
    code_hash = models.CharField(_("code (hashed)"), max_length=64)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint lookup code")
        verbose_name_plural = _("complaint lookup codes")
        indexes = [models.Index(fields=["complaint", "-created_at"], name="complaint_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.complaint_id} @{self.created_at:%Y-%m-%d %H:%M}"
