"""How review reacts to what merchants announces: each receiver calls one review service.

Connected in ReviewConfig.ready(); the list of signals and receivers is in ARCHITECTURE.md.
"""

from typing import Any

from django.db import transaction
from django.dispatch import receiver

from merchants.models import DeclarationState as S
from merchants.signals import DeclarationChange, declaration_page_context, declarations_changed
from review.services.screening import screening_enqueue, screening_run_latest


@receiver(declarations_changed, dispatch_uid="review.screen_submitted")
def screen_submitted(*, changes: list[DeclarationChange], **kwargs: Any) -> None:
    """A submitted declaration is screened after commit (the worker must see it)."""
    for change in changes:
        if change.to_state == S.SUBMITTED:
            pk = change.declaration.pk
            transaction.on_commit(lambda pk=pk: screening_enqueue(declaration_id=pk))


@receiver(declaration_page_context, dispatch_uid="review.screening_report")
def screening_report(*, declaration: Any, **kwargs: Any) -> dict[str, Any]:
    """The declaration's page shows the latest screening report."""
    return {"screening_run": screening_run_latest(declaration=declaration)}
