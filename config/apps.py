from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The project's wiring (settings, URLs, Celery, schedules) as an app of its own, so that its
    operator commands (setup_periodic_tasks) live beside the schedules, above every other app."""

    name = "config"
    verbose_name = "Configuration"
