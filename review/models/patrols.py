"""Coordinators' unscheduled visits (巡查): a merchant or a place in their county, what they found,
photos. Seen by the coordinator who recorded it and the regulators of its county and above; never
by the merchant's people."""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from merchants.models import Merchant, Region, Station, StoredFile

PATROL_TEXT_MAX = 4000
PATROL_PLACE_MAX = 200
PATROL_MAX_PHOTOS = 10
# The dates a visit may carry (the service also refuses a day after today).
EARLIEST_PATROL_DAY = datetime.date(2000, 1, 1)
LATEST_PATROL_DAY = datetime.date(2100, 12, 31)


def validate_patrol_day(value: datetime.date) -> None:
    if value is not None and not EARLIEST_PATROL_DAY <= value <= LATEST_PATROL_DAY:
        raise ValidationError(
            _("Give a date between %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST_PATROL_DAY, "latest": LATEST_PATROL_DAY},
            code="date_range",
        )


class Patrol(models.Model):
    region = models.ForeignKey(
        Region, verbose_name=_("county"), on_delete=models.PROTECT, related_name="patrols"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinator"),
        on_delete=models.PROTECT,
        related_name="patrols",
    )
    station = models.ForeignKey(
        Station,
        verbose_name=_("liaison station"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="patrols",
    )
    merchant = models.ForeignKey(
        Merchant,
        verbose_name=_("merchant"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="patrols",
    )
    place = models.CharField(_("place"), max_length=PATROL_PLACE_MAX, blank=True)
    visited_on = models.DateField(_("date of the visit"), validators=[validate_patrol_day])
    findings = models.TextField(_("findings"), max_length=PATROL_TEXT_MAX)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = _("unscheduled visit")
        verbose_name_plural = _("unscheduled visits")
        indexes = [models.Index(fields=["region", "visited_on"], name="patrol_region_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(merchant__isnull=False) | ~Q(place=""),
                name="patrol_merchant_or_place",
                violation_error_message=_("Name the merchant or the place visited."),
            ),
            models.CheckConstraint(
                condition=Q(visited_on__gte=EARLIEST_PATROL_DAY, visited_on__lte=LATEST_PATROL_DAY),
                name="patrol_visited_on_bounded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visited_on:%Y-%m-%d} {self.where}"

    @property
    def where(self) -> str:
        return self.merchant.name if self.merchant_id else self.place


def patrol_photo_path(instance: "PatrolPhoto", filename: str) -> str:
    return f"patrols/{instance.patrol_id}/{secrets.token_hex(8)}{instance.extension}"


class PatrolPhoto(StoredFile):
    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("file"), upload_to=patrol_photo_path)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
