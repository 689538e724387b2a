"""What the demo and province tests share: running a command, and the check that every
declaration's events form a legal history."""

from collections import defaultdict
from io import StringIO
from itertools import pairwise

import pytest
from django.core.management import call_command

from merchants.models import Declaration, DeclarationEvent
from merchants.models import DeclarationState as S
from merchants.services.declarations import TRANSITIONS


def run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def assert_histories_match_states(declarations: list[Declaration]) -> None:
    """Each declaration's events form a legal chain from nothing to its current state."""
    events: defaultdict[int, list[tuple[str, str]]] = defaultdict(list)
    for declaration_id, from_state, to_state in DeclarationEvent.objects.order_by(
        "declaration_id", "created_at", "id"
    ).values_list("declaration_id", "from_state", "to_state"):
        events[declaration_id].append((from_state, to_state))
    for declaration in declarations:
        chain = events[declaration.pk]
        assert chain, f"declaration {declaration.pk} has no events"
        assert chain[0] == ("", S.DRAFT)
        assert chain[-1][1] == declaration.state
        for (_, previous_to), (from_state, to_state) in pairwise(chain):
            assert from_state == previous_to
            assert to_state in TRANSITIONS[from_state]


@pytest.fixture
def dev_site(db, settings):
    """`make run`: DEBUG is on (pytest-django turns it off for tests)."""
    settings.DEBUG = True
