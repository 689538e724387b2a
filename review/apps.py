from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = _("Screening and review")

    def ready(self) -> None:
        # The message codes, the receivers, and the tasks (the outbox enqueues them by name).
        from merchants.worklist import worklist_register
        from review import messages, receivers, tasks  # noqa: F401
        from review.worklist import review_worklist

        worklist_register("review", review_worklist)
