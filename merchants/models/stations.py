"""Village liaison stations (村级消费维权联络站): a place in a county where consumers find help,
staffed by the county's coordinators."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.phones import validate_phone
from merchants.models.regions import Region


class Station(models.Model):
    """A liaison station of a village or community, managed by its county's regulators."""

    name = models.CharField(_("village or community"), max_length=100)
    region = models.ForeignKey(
        Region,
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="stations",
        limit_choices_to={"level": Region.Level.COUNTY},
    )
    address = models.CharField(_("address"), max_length=200)
    phone = models.CharField(_("phone"), max_length=20, validators=[validate_phone])
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinators"),
        related_name="stations",
        blank=True,
        limit_choices_to={"role": "coordinator"},
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["region_id", "name", "id"]
        verbose_name = _("liaison station")
        verbose_name_plural = _("liaison stations")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="one_station_per_village"),
        ]

    def __str__(self) -> str:
        return self.name
