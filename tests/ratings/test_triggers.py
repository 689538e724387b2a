"""Warnings and exits from the evaluation runs: a new trigger sends a cultivated or star-rated
merchant to the warning pool (with a rectification date and a notice); a serious violation exits
it; what the last cleared warning already knew does not warn again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from merchants.models import Membership, Notification, PenaltyRecord, Pool, RegistryRecord
from merchants.services.records import records_import
from ratings.models import EvaluationRun, PoolChange, Standing, Trigger
from ratings.models.evaluation import BOTTOM_LINE_TRIGGERS, EXIT_TRIGGERS, STATE_TRIGGERS
from ratings.services import runs
from ratings.services.pools import standing_move
from tests.factories import (
    ComplaintFactory,
    MerchantFactory,
    PenaltyRecordFactory,
    RegistryRecordFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MANUAL = EvaluationRun.Kind.MANUAL


def placed(pool: str, *, stars: int = 0, cleared_days_ago: int | None = 400):
    """A merchant in cultivation or star-rated, whose last warning was cleared (or approval
    given) `cleared_days_ago` days ago; None = never."""
    merchant = MerchantFactory()
    path = [Pool.SELECTION, Pool.CULTIVATION] + ([Pool.STAR_RATED] if stars else [])
    for step in path:
        standing_move(
            merchant=merchant,
            to=step,
            reason_code="t",
            reason="t",
            stars=stars if step == Pool.STAR_RATED else 0,
        )
    cleared = (
        None if cleared_days_ago is None else timezone.now() - timedelta(days=cleared_days_ago)
    )
    Standing.objects.filter(merchant=merchant).update(
        since=timezone.now() - timedelta(days=30),
        stars_changed_at=timezone.now() - timedelta(days=30),
        warning_cleared_at=cleared,
    )
    return merchant


def accepted_complaints(merchant, count: int, days_ago: int = 5) -> None:
    when = timezone.now() - timedelta(days=days_ago)
    for _ in range(count):
        ComplaintFactory(
            merchant=merchant, created_at=when, accepted_at=when, state="with_merchant"
        )


def standing(merchant) -> Standing:
    return Standing.objects.get(merchant=merchant)


def last_change(merchant) -> PoolChange:
    return PoolChange.objects.filter(merchant=merchant).order_by("-created_at", "-pk").first()


def test_three_accepted_complaints_in_30_days_put_a_star_merchant_in_warning():
    merchant = placed(Pool.STAR_RATED, stars=3)
    owner = UserFactory()
    Membership.objects.create(user=owner, merchant=merchant, role=Membership.Role.OWNER)
    accepted_complaints(merchant, 3)
    run = runs.evaluation_run(kind=MANUAL)
    s = standing(merchant)
    assert (s.pool, s.stars, s.former_pool, s.former_stars) == (
        Pool.WARNING,
        0,
        Pool.STAR_RATED,
        3,
    )
    assert s.rectification_due == timezone.localdate() + timedelta(days=30)
    change = last_change(merchant)
    assert (change.from_pool, change.to_pool, change.from_stars, change.reason_code) == (
        Pool.STAR_RATED,
        Pool.WARNING,
        3,
        "warning",
    )
    assert change.evidence["triggers"] == ["complaints_recent"]
    assert change.run == run and change.evaluation.triggers == ["complaints_recent"]
    assert change.message["params"]["due"] == {"d": s.rectification_due.isoformat()}
    notice = Notification.objects.get(user=owner)
    assert notice.link == f"/merchants/{merchant.pk}/standing/"
    assert notice.key == f"pool-change-{change.pk}"


def test_two_complaints_are_not_a_trigger_and_selection_is_never_warned():
    fine = placed(Pool.CULTIVATION)
    accepted_complaints(fine, 2)
    applying = MerchantFactory()
    standing_move(merchant=applying, to=Pool.SELECTION, reason_code="t", reason="t")
    accepted_complaints(applying, 5)
    runs.evaluation_run(kind=MANUAL)
    assert standing(fine).pool == Pool.CULTIVATION
    assert standing(applying).pool == Pool.SELECTION  # the review decides about it


def test_events_known_when_the_warning_was_cleared_do_not_warn_again():
    merchant = placed(Pool.CULTIVATION, cleared_days_ago=1)
    accepted_complaints(merchant, 3, days_ago=5)  # accepted before the clearing
    runs.evaluation_run(kind=MANUAL)
    assert standing(merchant).pool == Pool.CULTIVATION
    accepted_complaints(merchant, 1, days_ago=0)  # a new one: four in 30 days, one new
    Standing.objects.filter(merchant=merchant).update(needs_evaluation=True)
    runs.evaluation_run(kind=EvaluationRun.Kind.NIGHTLY)
    assert standing(merchant).pool == Pool.WARNING


def test_a_penalty_imported_after_the_clearing_warns_even_if_decided_before():
    merchant = placed(Pool.CULTIVATION, cleared_days_ago=10)
    PenaltyRecordFactory(
        uscc=merchant.uscc,
        decided_on=timezone.localdate() - timedelta(days=60),
        severity=PenaltyRecord.Severity.MINOR,
    )  # imported now
    runs.evaluation_run(kind=MANUAL)
    assert standing(merchant).pool == Pool.WARNING
    assert last_change(merchant).evidence["triggers"] == ["penalty"]


def test_a_condition_known_at_clearing_waits_until_it_goes_away_and_comes_back():
    merchant = placed(Pool.CULTIVATION, cleared_days_ago=1)
    record = RegistryRecordFactory(
        uscc=merchant.uscc, licence_valid_until=timezone.localdate() - timedelta(days=3)
    )
    Standing.objects.filter(merchant=merchant).update(acknowledged_triggers=["licence_expired"])
    runs.evaluation_run(kind=MANUAL)
    assert standing(merchant).pool == Pool.CULTIVATION
    assert standing(merchant).acknowledged_triggers == ["licence_expired"]
    record.licence_valid_until = timezone.localdate() + timedelta(days=300)
    record.save()
    runs.evaluation_run(kind=MANUAL)  # renewed: forgotten
    assert standing(merchant).acknowledged_triggers == []
    record.licence_valid_until = timezone.localdate() - timedelta(days=1)
    record.save()
    runs.evaluation_run(kind=MANUAL)  # expired again: a new warning
    assert standing(merchant).pool == Pool.WARNING
    assert last_change(merchant).evidence["triggers"] == ["licence_expired"]


def test_a_never_cleared_merchant_is_warned_by_any_trigger():
    merchant = placed(Pool.CULTIVATION, cleared_days_ago=None)
    RegistryRecordFactory(uscc=merchant.uscc, entity_status=RegistryRecord.Status.SUSPENDED)
    runs.evaluation_run(kind=MANUAL)
    assert standing(merchant).pool == Pool.WARNING
    assert last_change(merchant).evidence["triggers"] == ["entity_abnormal"]


@pytest.mark.parametrize("pool", [Pool.CULTIVATION, Pool.WARNING])
def test_a_serious_penalty_exits_with_the_waiting_time(pool):
    merchant = placed(Pool.CULTIVATION)
    if pool == Pool.WARNING:
        standing_move(merchant=merchant, to=Pool.WARNING, reason_code="warning", reason="t")
    PenaltyRecordFactory(uscc=merchant.uscc, severity=PenaltyRecord.Severity.SERIOUS)
    runs.evaluation_run(kind=MANUAL)
    s = standing(merchant)
    assert (s.pool, s.stars) == (Pool.EXITED, 0)
    assert s.reentry_after == timezone.localdate() + timedelta(days=365)
    change = last_change(merchant)
    assert (change.from_pool, change.reason_code) == (pool, "serious_violation")
    assert "serious_penalty" in change.evidence["triggers"]


def test_in_warning_other_new_triggers_change_nothing():
    merchant = placed(Pool.CULTIVATION)
    standing_move(merchant=merchant, to=Pool.WARNING, reason_code="warning", reason="t")
    accepted_complaints(merchant, 3)
    runs.evaluation_run(kind=MANUAL)
    assert standing(merchant).pool == Pool.WARNING
    assert last_change(merchant).reason_code == "warning"


def test_every_trigger_has_a_label_and_the_trigger_sets_are_known_codes():
    codes = {
        "serious_penalty",
        "dishonest_list",
        "counterfeit",
        "refused_return",
        "score_below",
        "complaints_recent",
        "overdue_complaint",
        "failed_inspection",
        "penalty",
        "licence_expired",
        "entity_abnormal",
    }
    assert set(Trigger.values) == codes
    assert all(str(t.label) for t in Trigger)
    assert {
        "score_below",
        "overdue_complaint",
        "licence_expired",
        "entity_abnormal",
        "dishonest_list",
    } == STATE_TRIGGERS
    assert {"serious_penalty", "dishonest_list"} == EXIT_TRIGGERS
    assert EXIT_TRIGGERS | {"counterfeit", "refused_return"} == BOTTOM_LINE_TRIGGERS


def test_an_enforcement_import_marks_the_merchants_it_names_for_the_nightly_run(admin_user):
    named, other = placed(Pool.CULTIVATION), placed(Pool.CULTIVATION)
    Standing.objects.update(needs_evaluation=False)
    record = {
        "uscc": named.uscc,
        "record_id": "PEN-1",
        "as_of": timezone.localdate().isoformat(),
        "decided_on": timezone.localdate().isoformat(),
        "severity": "minor",
        "description": "未明码标价",
    }
    report = records_import(source="enforcement", rows=enumerate([record], 1), actor=admin_user)
    assert report.created == 1
    assert standing(named).needs_evaluation is True
    assert standing(other).needs_evaluation is False
    runs.evaluation_run(kind=EvaluationRun.Kind.NIGHTLY)
    assert standing(named).pool == Pool.WARNING
    assert standing(other).pool == Pool.CULTIVATION
