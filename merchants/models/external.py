"""Records from the external systems, keyed by USCC (DESIGN.md, "External data").

Each row keeps the source's own record id (the key of an idempotent upsert) and the date the
source says the record is true as of. Default screening adapters read these tables; a deployment
may swap in an adapter that calls the real service instead.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExternalRecord(models.Model):
    uscc = models.CharField(_("unified social credit code"), max_length=18, db_index=True)
    record_id = models.CharField(_("source record id"), max_length=64, unique=True)
    as_of = models.DateField(_("as of"))
    imported_at = models.DateTimeField(_("imported at"), auto_now=True)

    class Meta:
        abstract = True
        ordering = ["uscc", "-as_of"]

    def __str__(self) -> str:
        return f"{self.uscc} {self.record_id}"


class RegistryRecord(ExternalRecord):
    """Enterprise registry (浙江企业在线): one current record per entity."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active (存续)")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Licence revoked (吊销)")
        CANCELLED = "cancelled", _("Deregistered (注销)")

    class Credit(models.TextChoices):
        A = "A", _("A — good")
        B = "B", _("B — fair")
        C = "C", _("C — poor")
        D = "D", _("D — bad")

    entity_status = models.CharField(_("entity status"), max_length=12, choices=Status.choices)
    licence_valid_until = models.DateField(_("licence valid until"), null=True, blank=True)
    on_abnormal_list = models.BooleanField(_("on the abnormal-operations list"), default=False)
    on_dishonest_list = models.BooleanField(_("on the serious-dishonesty list"), default=False)
    credit_level = models.CharField(_("credit level"), max_length=1, choices=Credit.choices)

    class Meta(ExternalRecord.Meta):
        verbose_name = _("registry record")
        verbose_name_plural = _("registry records")


class QualityRecord(ExternalRecord):
    """Quality system (浙江质量在线): product spot-check results."""

    class Result(models.TextChoices):
        PASS = "pass", _("Passed")
        FAIL = "fail", _("Failed")

    checked_on = models.DateField(_("checked on"))
    product = models.CharField(_("product"), max_length=200)
    result = models.CharField(_("result"), max_length=4, choices=Result.choices)

    class Meta(ExternalRecord.Meta):
        verbose_name = _("quality spot check")
        verbose_name_plural = _("quality spot checks")


class FoodChainRecord(ExternalRecord):
    """Food traceability (浙食链): food permits and traceability compliance."""

    permit_number = models.CharField(_("food permit number"), max_length=50)
    permit_valid_until = models.DateField(_("permit valid until"))
    traceability_compliant = models.BooleanField(_("traceability compliant"), default=True)

    class Meta(ExternalRecord.Meta):
        verbose_name = _("food-chain record")
        verbose_name_plural = _("food-chain records")


class ColdChainRecord(ExternalRecord):
    """Cold chain (浙冷链): compliance records."""

    checked_on = models.DateField(_("checked on"))
    compliant = models.BooleanField(_("compliant"), default=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta(ExternalRecord.Meta):
        verbose_name = _("cold-chain record")
        verbose_name_plural = _("cold-chain records")


class PenaltyRecord(ExternalRecord):
    """Law enforcement (浙江执法在线): administrative penalties."""

    class Severity(models.TextChoices):
        MINOR = "minor", _("Minor")
        ORDINARY = "ordinary", _("Ordinary")
        SERIOUS = "serious", _("Serious")

    decided_on = models.DateField(_("decided on"))
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    description = models.CharField(_("description"), max_length=300)

    class Meta(ExternalRecord.Meta):
        verbose_name = _("administrative penalty")
        verbose_name_plural = _("administrative penalties")
        permissions = [("push_feed", _("Can push external records through the feed API"))]


EXTERNAL_SOURCES: dict[str, type[ExternalRecord]] = {
    "registry": RegistryRecord,
    "quality": QualityRecord,
    "food_chain": FoodChainRecord,
    "cold_chain": ColdChainRecord,
    "enforcement": PenaltyRecord,
}
