"""A regulator's nomination of a registry merchant: an invitation to declare."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from merchants.models import Merchant


class Nomination(models.Model):
    """A regulator's invitation to a registry merchant to declare. A registered merchant enters
    the selection pool at once; one not registered yet enters when it registers (by USCC)."""

    uscc = models.CharField(_("unified social credit code"), max_length=18, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(
        "merchants.Region", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    email = models.EmailField(_("e-mail for the invitation"), blank=True)
    message = models.TextField(_("message to the merchant"), blank=True)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("nominated at"), default=timezone.now)
    merchant = models.ForeignKey(
        Merchant,
        verbose_name=_("merchant"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="nominations",
        help_text=_("Empty until the merchant has registered on the platform."),
    )
    entered_at = models.DateTimeField(_("entered the selection pool"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")

    def __str__(self) -> str:
        return f"{self.uscc} {self.name}"
