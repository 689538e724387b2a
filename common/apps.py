from django.apps import AppConfig


class CommonConfig(AppConfig):
    """What every app shares; imports Django (and DRF) only, never another app of the project."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "common"
