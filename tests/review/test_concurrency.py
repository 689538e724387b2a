"""Two regulators acting on the same declaration at the same moment, on PostgreSQL: the row lock
in the state machine lets exactly one action land; the other gets a DomainError it can show.

Each thread has its own database connection (Django's are per thread) and commits for real, so
these tests use a transactional database and reload the reference data it flushes.
"""

import time
from typing import Any

import pytest
from django.db import connection

from common.errors import DomainError
from merchants.models import Declaration, DeclarationEvent, Merchant, User
from merchants.services import declarations as declaration_services
from review.services.review import declarations_bulk_approve
from tests.concurrency import race
from tests.factories import DeclarationFactory, MerchantFactory, RegulatorFactory, region

S = Declaration.State

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite has none)"
    ),
]


@pytest.fixture
def slow_saves(monkeypatch):
    """Hold the row lock a little longer, so the other thread surely arrives while it is held:
    without the lock both would read the old state and both would write."""
    original = Declaration.save

    def save(self: Declaration, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        time.sleep(0.2)

    monkeypatch.setattr(Declaration, "save", save)


@pytest.fixture
def cast(reference_data) -> dict[str, Any]:
    merchant = MerchantFactory(region=region("330106"))
    return {
        "merchant": merchant,
        "xihu": RegulatorFactory(username="race-xihu", region=region("330106")),
        "hangzhou": RegulatorFactory(username="race-hangzhou", region=region("330100")),
    }


def _pending(merchant: Merchant) -> Declaration:
    return DeclarationFactory(merchant=merchant, state=S.PENDING_REVIEW)


def _fresh(declaration: Declaration) -> Declaration:
    """A copy of the row for one thread: each acts on what it read, as a request would."""
    return Declaration.objects.select_related("merchant").get(pk=declaration.pk)


def _events(declaration: Declaration, *to_states: str) -> int:
    return DeclarationEvent.objects.filter(declaration=declaration, to_state__in=to_states).count()


def _errors(outcomes: list[Any]) -> list[DomainError]:
    return [o for o in outcomes if isinstance(o, DomainError)]


def test_two_regulators_claim_at_once_one_wins(cast, slow_saves):
    declaration = _pending(cast["merchant"])
    a, b = _fresh(declaration), _fresh(declaration)
    outcomes = race(
        lambda: declaration_services.declaration_claim(actor=cast["xihu"], declaration=a),
        lambda: declaration_services.declaration_claim(actor=cast["hangzhou"], declaration=b),
    )
    errors = _errors(outcomes)
    assert len(errors) == 1, outcomes
    assert "cannot become" in errors[0].message
    winner = cast["xihu"] if isinstance(outcomes[1], DomainError) else cast["hangzhou"]
    declaration.refresh_from_db()
    assert declaration.state == S.UNDER_REVIEW
    assert declaration.reviewer == winner
    assert _events(declaration, S.UNDER_REVIEW) == 1


def test_approve_and_reject_at_once_one_decision_lands(cast, slow_saves):
    declaration = _pending(cast["merchant"])
    declaration_services.declaration_claim(actor=cast["xihu"], declaration=declaration)
    a, b = _fresh(declaration), _fresh(declaration)
    outcomes = race(
        lambda: declaration_services.declaration_approve(actor=cast["xihu"], declaration=a),
        lambda: declaration_services.declaration_reject(
            actor=cast["xihu"], declaration=b, reason="Licence expired."
        ),
    )
    errors = _errors(outcomes)
    assert len(errors) == 1, outcomes
    assert "cannot become" in errors[0].message
    declaration.refresh_from_db()
    expected = S.REJECTED if isinstance(outcomes[0], DomainError) else S.APPROVED
    assert declaration.state == expected
    assert _events(declaration, S.APPROVED, S.REJECTED) == 1


def test_two_regulators_approve_at_once_only_the_holder_lands(cast, slow_saves):
    declaration = _pending(cast["merchant"])
    declaration_services.declaration_claim(actor=cast["xihu"], declaration=declaration)
    a, b = _fresh(declaration), _fresh(declaration)
    outcomes = race(
        lambda: declaration_services.declaration_approve(actor=cast["xihu"], declaration=a),
        lambda: declaration_services.declaration_approve(actor=cast["hangzhou"], declaration=b),
    )
    assert not isinstance(outcomes[0], Exception), outcomes
    assert isinstance(outcomes[1], DomainError)
    declaration.refresh_from_db()
    assert declaration.state == S.APPROVED
    assert _events(declaration, S.APPROVED) == 1
    event = DeclarationEvent.objects.get(declaration=declaration, to_state=S.APPROVED)
    assert event.actor_id == cast["xihu"].pk


def test_bulk_approval_and_a_claim_at_once(cast, slow_saves):
    declaration = _pending(cast["merchant"])
    b = _fresh(declaration)
    outcomes = race(
        lambda: declarations_bulk_approve(actor=cast["xihu"], declaration_ids=[declaration.pk]),
        lambda: declaration_services.declaration_claim(actor=cast["hangzhou"], declaration=b),
    )
    bulk = outcomes[0]
    declaration.refresh_from_db()
    if isinstance(outcomes[1], DomainError):  # the bulk approval won
        assert [d.pk for d in bulk.approved] == [declaration.pk]
        assert declaration.state == S.APPROVED
    else:  # the claim won; bulk approval skipped it and says why
        assert bulk.approved == []
        assert bulk.skipped[0].reason == "Another regulator claimed it meanwhile."
        assert declaration.state == S.UNDER_REVIEW
        assert declaration.reviewer == cast["hangzhou"]
    assert _events(declaration, S.UNDER_REVIEW) == 1
    assert _events(declaration, S.APPROVED) == (1 if declaration.state == S.APPROVED else 0)


def test_many_reviewers_claim_at_once(cast):
    """Five reviewers, no artificial delay: still exactly one claim."""
    declaration = _pending(cast["merchant"])
    reviewers: list[User] = [
        RegulatorFactory(username=f"race-{i}", region=region("330100")) for i in range(5)
    ]
    copies = [_fresh(declaration) for _ in reviewers]
    outcomes = race(
        *[
            (lambda r=r, d=d: declaration_services.declaration_claim(actor=r, declaration=d))
            for r, d in zip(reviewers, copies, strict=True)
        ]
    )
    assert len(_errors(outcomes)) == 4, outcomes
    assert _events(declaration, S.UNDER_REVIEW) == 1
