"""The province → city → county tree."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from common.messages import BilingualName


class Region(BilingualName, models.Model):
    """A node of the province → city → county tree, keyed by its GB/T 2260 code.

    Codes are hierarchical (33 / 3301 / 330102), so a subtree is a code prefix: one indexed
    `LIKE '3301%'` instead of a recursive query.
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County")

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    name = models.CharField(_("name (Chinese)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=50, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.display_name

    @property
    def prefix(self) -> str:
        """The code prefix shared by this region and everything below it."""
        return {self.Level.PROVINCE: self.code[:2], self.Level.CITY: self.code[:4]}.get(
            self.level, self.code
        )
