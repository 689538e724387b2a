from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.uploads import EXTENSIONS


class StoredFile(models.Model):
    """An uploaded file as stored: its name, its content type (checked by common.uploads), its
    size and who uploaded it when. Each model declares `file` with its own storage path (the path
    function is part of its migrations) and what the file belongs to."""

    file: models.FileField
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size in bytes"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name

    @property
    def extension(self) -> str:
        return EXTENSIONS.get(self.content_type, "")
