"""The hourly sweep (ratings.services.warnings.ratings_sweep): warnings past their rectification
date with no report waiting exit (with the re-entry wait), a waiting report holds the exit,
appeals past their decision date are flagged; running it again changes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from merchants.models import Notification, Pool
from ratings.models import Appeal, EvaluationPolicy, PoolChange, Standing
from ratings.services.appeals import appeal_decide, appeal_file
from ratings.services.pools import pool_exit, standing_move
from ratings.services.warnings import (
    ratings_sweep,
    warning_rectification_decide,
    warning_rectification_submit,
)
from tests.factories import MembershipFactory
from tests.ratings.test_pool_browser import place, warn

pytestmark = pytest.mark.django_db


def past_due(merchant, days: int = 1) -> None:
    Standing.objects.filter(merchant=merchant).update(
        rectification_due=timezone.localdate() - timedelta(days=days)
    )


def snapshot() -> list[tuple]:
    return [
        *Standing.objects.order_by("merchant_id").values_list(
            "merchant_id", "pool", "stars", "rectification_due", "reentry_after", "since"
        ),
        *PoolChange.objects.order_by("pk").values_list("pk", "merchant_id", "to_pool"),
        *Appeal.objects.order_by("pk").values_list("pk", "state", "is_overdue"),
        ("notifications", Notification.objects.count()),
    ]


@pytest.fixture
def warned(owner):
    """Four merchants of alice's in the warning pool: past due without a report, past due
    with a report waiting, due today, due later."""
    merchants = {}
    for key in ("silent", "reported", "today", "later"):
        merchant = place(pool=Pool.STAR_RATED, stars=2)
        MembershipFactory(user=owner, merchant=merchant)
        warn(merchant)
        merchants[key] = merchant
    past_due(merchants["silent"])
    warning_rectification_submit(actor=owner, merchant=merchants["reported"], report="Done.")
    past_due(merchants["reported"], days=3)
    Standing.objects.filter(merchant=merchants["today"]).update(
        rectification_due=timezone.localdate()
    )
    return merchants


def test_sweep_exits_warnings_past_due_without_a_report(warned, owner):
    result = ratings_sweep()
    assert result == {"exited": 1, "appeals_overdue": 0}
    policy = EvaluationPolicy.current()
    silent = Standing.objects.get(merchant=warned["silent"])
    assert (silent.pool, silent.stars, silent.rectification_due) == (Pool.EXITED, 0, None)
    assert silent.reentry_after == timezone.localdate() + timedelta(days=policy.reentry_days)
    assert policy.reentry_days == 365
    change = PoolChange.objects.filter(merchant=warned["silent"]).first()
    assert (change.from_pool, change.to_pool, change.reason_code, change.actor) == (
        Pool.WARNING,
        Pool.EXITED,
        "not_rectified",
        None,
    )
    assert Notification.objects.filter(key=f"pool-change-{change.pk}", user=owner).exists()
    for key in ("reported", "today", "later"):
        assert Standing.objects.get(merchant=warned[key]).pool == Pool.WARNING, key


def test_sweep_is_idempotent(warned, owner, county_regulator):
    appeal_merchant = place(pool=Pool.CULTIVATION)
    MembershipFactory(user=owner, merchant=appeal_merchant)
    change = pool_exit(actor=county_regulator, merchant=appeal_merchant, reason="Serious.")
    appeal = appeal_file(actor=owner, decision=change, statement="No.")
    Appeal.objects.filter(pk=appeal.pk).update(decide_by=timezone.localdate() - timedelta(days=1))
    assert ratings_sweep() == {"exited": 1, "appeals_overdue": 1}
    first = snapshot()
    assert ratings_sweep() == {"exited": 0, "appeals_overdue": 0}
    assert snapshot() == first


def test_sweep_flags_appeals_past_their_decision_date(merchant, owner, county_regulator):
    place(merchant, Pool.CULTIVATION)
    late = appeal_file(actor=owner, decision=warn(merchant), statement="Unfair.")
    other = place(pool=Pool.CULTIVATION)
    MembershipFactory(user=owner, merchant=other)
    in_time = appeal_file(actor=owner, decision=warn(other), statement="Unfair too.")
    Appeal.objects.filter(pk=late.pk).update(decide_by=timezone.localdate() - timedelta(days=1))
    Appeal.objects.filter(pk=in_time.pk).update(decide_by=timezone.localdate())
    assert ratings_sweep()["appeals_overdue"] == 1
    late.refresh_from_db()
    in_time.refresh_from_db()
    assert late.is_overdue and not in_time.is_overdue
    # A decided appeal is not flagged, however late.
    decided = appeal_decide(actor=county_regulator, appeal=in_time, overturn=False, reason="x")
    Appeal.objects.filter(pk=decided.pk).update(decide_by=timezone.localdate() - timedelta(days=9))
    assert ratings_sweep()["appeals_overdue"] == 0


def test_a_report_checked_as_not_enough_no_longer_holds_the_exit(warned, county_regulator):
    report = warned["reported"].warning_rectifications.get()
    warning_rectification_decide(
        actor=county_regulator, rectification=report, accept=False, reason="Not yet."
    )
    assert ratings_sweep()["exited"] == 2
    assert Standing.objects.get(merchant=warned["reported"]).pool == Pool.EXITED


def test_a_report_left_from_an_earlier_warning_does_not_hold_a_later_exit(
    merchant, owner, county_regulator
):
    """A report still waiting when the merchant left the warning pool (exited for a serious
    violation) answers a warning that is over: it must not hold the exit of a later warning."""
    place(merchant, Pool.CULTIVATION)
    warn(merchant)
    warning_rectification_submit(actor=owner, merchant=merchant, report="Fixed, please check.")
    pool_exit(actor=county_regulator, merchant=merchant, reason="Counterfeit goods.")
    # A year on, it comes back and is warned again.
    Standing.objects.filter(merchant=merchant).update(reentry_after=None)
    for step in (Pool.SELECTION, Pool.CULTIVATION):
        standing_move(merchant=merchant, to=step, reason_code="t", reason="t")
    warn(merchant)
    past_due(merchant)
    assert ratings_sweep()["exited"] == 1
    assert Standing.objects.get(merchant=merchant).pool == Pool.EXITED


def test_the_run_does_not_exit_while_a_new_report_for_the_current_warning_waits(
    merchant, owner, county_regulator
):
    place(merchant, Pool.CULTIVATION)
    warn(merchant)
    warning_rectification_submit(actor=owner, merchant=merchant, report="First.")
    pool_exit(actor=county_regulator, merchant=merchant, reason="Counterfeit goods.")
    Standing.objects.filter(merchant=merchant).update(reentry_after=None)
    for step in (Pool.SELECTION, Pool.CULTIVATION):
        standing_move(merchant=merchant, to=step, reason_code="t", reason="t")
    warn(merchant)
    warning_rectification_submit(actor=owner, merchant=merchant, report="Second.")
    past_due(merchant)
    assert ratings_sweep()["exited"] == 0
    assert Standing.objects.get(merchant=merchant).pool == Pool.WARNING
