"""How ratings reacts to what the lower apps announce: each receiver calls one ratings service.

Connected in RatingsConfig.ready(); the list of signals and receivers is in ARCHITECTURE.md.
"""

from typing import Any

from django.dispatch import receiver

from complaints.signals import complaint_changed
from merchants.models import DeclarationState as S
from merchants.signals import (
    DeclarationChange,
    declaration_creating,
    declarations_changed,
    merchant_registered,
    records_changed,
)
from ratings.services.nominations import nominations_on_register
from ratings.services.pools import (
    pool_cultivate,
    pool_enter_selection_many,
    pool_leave_selection,
    require_may_declare,
    standings_mark_changed,
    standings_mark_changed_by_uscc,
)
from review.signals import inspection_changed

# The external sources the comprehensive evaluation reads.
EVALUATION_SOURCES = frozenset({"registry", "enforcement"})


@receiver(declaration_creating, dispatch_uid="ratings.may_declare")
def may_declare(*, merchant: Any, **kwargs: Any) -> None:
    require_may_declare(merchant)


@receiver(declarations_changed, dispatch_uid="ratings.pools_follow_declarations")
def pools_follow_declarations(*, changes: list[DeclarationChange], **kwargs: Any) -> None:
    """Passing screening enters the selection pool; approval cultivates; rejection may leave."""
    passed = [
        c.declaration
        for c in changes
        if c.from_state == S.SCREENING and c.to_state == S.PENDING_REVIEW
    ]
    if passed:
        pool_enter_selection_many(declarations=passed)
    for c in changes:
        if c.to_state == S.APPROVED:
            pool_cultivate(
                merchant=c.declaration.merchant, declaration=c.declaration, actor=c.actor
            )
        elif c.to_state == S.REJECTED:
            pool_leave_selection(
                merchant=c.declaration.merchant, declaration=c.declaration, actor=c.actor
            )


@receiver(merchant_registered, dispatch_uid="ratings.nominations_on_register")
def nominated_merchant_registered(*, merchant: Any, **kwargs: Any) -> None:
    nominations_on_register(merchant=merchant)


@receiver(records_changed, dispatch_uid="ratings.records_changed")
def records_mark_standings(*, source: str, usccs: Any, **kwargs: Any) -> None:
    if source in EVALUATION_SOURCES:
        standings_mark_changed_by_uscc(usccs=usccs)


@receiver(complaint_changed, dispatch_uid="ratings.complaint_changed")
def complaint_marks_standing(*, complaint: Any, **kwargs: Any) -> None:
    standings_mark_changed(merchant_ids=[complaint.merchant_id])


@receiver(inspection_changed, dispatch_uid="ratings.inspection_changed")
def inspection_marks_standing(*, inspection: Any, **kwargs: Any) -> None:
    standings_mark_changed(merchant_ids=[inspection.merchant_id])
