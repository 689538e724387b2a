from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MerchantsConfig(AppConfig):
    name = "merchants"
    verbose_name = _("Merchants and declarations")

    def ready(self) -> None:
        # Registers the outbox handler that mails inbox messages (common/outbox.py).
        # Defines the message codes the app stores (rendered whenever a row is read).
        from merchants.services import (
            messages,  # noqa: F401
            notifications,  # noqa: F401
        )
