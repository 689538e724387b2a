"""Appeals (ratings/appeals.py): within the appeal period, decided by a regulator of the region
who did not take the decision, within the decision period; overturned, the move is undone."""

from datetime import timedelta

import pytest
from django.utils import timezone

from common.errors import DomainError
from merchants.models import Notification, Pool
from ratings.models import Appeal, EvaluationPolicy, PoolChange, Standing
from ratings.permissions import may_decide_appeal
from ratings.services.appeals import appeal_decide, appeal_file
from ratings.services.pools import pool_exit, standing_move
from ratings.services.warnings import (
    ratings_sweep,
    warning_rectification_decide,
    warning_rectification_submit,
)
from tests.factories import MembershipFactory, pdf_upload
from tests.ratings.test_pool_browser import place, warn

pytestmark = pytest.mark.django_db


def standing_of(merchant) -> Standing:
    return Standing.objects.get(merchant=merchant)


def place_of(merchant) -> tuple[str, int]:
    standing = standing_of(merchant)
    return standing.pool, standing.stars


# Who decides


def test_the_regulator_who_exited_cannot_decide_the_appeal(
    merchant, owner, county_regulator, city_regulator, other_county_regulator
):
    place(merchant, Pool.CULTIVATION)
    change = pool_exit(actor=county_regulator, merchant=merchant, reason="Counterfeit goods.")
    appeal = appeal_file(actor=owner, decision=change, statement="Genuine goods.")
    assert not may_decide_appeal(county_regulator, appeal)
    assert not may_decide_appeal(other_county_regulator, appeal)
    assert may_decide_appeal(city_regulator, appeal)
    with pytest.raises(DomainError, match="another regulator must decide"):
        appeal_decide(actor=county_regulator, appeal=appeal, overturn=True, reason="Mine.")
    with pytest.raises(DomainError, match="Only a regulator of this merchant's region"):
        appeal_decide(actor=other_county_regulator, appeal=appeal, overturn=True, reason="x")
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.PENDING
    decided = appeal_decide(actor=city_regulator, appeal=appeal, overturn=False, reason="Stands.")
    assert (decided.state, decided.decided_by) == (Appeal.State.UPHELD, city_regulator)


def test_a_decision_of_the_run_may_be_decided_by_any_regulator_of_the_region(
    merchant, owner, county_regulator
):
    place(merchant, Pool.CULTIVATION)
    change = warn(merchant)  # no actor: the evaluation run's
    appeal = appeal_file(actor=owner, decision=change, statement="The inspection was wrong.")
    assert may_decide_appeal(county_regulator, appeal)


def test_reasons_are_required_to_decide(merchant, owner, city_regulator, county_regulator):
    place(merchant, Pool.CULTIVATION)
    change = pool_exit(actor=county_regulator, merchant=merchant, reason="Serious.")
    appeal = appeal_file(actor=owner, decision=change, statement="No.")
    with pytest.raises(DomainError, match="Give the reasons for the outcome"):
        appeal_decide(actor=city_regulator, appeal=appeal, overturn=True, reason="  ")


def test_an_appeal_is_decided_once(merchant, owner, city_regulator, county_regulator):
    place(merchant, Pool.CULTIVATION)
    change = pool_exit(actor=county_regulator, merchant=merchant, reason="Serious.")
    appeal = appeal_file(actor=owner, decision=change, statement="No.")
    appeal_decide(actor=city_regulator, appeal=appeal, overturn=False, reason="Stands.")
    with pytest.raises(DomainError, match="decided already"):
        appeal_decide(actor=city_regulator, appeal=appeal, overturn=True, reason="Changed mind.")


# Overturned: the move is undone


def test_overturned_warning_goes_back_to_the_former_pool_and_stars(
    merchant, owner, county_regulator
):
    place(merchant, Pool.STAR_RATED, stars=3)
    change = warn(merchant)
    appeal = appeal_file(actor=owner, decision=change, statement="The complaints were settled.")
    decided = appeal_decide(
        actor=county_regulator, appeal=appeal, overturn=True, reason="Settled before."
    )
    standing = standing_of(merchant)
    assert (standing.pool, standing.stars) == (Pool.STAR_RATED, 3)
    assert standing.rectification_due is None and standing.former_pool == ""
    assert standing.warning_cleared_at is not None
    assert decided.state == Appeal.State.OVERTURNED
    reversal = decided.reversal
    assert (reversal.reason_code, reversal.from_pool, reversal.to_pool, reversal.to_stars) == (
        "appeal_overturned",
        Pool.WARNING,
        Pool.STAR_RATED,
        3,
    )
    assert reversal.evidence == {"appeal": appeal.pk, "decision": change.pk}
    assert Notification.objects.filter(key=f"appeal-{appeal.pk}-decided", user=owner).exists()


def test_overturned_exit_from_cultivation_goes_back_to_cultivation(
    merchant, owner, county_regulator, city_regulator
):
    place(merchant, Pool.CULTIVATION)
    change = pool_exit(actor=county_regulator, merchant=merchant, reason="Serious.")
    assert standing_of(merchant).reentry_after is not None
    appeal = appeal_file(actor=owner, decision=change, statement="Not us.")
    appeal_decide(actor=city_regulator, appeal=appeal, overturn=True, reason="Another shop.")
    standing = standing_of(merchant)
    assert (standing.pool, standing.stars, standing.reentry_after) == (Pool.CULTIVATION, 0, None)


def test_overturned_exit_from_the_warning_pool_goes_back_into_the_warning(
    merchant, owner, county_regulator, city_regulator
):
    place(merchant, Pool.STAR_RATED, stars=2)
    warn(merchant, due_in_days=5)
    change = pool_exit(actor=county_regulator, merchant=merchant, reason="Serious.")
    appeal = appeal_file(actor=owner, decision=change, statement="Not serious.")
    appeal_decide(actor=city_regulator, appeal=appeal, overturn=True, reason="Minor only.")
    standing = standing_of(merchant)
    policy = EvaluationPolicy.current()
    assert standing.pool == Pool.WARNING and standing.reentry_after is None
    # The rectification time starts again, and the former place is kept to return to.
    assert standing.rectification_due == timezone.localdate() + timedelta(
        days=policy.rectification_days
    )
    assert (standing.former_pool, standing.former_stars) == (Pool.STAR_RATED, 2)
    report = warning_rectification_submit(actor=owner, merchant=merchant, report="Fixed.")
    warning_rectification_decide(actor=county_regulator, rectification=report, accept=True)
    assert place_of(merchant) == (Pool.STAR_RATED, 2)


def test_overturned_exit_for_not_rectifying_goes_back_into_the_warning(
    merchant, owner, county_regulator
):
    place(merchant, Pool.CULTIVATION)
    warn(merchant)
    Standing.objects.filter(merchant=merchant).update(
        rectification_due=timezone.localdate() - timedelta(days=1)
    )
    ratings_sweep()
    change = PoolChange.objects.filter(merchant=merchant).first()
    assert change.reason_code == "not_rectified"
    appeal = appeal_file(actor=owner, decision=change, statement="We sent it by post.")
    appeal_decide(actor=county_regulator, appeal=appeal, overturn=True, reason="Received late.")
    standing = standing_of(merchant)
    assert standing.pool == Pool.WARNING
    assert standing.rectification_due > timezone.localdate()


def test_overturned_star_decision_gives_the_stars_back(merchant, owner, county_regulator):
    place(merchant, Pool.STAR_RATED, stars=4)
    _standing, change = standing_move(
        merchant=merchant,
        to=Pool.STAR_RATED,
        stars=3,
        reason_code="stars_down",
        reason="Score 86: 3 stars.",
    )
    appeal = appeal_file(actor=owner, decision=change, statement="A complaint was withdrawn.")
    appeal_decide(actor=county_regulator, appeal=appeal, overturn=True, reason="Withdrawn.")
    assert place_of(merchant) == (Pool.STAR_RATED, 4)


def test_upheld_keeps_the_decision(merchant, owner, county_regulator):
    place(merchant, Pool.STAR_RATED, stars=3)
    change = warn(merchant)
    appeal = appeal_file(actor=owner, decision=change, statement="Unfair.")
    before = PoolChange.objects.filter(merchant=merchant).count()
    decided = appeal_decide(
        actor=county_regulator, appeal=appeal, overturn=False, reason="Three complaints."
    )
    assert decided.state == Appeal.State.UPHELD and decided.reversal is None
    assert decided.outcome_reason == "Three complaints."
    assert place_of(merchant) == (Pool.WARNING, 0)
    assert PoolChange.objects.filter(merchant=merchant).count() == before


def test_a_decision_overtaken_by_a_later_move_cannot_be_undone(
    merchant, owner, county_regulator, city_regulator
):
    place(merchant, Pool.STAR_RATED, stars=3)
    change = warn(merchant)
    appeal = appeal_file(actor=owner, decision=change, statement="Unfair.")
    report = warning_rectification_submit(actor=owner, merchant=merchant, report="Fixed.")
    warning_rectification_decide(actor=county_regulator, rectification=report, accept=True)
    with pytest.raises(DomainError, match="The merchant has moved since this decision"):
        appeal_decide(actor=city_regulator, appeal=appeal, overturn=True, reason="Unfair.")
    assert place_of(merchant) == (Pool.STAR_RATED, 3)
    decided = appeal_decide(
        actor=city_regulator, appeal=appeal, overturn=False, reason="Already back."
    )
    assert decided.state == Appeal.State.UPHELD


# Filing: what, by whom, until when


def test_appeal_deadline_and_decision_date(merchant, owner):
    place(merchant, Pool.CULTIVATION)
    PoolChange.objects.filter(merchant=merchant).update(
        created_at=timezone.now() - timedelta(days=100)
    )
    change = warn(merchant)
    policy = EvaluationPolicy.current()
    PoolChange.objects.filter(pk=change.pk).update(
        created_at=timezone.now() - timedelta(days=policy.appeal_days, hours=1)
    )
    change.refresh_from_db()
    with pytest.raises(DomainError, match="The time to appeal this decision is over"):
        appeal_file(actor=owner, decision=change, statement="Late.")
    PoolChange.objects.filter(pk=change.pk).update(
        created_at=timezone.now() - timedelta(days=policy.appeal_days - 1)
    )
    change.refresh_from_db()
    appeal = appeal_file(actor=owner, decision=change, statement="In time.", files=[pdf_upload()])
    assert appeal.decide_by == timezone.localdate() + timedelta(days=policy.appeal_decision_days)
    assert appeal.files.count() == 1


def test_only_appealable_decisions_in_force_once_by_the_merchants_people(
    merchant, owner, other_owner, county_regulator
):
    place(merchant, Pool.CULTIVATION)
    approved = PoolChange.objects.filter(merchant=merchant).first()
    with pytest.raises(DomainError, match="This decision cannot be appealed"):
        appeal_file(actor=owner, decision=approved, statement="Why?")
    change = warn(merchant)
    with pytest.raises(DomainError, match="Only someone working for this merchant"):
        appeal_file(actor=other_owner, decision=change, statement="Not mine.")
    with pytest.raises(DomainError, match="Give your reasons"):
        appeal_file(actor=owner, decision=change, statement="   ")
    appeal_file(actor=owner, decision=change, statement="Unfair.")
    with pytest.raises(DomainError, match="appealed already"):
        appeal_file(actor=owner, decision=change, statement="Again.")
    other = place(pool=Pool.CULTIVATION)
    MembershipFactory(user=owner, merchant=other)
    old = warn(other)
    report = warning_rectification_submit(actor=owner, merchant=other, report="Fixed.")
    warning_rectification_decide(actor=county_regulator, rectification=report, accept=True)
    with pytest.raises(DomainError, match="no longer in force"):
        appeal_file(actor=owner, decision=old, statement="Late.")


def test_regulators_are_told_of_a_new_appeal(merchant, owner, county_regulator, city_regulator):
    place(merchant, Pool.CULTIVATION)
    change = warn(merchant)
    appeal = appeal_file(actor=owner, decision=change, statement="Unfair.")
    told = set(
        Notification.objects.filter(key=f"appeal-{appeal.pk}").values_list("user", flat=True)
    )
    # The desk that acts: regulators of the merchant's county.
    assert county_regulator.pk in told
