from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.messages import TEXT, msg, render


class Notification(models.Model):
    """One message in a person's on-site inbox; mailed too. `key` makes sending idempotent.

    Subject and body are stored as message codes with parameters (common/messages.py) and
    rendered in the language of whoever reads them: the page's, or the account's for mail."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    merchant = models.ForeignKey(
        "merchants.Merchant", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    declaration = models.ForeignKey(
        "merchants.Declaration",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    key = models.CharField(max_length=100)
    subject_message = models.JSONField(
        _("subject"), default=dict, help_text=_("A message code and its parameters.")
    )
    body_message = models.JSONField(
        _("message"), default=dict, help_text=_("A message code and its parameters, or a list.")
    )
    link = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_user")
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.subject

    @property
    def subject(self) -> str:
        """The subject in the active language (the reader's)."""
        return render(self.subject_message)

    @subject.setter
    def subject(self, text: str) -> None:
        """A text kept as written (tests, admin); the system stores codes instead."""
        self.subject_message = msg(TEXT, text=text)

    @property
    def body(self) -> str:
        return render(self.body_message)

    @body.setter
    def body(self, text: str) -> None:
        self.body_message = msg(TEXT, text=text)
