from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from complaints import receivers  # noqa: F401  (the receivers)
        from merchants.sources import source_register_default

        source_register_default("complaints", "complaints.sources.ComplaintTableSource")
