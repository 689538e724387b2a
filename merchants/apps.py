from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MerchantsConfig(AppConfig):
    name = "merchants"
    verbose_name = _("Merchants and declarations")

    def ready(self) -> None:
        # Registers the outbox handler that mails inbox messages (common/outbox.py).
        # Defines the message codes the app stores (rendered whenever a row is read).
        from django.db.models.signals import post_save

        from merchants.models import User
        from merchants.services import (
            messages,  # noqa: F401
            notifications,  # noqa: F401
        )
        from merchants.services.tokens import tokens_follow_password

        # A new password revokes every API token of its person.
        post_save.connect(
            tokens_follow_password, sender=User, dispatch_uid="merchants.tokens_follow_password"
        )
