from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The navigation's link (templates/_nav.html), translated in this app's catalogue.
NAV_LABEL = _("Cockpit")


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Supervision cockpit")

    def ready(self) -> None:
        from merchants.worklist import worklist_register
        from supervision.worklist import supervision_worklist

        worklist_register("supervision", supervision_worklist)
