"""Return calls (回访): after a handled complaint is closed, its handler calls the consumer and
records whether they were reached and how satisfied they are with the handling."""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Bounds of a call's time: typed by a person, so a slip (0001-01-01, 9999) is refused; the
# service also refuses a call before the complaint was closed.
EARLIEST_RETURN_CALL = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_RETURN_CALL = datetime(2100, 12, 31, tzinfo=UTC)
# A clock a few minutes apart from the server's is not "the future".
RETURN_CALL_CLOCK_SLACK = timedelta(minutes=5)
RETURN_CALL_NOTES_MAX = 2000


def validate_return_call_time(value: datetime | None) -> None:
    """A call from 2000 up to now."""
    if value is None:
        return
    if value < EARLIEST_RETURN_CALL:
        raise ValidationError(_("The call cannot be before 2000."), code="time_range")
    if value > timezone.now() + RETURN_CALL_CLOCK_SLACK:
        raise ValidationError(_("The call cannot be in the future."), code="time_future")


class Satisfaction(models.TextChoices):
    """The consumer's satisfaction with the handling, as asked on the return call."""

    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class ComplaintReturnCall(models.Model):
    """One call to the consumer after the handling ended; a complaint may have several (one
    that did not reach them, then one that did)."""

    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="return_calls",
    )
    called_at = models.DateTimeField(_("called at"), validators=[validate_return_call_time])
    reached = models.BooleanField(_("consumer reached"))
    satisfaction = models.CharField(
        _("satisfaction"),
        max_length=20,
        choices=Satisfaction.choices,
        blank=True,
        help_text=_("Asked when the consumer was reached; empty otherwise."),
    )
    notes = models.TextField(_("notes"), max_length=RETURN_CALL_NOTES_MAX, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    event = models.OneToOneField(
        "complaints.ComplaintEvent",
        verbose_name=_("timeline step"),
        on_delete=models.PROTECT,
        related_name="return_call",
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["called_at", "id"]
        verbose_name = _("return call")
        verbose_name_plural = _("return calls")
        constraints = [
            models.CheckConstraint(
                condition=Q(reached=True, satisfaction__in=Satisfaction.values)
                | Q(reached=False, satisfaction=""),
                name="return_call_satisfaction_if_reached",
                violation_error_message=_(
                    "Record the satisfaction of a consumer reached, and none otherwise."
                ),
            ),
            models.CheckConstraint(
                condition=Q(called_at__gte=EARLIEST_RETURN_CALL, called_at__lte=LATEST_RETURN_CALL),
                name="return_call_called_at_bounded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} @{self.called_at:%Y-%m-%d %H:%M}"
