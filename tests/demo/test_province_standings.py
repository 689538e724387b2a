"""Standings made by `generate_province` (demo/province/standings.py): the
merchants in the programme, in the pool their declarations put them in, ready for a run."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from merchants.models import Declaration, DeclarationState, Merchant, Pool
from ratings.models import Evaluation, EvaluationRun, Standing
from ratings.services.runs import evaluation_run

ARGS = ("--merchants", "600", "--batch", "250", "--seed", "6", "--no-records")
REVIEWING = (
    DeclarationState.PENDING_REVIEW,
    DeclarationState.UNDER_REVIEW,
    DeclarationState.RETURNED,
)


@pytest.fixture
def generated(db) -> None:
    call_command("generate_province", *ARGS, stdout=StringIO(), stderr=StringIO())


def test_approved_merchants_are_cultivated_or_star_rated_and_reviewed_ones_in_selection(
    generated,
):
    now = timezone.now()
    approved = set(
        Declaration.objects.filter(state=DeclarationState.APPROVED).values_list(
            "merchant_id", flat=True
        )
    )
    reviewing = (
        set(Declaration.objects.filter(state__in=REVIEWING).values_list("merchant_id", flat=True))
        - approved
    )
    standings = {s.merchant_id: s for s in Standing.objects.all()}
    regions = dict(Merchant.objects.values_list("pk", "region_id"))

    assert set(standings) == approved | reviewing
    pools = {s.pool for s in standings.values()}
    assert pools == {Pool.SELECTION, Pool.CULTIVATION, Pool.STAR_RATED}
    for merchant_id, s in standings.items():
        assert s.region_id == regions[merchant_id]
        assert s.since <= now and not s.needs_evaluation and s.score is None
        if merchant_id in reviewing:
            assert (s.pool, s.stars, s.warning_cleared_at) == (Pool.SELECTION, 0, None)
        elif s.pool == Pool.CULTIVATION:
            assert s.stars == 0 and s.warning_cleared_at is not None
        else:
            assert s.pool == Pool.STAR_RATED
            assert s.stars in {1, 2, 3, 4, 5}
            assert s.since < s.stars_changed_at <= now
    stars = {s.stars for s in standings.values() if s.pool == Pool.STAR_RATED}
    assert len(stars) >= 3  # a spread, not one band


def test_a_monthly_run_evaluates_every_generated_standing(generated):
    run = evaluation_run(kind=EvaluationRun.Kind.MONTHLY)
    assert run.state == EvaluationRun.State.FINISHED
    assert run.merchants_evaluated == Standing.objects.count() > 0
    assert Evaluation.objects.filter(run=run).count() == run.merchants_evaluated
    assert not Standing.objects.filter(score__isnull=True).exists()
