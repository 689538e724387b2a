from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = _("Screening and review")

    def ready(self) -> None:
        from review import receivers  # noqa: F401  (connects the receivers)
