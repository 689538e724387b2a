"""Automatic first-pass screening (系统初审).

This is the hook that runs on every submission. The screening rules against registry data
arrive with the screening issue; until then every submission passes to the review queue with
a note that no rules were applied, so nothing waits in `screening`.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from merchants.models import Declaration, DeclarationState
from merchants.services.declarations import (
    declaration_screening_finish,
    declaration_screening_start,
)


@transaction.atomic
def declaration_screen(*, declaration_id: int) -> Declaration | None:
    """Screen a submitted declaration; a declaration no longer `submitted` is left alone."""
    declaration = (
        Declaration.objects.select_for_update()
        .filter(pk=declaration_id, state=DeclarationState.SUBMITTED)
        .first()
    )
    if declaration is None:
        return None
    declaration_screening_start(declaration=declaration)
    return declaration_screening_finish(
        declaration=declaration,
        passed=True,
        reason=_("No automatic screening rules are configured yet; passed to review."),
    )
