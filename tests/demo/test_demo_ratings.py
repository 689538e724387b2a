"""The demo data shows the pools: scores for everyone in the programme, three stars, the
cultivation pool, a warning with a real reason and its rectification task, and a pending appeal
in the regulator's queue."""

import pytest
from django.urls import reverse

from demo.demo_data.cast import (
    DEMO_APPEAL_OWNER,
    DEMO_APPEAL_STATEMENT,
    DEMO_STARS,
    DEMO_STARS_OWNER,
)
from merchants.models import Merchant, Notification, Pool, User
from ratings.models import IN_PROGRAMME, Appeal, Evaluation, EvaluationRun, Standing
from tests.conftest import client_for
from tests.demo.conftest import run

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings) -> None:
    settings.DEBUG = True
    run("load_demo")


def owned_by(username: str) -> Merchant:
    return Merchant.objects.get(memberships__user__username=username)


def standing_of(username: str) -> Standing:
    return Standing.objects.get(merchant=owned_by(username))


def everyone_in_the_programme_has_a_score_from_one_recorded_run() -> None:
    (evaluation_run,) = EvaluationRun.objects.all()
    assert evaluation_run.kind == EvaluationRun.Kind.MANUAL
    assert evaluation_run.state == EvaluationRun.State.FINISHED
    in_programme = Standing.objects.filter(pool__in=IN_PROGRAMME)
    assert evaluation_run.merchants_evaluated == in_programme.count() > 20
    assert not in_programme.filter(score=None).exists()
    assert Evaluation.objects.filter(run=evaluation_run).count() == in_programme.count()


def every_pool_is_shown() -> None:
    pools = set(Standing.objects.values_list("pool", flat=True))
    assert pools == {Pool.SELECTION, Pool.CULTIVATION, Pool.STAR_RATED, Pool.WARNING, Pool.EXITED}
    assert Standing.objects.filter(pool=Pool.CULTIVATION).count() >= 5


def a_merchant_with_three_stars_earned_by_its_score() -> None:
    from ratings.models import EvaluationPolicy

    standing = standing_of(DEMO_STARS_OWNER)
    assert (standing.pool, standing.stars) == (Pool.STAR_RATED, DEMO_STARS)
    assert EvaluationPolicy.current().stars_for(standing.score) >= DEMO_STARS
    page = client_for(None).get(reverse("store-page", args=[standing.merchant.public_code]))
    assert "3 stars (assured consumption star rating)" in page.content.decode()


def the_failed_visit_puts_baihuo_in_the_warning_pool_with_a_task() -> None:
    standing = standing_of("owner-baihuo")
    assert standing.pool == Pool.WARNING
    assert standing.rectification_due is not None
    assert "failed_inspection" in standing.last_evaluation.triggers
    change = standing.merchant.pool_changes.get(to_pool=Pool.WARNING)
    assert change.run is not None and change.reason_code == "warning"
    owner = User.objects.get(username="owner-baihuo")
    assert Notification.objects.filter(user=owner, key=f"pool-change-{change.pk}").exists()
    page = client_for(owner).get(reverse("standing-merchant", args=[standing.merchant_id]))
    assert page.status_code == 200
    # The owner's open task: the form to report the rectification.
    assert reverse("standing-rectify", args=[standing.merchant_id]) in page.content.decode()


def a_pending_appeal_against_a_star_decision_waits_for_the_regulator() -> None:
    appeal = Appeal.objects.get()
    assert appeal.merchant == owned_by(DEMO_APPEAL_OWNER)
    assert appeal.state == Appeal.State.PENDING
    assert appeal.statement == DEMO_APPEAL_STATEMENT
    assert appeal.decision.reason_code == "stars_down"
    assert appeal.decision.to_stars == appeal.decision.from_stars - 1
    assert appeal.files.count() == 1
    regulator = User.objects.get(username="reg-xihu")
    assert Notification.objects.filter(user=regulator, key=f"appeal-{appeal.pk}").exists()
    queue = client_for(regulator).get(reverse("appeal-queue"))
    assert queue.status_code == 200
    assert appeal.merchant.name in queue.content.decode()


def test_demo_shows_the_pools(demo):
    """One load for all of them (the demo takes seconds to load)."""
    everyone_in_the_programme_has_a_score_from_one_recorded_run()
    every_pool_is_shown()
    a_merchant_with_three_stars_earned_by_its_score()
    the_failed_visit_puts_baihuo_in_the_warning_pool_with_a_task()
    a_pending_appeal_against_a_star_decision_waits_for_the_regulator()


def test_loading_again_changes_no_standing(demo):
    before = list(Standing.objects.order_by("pk").values_list("pool", "stars", "score"))
    changes = Merchant.objects.filter(pool_changes__isnull=False).count()
    run("load_demo")
    assert list(Standing.objects.order_by("pk").values_list("pool", "stars", "score")) == before
    assert Merchant.objects.filter(pool_changes__isnull=False).count() == changes
    assert EvaluationRun.objects.count() == Appeal.objects.count() == 1
