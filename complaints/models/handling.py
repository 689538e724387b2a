"""Handling a complaint beyond the merchant's desk: the regulator's own contacts with the business
when it handles a complaint directly, and the provinces a complaint can be transferred out to."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A contact is recorded on the day it happened: after the platform's earliest complaints, never
# in the future (the service refuses the future and days before the complaint).
EARLIEST_CONTACT_DATE = date(1990, 1, 1)
LATEST_CONTACT_DATE = date(2100, 12, 31)


def validate_contact_day(value: date | None) -> None:
    """A contact took place from 1990 to today."""
    if value is not None and value < EARLIEST_CONTACT_DATE:
        raise ValidationError(_("The date cannot be before 1990."), code="date_range")
    if value is not None and value > timezone.localdate():
        raise ValidationError(
            _("The date of the contact cannot be in the future."), code="date_future"
        )


class Province(models.TextChoices):
    """China's provincial-level divisions (GB/T 2260), for a transfer out of the province: the
    Yangtze River Delta partners first (joint handling across the delta), then by code."""

    SHANGHAI = "310000", _("Shanghai")
    JIANGSU = "320000", _("Jiangsu")
    ZHEJIANG = "330000", _("Zhejiang")
    ANHUI = "340000", _("Anhui")
    BEIJING = "110000", _("Beijing")
    TIANJIN = "120000", _("Tianjin")
    HEBEI = "130000", _("Hebei")
    SHANXI = "140000", _("Shanxi")
    INNER_MONGOLIA = "150000", _("Inner Mongolia")
    LIAONING = "210000", _("Liaoning")
    JILIN = "220000", _("Jilin")
    HEILONGJIANG = "230000", _("Heilongjiang")
    FUJIAN = "350000", _("Fujian")
    JIANGXI = "360000", _("Jiangxi")
    SHANDONG = "370000", _("Shandong")
    HENAN = "410000", _("Henan")
    HUBEI = "420000", _("Hubei")
    HUNAN = "430000", _("Hunan")
    GUANGDONG = "440000", _("Guangdong")
    GUANGXI = "450000", _("Guangxi")
    HAINAN = "460000", _("Hainan")
    CHONGQING = "500000", _("Chongqing")
    SICHUAN = "510000", _("Sichuan")
    GUIZHOU = "520000", _("Guizhou")
    YUNNAN = "530000", _("Yunnan")
    TIBET = "540000", _("Tibet")
    SHAANXI = "610000", _("Shaanxi")
    GANSU = "620000", _("Gansu")
    QINGHAI = "630000", _("Qinghai")
    NINGXIA = "640000", _("Ningxia")
    XINJIANG = "650000", _("Xinjiang")


class ContactMethod(models.TextChoices):
    PHONE = "phone", _("Phone call")
    VISIT = "visit", _("Visit to the business")
    OFFICE = "office", _("Meeting at the regulator's office")
    OTHER = "other", _("Other (letter, online)")


class ComplaintContact(models.Model):
    """One phone call, visit or meeting of the handler with the business (or the consumer) while
    the regulator handles the complaint itself; each has its event on the timeline."""

    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.PROTECT, related_name="contacts"
    )
    event = models.OneToOneField(
        "complaints.ComplaintEvent", on_delete=models.PROTECT, related_name="contact"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    method = models.CharField(_("how"), max_length=10, choices=ContactMethod.choices)
    contacted_on = models.DateField(_("date"), validators=[validate_contact_day])
    summary = models.TextField(_("what was said or agreed"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["contacted_on", "id"]
        verbose_name = _("contact with the business")
        verbose_name_plural = _("contacts with the business")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    contacted_on__gte=EARLIEST_CONTACT_DATE, contacted_on__lte=LATEST_CONTACT_DATE
                ),
                name="complaint_contact_date_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.contacted_on} {self.method}"
