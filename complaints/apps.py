from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from complaints import receivers  # noqa: F401  (the receivers)
        from complaints.worklist import complaint_worklist
        from merchants.sources import source_register_default
        from merchants.worklist import worklist_register

        source_register_default("complaints", "complaints.sources.ComplaintTableSource")
        worklist_register("complaints", complaint_worklist)
