"""The programme's pools. Where each merchant stands is kept by ratings (Standing); the names
are here, at the base, because lower apps speak of them too (campaigns are scoped by pool)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Pool(models.TextChoices):
    SELECTION = "selection", _("Selection pool")
    CULTIVATION = "cultivation", _("Cultivation pool")
    STAR_RATED = "star_rated", _("Star-rated pool")
    WARNING = "warning", _("Warning pool")
    EXITED = "exited", _("Exited")
