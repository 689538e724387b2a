"""Review decisions that span several declarations. Single decisions are the state machine's
(merchants.services.declarations); these build on them, one declaration per transaction."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from common.errors import DomainError
from common.messages import msg
from merchants.models import Declaration, User
from merchants.models import DeclarationState as S
from merchants.services.declarations import declaration_approve, declaration_claim
from review.messages import BULK_APPROVED
from review.selectors.queue import review_declaration_list


@dataclass(frozen=True)
class BulkSkip:
    declaration_id: int
    # None when the id is not a declaration the actor may review.
    declaration: Declaration | None
    reason: str


@dataclass
class BulkResult:
    approved: list[Declaration] = field(default_factory=list)
    skipped: list[BulkSkip] = field(default_factory=list)


def is_clean(declaration: Declaration) -> bool:
    """Fit for bulk approval: pending review, and screening raised no flag."""
    return (
        declaration.state == S.PENDING_REVIEW
        and not declaration.flagged
        and not declaration.screening_incomplete
    )


def _approve_clean(*, actor: User, declaration: Declaration) -> None:
    # Lock first: a regulator claiming it, or a re-screening flagging it, waits for us or wins.
    current = Declaration.objects.select_for_update().get(pk=declaration.pk)
    if current.state == S.UNDER_REVIEW:
        if current.reviewer_id == actor.pk:
            raise DomainError(_("You have claimed it: decide it on its review page."))
        raise DomainError(_("Another regulator claimed it meanwhile."))
    if current.state != S.PENDING_REVIEW:
        raise DomainError(
            _("It is no longer pending review (now “%(state)s”).")
            % {"state": S(current.state).label}
        )
    if current.screening_incomplete:
        raise DomainError(_("Screening could not finish: review it on its own."))
    if current.flagged:
        raise DomainError(_("Screening flagged it: review it on its own."))
    declaration_claim(actor=actor, declaration=declaration)
    declaration_approve(
        actor=actor,
        declaration=declaration,
        message=msg(BULK_APPROVED),
    )


def declarations_bulk_approve(*, actor: User, declaration_ids: Iterable[int]) -> BulkResult:
    """Claim and approve each clean declaration in the actor's reach, each in its own
    transaction: one that changed meanwhile is skipped with the reason, the others still land."""
    ids = list(dict.fromkeys(int(pk) for pk in declaration_ids))
    in_scope = review_declaration_list(user=actor).filter(pk__in=ids).in_bulk()
    result = BulkResult()
    for pk in ids:
        declaration = in_scope.get(pk)
        if declaration is None:
            result.skipped.append(
                BulkSkip(pk, None, _("Not a declaration you can review, or it does not exist."))
            )
            continue
        try:
            with transaction.atomic():
                _approve_clean(actor=actor, declaration=declaration)
        except DomainError as exc:
            declaration.refresh_from_db()
            result.skipped.append(BulkSkip(pk, declaration, exc.message))
        else:
            result.approved.append(declaration)
    return result
