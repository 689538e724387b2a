"""How ratings reacts to what the lower apps announce: each receiver calls one ratings service.

Connected in RatingsConfig.ready(); the list of signals and receivers is in ARCHITECTURE.md.
"""

from typing import Any

from django.dispatch import receiver

from complaints.signals import complaint_changed
from merchants.signals import (
    declaration_creating,
    declarations_changed,
    merchant_history_collecting,
    merchant_region_changed,
    merchant_registered,
    records_changed,
)
from ratings.selectors.history import rating_history
from ratings.services.nominations import nominations_on_register
from ratings.services.pools import (
    pools_follow_declarations,
    require_may_declare,
    standings_follow_merchant_region,
    standings_mark_changed,
    standings_mark_changed_by_uscc,
)
from review.signals import inspection_changed


@receiver(declaration_creating, dispatch_uid="ratings.may_declare")
def may_declare(*, merchant: Any, **kwargs: Any) -> None:
    require_may_declare(merchant)


@receiver(declarations_changed, dispatch_uid="ratings.pools_follow_declarations")
def declarations_move_pools(*, changes: Any, **kwargs: Any) -> None:
    pools_follow_declarations(changes=changes)


@receiver(merchant_registered, dispatch_uid="ratings.nominations_on_register")
def nominated_merchant_registered(*, merchant: Any, **kwargs: Any) -> None:
    nominations_on_register(merchant=merchant)


@receiver(records_changed, dispatch_uid="ratings.records_changed")
def records_mark_standings(*, source: str, usccs: Any, **kwargs: Any) -> None:
    standings_mark_changed_by_uscc(source=source, usccs=usccs)


@receiver(complaint_changed, dispatch_uid="ratings.complaint_changed")
def complaint_marks_standing(*, complaint: Any, **kwargs: Any) -> None:
    standings_mark_changed(merchant_ids=[complaint.merchant_id])


@receiver(inspection_changed, dispatch_uid="ratings.inspection_changed")
def inspection_marks_standing(*, inspection: Any, **kwargs: Any) -> None:
    standings_mark_changed(merchant_ids=[inspection.merchant_id])


@receiver(merchant_history_collecting, dispatch_uid="ratings.history")
def history(*, merchant: Any, full: bool, **kwargs: Any) -> list[Any]:
    """A merchant's exported history and file hold its rating history."""
    return rating_history(merchant=merchant, full=full, viewer=kwargs.get("viewer"))


@receiver(merchant_region_changed, dispatch_uid="ratings.region")
def region(*, merchant: Any, to_region: Any, **kwargs: Any) -> None:
    standings_follow_merchant_region(merchant=merchant, region=to_region)
