"""Schemes as data: each with its commitments and required documents; its kind is a module of
merchants.schemes."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from common.messages import BilingualName
from merchants.schemes import SchemeKind, kind_choices, scheme_kind


class Scheme(BilingualName, models.Model):
    # The kinds are the modules of merchants.schemes; `Scheme.Kind.FACTORY` etc. name them.
    Kind = models.TextChoices(
        "Kind", [(code.upper(), (code, label)) for code, label in kind_choices()]
    )

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=kind_choices,
        help_text=_("Decides which extra fields a declaration for this scheme carries."),
    )
    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("open for declarations"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("scheme")
        verbose_name_plural = _("schemes")

    def __str__(self) -> str:
        return self.name

    @property
    def spec(self) -> SchemeKind:
        """What this scheme's kind asks of a declaration and shows the public."""
        return scheme_kind(self.kind)


class Commitment(BilingualName, models.Model):
    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="commitments")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("text (Chinese)"), max_length=300)
    name_en = models.CharField(_("text (English)"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["scheme", "order", "id"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="commitment_code_per_scheme")
        ]

    def __str__(self) -> str:
        return self.name


class RequiredDocument(BilingualName, models.Model):
    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="required_documents")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    is_mandatory = models.BooleanField(_("mandatory"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["scheme", "order", "id"]
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="document_code_per_scheme")
        ]

    def __str__(self) -> str:
        return self.name
