from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Data that is not the domain's: the demo for `make run` (`load_demo`) and the synthetic
    province for load tests and benchmarks (`generate_province`). No models; it may import
    every app, and no app imports it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
