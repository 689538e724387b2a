"""The files of rectification reports and appeals."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from merchants.models import Merchant, StoredFile
from ratings.models.appeals import Appeal
from ratings.models.warnings import WarningRectification


def rating_file_path(instance: "RatingFile", filename: str) -> str:
    return f"ratings/{instance.merchant_id}/{uuid.uuid4().hex}"


class RatingFile(StoredFile):
    """A file with a warning rectification report or an appeal (PDF, JPEG or PNG)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    rectification = models.ForeignKey(
        WarningRectification,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="files",
    )
    appeal = models.ForeignKey(
        Appeal, on_delete=models.CASCADE, null=True, blank=True, related_name="files"
    )
    file = models.FileField(_("file"), upload_to=rating_file_path)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("file")
        verbose_name_plural = _("files")
        constraints = [
            models.CheckConstraint(
                condition=Q(rectification__isnull=True, appeal__isnull=False)
                | Q(rectification__isnull=False, appeal__isnull=True),
                name="rating_file_belongs_to_one",
            )
        ]
