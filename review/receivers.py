"""How review reacts to what merchants announces: each receiver calls one review service.

Connected in ReviewConfig.ready(); the list of signals and receivers is in ARCHITECTURE.md.
"""

from typing import Any

from django.dispatch import receiver

from merchants.signals import (
    declaration_page_context,
    declarations_changed,
    merchant_history_collecting,
    merchant_region_changed,
)
from review.selectors.history import inspection_history
from review.services.inspections import inspections_follow_merchant_region
from review.services.screening import screening_follow_declarations, screening_run_latest


@receiver(declarations_changed, dispatch_uid="review.screen_submitted")
def screen_submitted(*, changes: Any, **kwargs: Any) -> None:
    screening_follow_declarations(changes=changes)


@receiver(declaration_page_context, dispatch_uid="review.screening_report")
def screening_report(*, declaration: Any, **kwargs: Any) -> dict[str, Any]:
    """The declaration's page shows the latest screening report."""
    return {"screening_run": screening_run_latest(declaration=declaration)}


@receiver(merchant_history_collecting, dispatch_uid="review.history")
def history(*, merchant: Any, full: bool, **kwargs: Any) -> list[Any]:
    """A merchant's exported history and file hold its inspections."""
    return inspection_history(merchant=merchant, full=full, viewer=kwargs.get("viewer"))


@receiver(merchant_region_changed, dispatch_uid="review.region")
def region(*, merchant: Any, to_region: Any, **kwargs: Any) -> None:
    inspections_follow_merchant_region(merchant=merchant, region=to_region)
