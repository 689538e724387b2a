"""Stars from the evaluation runs: after the observation period, one up per period, down at once.

Scores here (policy version 1): a merchant in the programme without an approved declaration has
complaints 30 + inspections 30 + compliance 25 + commitments 5 (returns honoured) = 90; each
complaint accepted in the last 90 days takes 3 off.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from merchants.models import Pool
from ratings.models import EvaluationRun, PoolChange, Standing
from ratings.services import runs
from ratings.services.pools import standing_move
from tests.factories import ComplaintFactory, MerchantFactory

pytestmark = pytest.mark.django_db

MONTHLY = EvaluationRun.Kind.MONTHLY


def in_pool(
    pool: str,
    *,
    days_in_pool: int,
    stars: int = 0,
    stars_days: int | None = None,
    accepted_complaints: int = 0,
):
    merchant = MerchantFactory()
    path = {
        Pool.CULTIVATION: [Pool.SELECTION, Pool.CULTIVATION],
        Pool.STAR_RATED: [Pool.SELECTION, Pool.CULTIVATION, Pool.STAR_RATED],
    }[pool]
    for step in path:
        standing_move(
            merchant=merchant,
            to=step,
            reason_code="t",
            reason="t",
            stars=stars if step == Pool.STAR_RATED else 0,
        )
    now = timezone.now()
    Standing.objects.filter(merchant=merchant).update(
        since=now - timedelta(days=days_in_pool),
        stars_changed_at=None if stars_days is None else now - timedelta(days=stars_days),
    )
    # Accepted 40 days ago: they count in the 90-day window, but not towards the warning
    # trigger (three within 30 days).
    accepted = now - timedelta(days=40)
    for _ in range(accepted_complaints):
        ComplaintFactory(
            merchant=merchant, created_at=accepted, accepted_at=accepted, state="with_merchant"
        )
    return merchant


def last_change(merchant) -> tuple:
    change = PoolChange.objects.filter(merchant=merchant).order_by("-created_at", "-pk").first()
    return change.from_pool, change.to_pool, change.from_stars, change.to_stars, change.reason_code


def test_cultivated_past_the_observation_period_gets_one_star():
    observed = in_pool(Pool.CULTIVATION, days_in_pool=200)
    too_new = in_pool(Pool.CULTIVATION, days_in_pool=100)
    run = runs.evaluation_run(kind=MONTHLY)
    standing = Standing.objects.get(merchant=observed)
    assert (standing.pool, standing.stars, standing.score) == (Pool.STAR_RATED, 1, 90)
    assert last_change(observed) == (Pool.CULTIVATION, Pool.STAR_RATED, 0, 1, "observation_passed")
    assert PoolChange.objects.get(merchant=observed, run=run).evaluation.score == 90
    assert Standing.objects.get(merchant=too_new).pool == Pool.CULTIVATION
    assert run.pool_changes == 1


def test_at_most_one_star_up_per_period():
    merchant = in_pool(Pool.STAR_RATED, days_in_pool=400, stars=1, stars_days=200)
    runs.evaluation_run(kind=MONTHLY)  # score 90: four stars due, one given
    standing = Standing.objects.get(merchant=merchant)
    assert standing.stars == 2
    assert last_change(merchant) == (Pool.STAR_RATED, Pool.STAR_RATED, 1, 2, "star_up")
    runs.evaluation_run(kind=EvaluationRun.Kind.MANUAL)  # same period: no second star
    assert Standing.objects.get(merchant=merchant).stars == 2


def test_stars_go_down_at_once_and_below_the_first_band_back_to_cultivation():
    lower = in_pool(
        Pool.STAR_RATED, days_in_pool=400, stars=3, stars_days=10, accepted_complaints=3
    )  # 81: two stars
    below = in_pool(
        Pool.STAR_RATED, days_in_pool=400, stars=1, stars_days=10, accepted_complaints=6
    )  # 72: under 75
    runs.evaluation_run(kind=MONTHLY)
    assert Standing.objects.get(merchant=lower).stars == 2
    assert last_change(lower) == (Pool.STAR_RATED, Pool.STAR_RATED, 3, 2, "stars_down")
    standing = Standing.objects.get(merchant=below)
    assert (standing.pool, standing.stars) == (Pool.CULTIVATION, 0)
    assert last_change(below) == (Pool.STAR_RATED, Pool.CULTIVATION, 1, 0, "below_first_band")
