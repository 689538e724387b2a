from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class ConfigConfig(AppConfig):
    """The project's wiring (settings, URLs, Celery, schedules) as an app of its own, so that its
    operator commands (setup_periodic_tasks) live beside the schedules, above every other app."""

    name = "config"
    verbose_name = "Configuration"

    def ready(self) -> None:
        # After the beat tables are migrated: the schedules are there without an operator's step.
        post_migrate.connect(
            schedules_install_after_migrate,
            sender=apps.get_app_config("django_celery_beat"),
            dispatch_uid="config.schedules_install",
        )


def schedules_install_after_migrate(*, using: str = "default", **kwargs: Any) -> None:
    from config.beat import schedules_install

    if using == "default":
        schedules_install(reset=False)
