from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatingsConfig(AppConfig):
    name = "ratings"
    verbose_name = _("Evaluation and pools")

    def ready(self) -> None:
        from merchants.worklist import worklist_register
        from ratings import messages, receivers  # noqa: F401  (the message codes; the receivers)
        from ratings.worklist import ratings_worklist

        worklist_register("ratings", ratings_worklist)
