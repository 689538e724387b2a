"""The tables `common` owns: the transactional outbox (common/outbox.py) and the counters of the
rate limits (common/limits.py)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxItem(models.Model):
    """A side effect of a committed write, waiting to be delivered (or delivered)."""

    kind = models.CharField(_("kind"), max_length=40)
    payload = models.JSONField(_("payload"), default=dict)
    key = models.CharField(
        _("key"),
        max_length=200,
        null=True,
        blank=True,
        unique=True,
        help_text=_("Makes recording the same side effect twice a no-op."),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    due_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox item")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="outbox_pending_idx",
                condition=models.Q(delivered_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class LimitCounter(models.Model):
    """How many uses one limited key (a hashed phone, a client address, …) made in one 5-minute
    bucket. Counted by one upsert per use, summed over the buckets of the window; old buckets are
    purged every hour. The key is a hash: the table holds no phone number or address."""

    key = models.CharField(_("key"), max_length=64)
    bucket = models.IntegerField(_("bucket"), help_text=_("Minutes since the epoch, divided by 5."))
    hits = models.PositiveIntegerField(_("uses"), default=0)

    class Meta:
        verbose_name = _("rate limit counter")
        verbose_name_plural = _("rate limit counters")
        constraints = [
            models.UniqueConstraint(fields=["key", "bucket"], name="limit_counter_key_bucket")
        ]

    def __str__(self) -> str:
        return f"{self.key[:12]}… @{self.bucket}: {self.hits}"
