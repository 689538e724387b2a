"""Merchants: the profile, its industry and its permits."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.phones import validate_phone
from merchants.models.regions import Region
from merchants.validators import (
    EARLIEST_LICENCE_DATE,
    LATEST_LICENCE_DATE,
    validate_licence_date,
)


def _licence_date_in_range(field: str, *, nullable: bool = False) -> Q:
    bounded = Q(**{f"{field}__gte": EARLIEST_LICENCE_DATE, f"{field}__lte": LATEST_LICENCE_DATE})
    return Q(**{f"{field}__isnull": True}) | bounded if nullable else bounded


class Industry(models.TextChoices):
    CATERING = "catering", _("Catering")
    RETAIL = "retail", _("Retail")
    SUPERMARKET = "supermarket", _("Supermarket")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    FINANCE = "finance", _("Financial services")
    HOSPITALITY = "hospitality", _("Hotels and lodging")
    TOURISM = "tourism", _("Tourism")
    SERVICES = "services", _("Consumer services")
    COMMERCIAL_DISTRICT = "district", _("Shopping district management")
    OTHER = "other", _("Other")


def new_public_code() -> str:
    return secrets.token_urlsafe(12)


class Merchant(models.Model):
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200)
    legal_representative = models.CharField(_("legal representative"), max_length=50)
    address = models.CharField(_("address"), max_length=300)
    region = models.ForeignKey(
        Region,
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="merchants",
        limit_choices_to={"level": Region.Level.COUNTY},
    )
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices)
    licence_valid_from = models.DateField(
        _("business licence valid from"), validators=[validate_licence_date]
    )
    licence_valid_until = models.DateField(
        _("business licence valid until"),
        null=True,
        blank=True,
        validators=[validate_licence_date],
        help_text=_("Leave empty for a licence without an end date."),
    )
    contact_phone = models.CharField(_("contact phone"), max_length=20, validators=[validate_phone])
    public_code = models.CharField(
        _("public code"), max_length=24, unique=True, default=new_public_code, editable=False
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="merchants"
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        constraints = [
            models.CheckConstraint(
                condition=Q(licence_valid_until__isnull=True)
                | Q(licence_valid_until__gte=models.F("licence_valid_from")),
                name="merchant_licence_dates_ordered",
            ),
            models.CheckConstraint(
                condition=_licence_date_in_range("licence_valid_from")
                & _licence_date_in_range("licence_valid_until", nullable=True),
                name="merchant_licence_dates_in_range",
            ),
        ]
        # Lists are sorted by name (merchants, the pool browser), 50 a page: a range of regions
        # walks the names in order testing the county in the index, a county reads its own.
        indexes = [
            models.Index(fields=["name", "id", "region"], name="merchant_name_idx"),
            models.Index(fields=["region", "name", "id"], name="merchant_region_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Permit(models.Model):
    class Type(models.TextChoices):
        FOOD_BUSINESS = "food_business", _("Food business licence")
        FOOD_PRODUCTION = "food_production", _("Food production licence")
        INDUSTRIAL_PRODUCTION = "production", _("Industrial product production licence")
        FINANCIAL = "financial", _("Financial business licence")
        MEDICAL_DEVICE = "medical_device", _("Medical device business permit")
        DRUG = "drug", _("Drug business licence")
        OTHER = "other", _("Other permit")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="permits")
    permit_type = models.CharField(_("permit type"), max_length=20, choices=Type.choices)
    number = models.CharField(_("permit number"), max_length=50)
    valid_until = models.DateField(_("valid until"), validators=[validate_licence_date])

    class Meta:
        ordering = ["permit_type", "valid_until"]
        verbose_name = _("permit")
        verbose_name_plural = _("permits")
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "permit_type", "number"], name="permit_unique_per_merchant"
            ),
            models.CheckConstraint(
                condition=_licence_date_in_range("valid_until"), name="permit_valid_until_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_permit_type_display()} {self.number}"
