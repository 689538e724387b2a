"""The evaluation scored by PostgreSQL (ratings.services.scores) and written set-based gives what
the Python scorer and its batches give: the same scores, components, triggers and stored
inputs for every merchant, the same standings, pool changes and notices after a monthly and a
nightly run (issue 17, point 2)."""

import json
import re
from datetime import timedelta
from io import StringIO

import orjson
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from common.models import OutboxItem
from merchants.models import Notification, Pool
from ratings.models import IN_PROGRAMME, Evaluation, EvaluationPolicy, PoolChange, Standing, Trigger
from ratings.services import runs
from ratings.services.evaluation import evaluate, inputs_expand, stored_components, stored_inputs
from ratings.services.scores import SCORES_SQL, evaluation_sql, scores_query

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the scoring statement is PostgreSQL's"
)

ARGS = ("--merchants", "500", "--batch", "250", "--seed", "17")
ARGS += ("--complaints", "6000", "--inspections", "1500")
STANDING_FIELDS = [
    f.attname
    for f in Standing._meta.concrete_fields
    if f.attname not in {"id", "updated_at", "last_evaluation_id"}
]


def test_the_statement_lists_the_triggers_in_the_order_of_the_python_scorer():
    assert re.findall(r"THEN '([a-z_]+)' END", SCORES_SQL) == [t.value for t in Trigger]


@pytest.fixture
def province(db):
    """A generated province, with standings the pool rules act on besides those it generates:
    warned merchants, conditions acknowledged, appeals held."""
    call_command("generate_province", *ARGS, stdout=StringIO(), stderr=StringIO())
    now = timezone.now()
    rated = list(
        Standing.objects.filter(pool__in=[Pool.CULTIVATION, Pool.STAR_RATED]).order_by(
            "merchant_id"
        )
    )
    assert len(rated) > 60
    for standing in rated[:15]:
        standing.former_pool, standing.former_stars = standing.pool, standing.stars
        standing.pool, standing.stars = Pool.WARNING, 0
        standing.rectification_due = (now + timedelta(days=10)).date()
    for standing in rated[15:30]:
        standing.acknowledged_triggers = [
            Trigger.SCORE_BELOW,
            Trigger.LICENCE_EXPIRED,
            Trigger.ENTITY_ABNORMAL,
        ]
        standing.warning_cleared_at = now - timedelta(days=40)
    for standing in rated[30:45]:
        standing.appeal_held_at = now - timedelta(days=5)
        standing.appeal_held_score = 99
    # Held at a score they are above: only an event dated after the appeal lifts the hold.
    for standing in rated[45:60]:
        standing.appeal_held_at = now - timedelta(days=60)
        standing.appeal_held_score = 0
    Standing.objects.bulk_update(
        rated[:60],
        [
            "pool",
            "stars",
            "former_pool",
            "former_stars",
            "rectification_due",
            "acknowledged_triggers",
            "warning_cleared_at",
            "appeal_held_at",
            "appeal_held_score",
        ],
    )
    return now


def _expanded(inputs: dict) -> dict:
    return inputs_expand(json.loads(orjson.dumps(inputs, option=orjson.OPT_UTC_Z)))


@postgresql_only
def test_the_statement_scores_every_merchant_as_the_python_scorer_does(province):
    policy = EvaluationPolicy.current()
    merchants = sorted(
        Standing.objects.filter(pool__in=IN_PROGRAMME).values_list("merchant_id", flat=True)
    )
    query = scores_query(merchants, policy=policy, now=province)
    stored, stored_params = evaluation_sql(province)
    columns = ("merchant_id", "unreadable", "score", "stars", "inputs", "components", "triggers")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT merchant_id, unreadable, score, stars, {stored} FROM ({query.sql}) t",
            stored_params + query.params,
        )
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    results = evaluate(merchants, policy=policy, now=province)
    assert {row["merchant_id"] for row in rows} == set(merchants)
    triggered = set()
    for row in rows:
        result = results[row["merchant_id"]]
        triggers = json.loads(row["triggers"])
        assert (row["score"], json.loads(row["components"]), triggers) == (
            result.score,
            stored_components(result),
            [str(t) for t in result.triggers],
        ), row["merchant_id"]
        assert row["stars"] == policy.stars_for(result.score)
        assert inputs_expand(json.loads(row["inputs"])) == _expanded(stored_inputs(result.inputs))
        triggered.update(triggers)
    # The data exercise most of the arithmetic: most triggers occur.
    assert len(triggered) >= 7


def _outcome() -> dict:
    """What the runs left: evaluation rows, standings, pool changes, notices."""
    evaluations = {
        (e.merchant_id, e.run.kind): (e.score, e.components, e.triggers, inputs_expand(e.inputs))
        for e in Evaluation.objects.select_related("run")
    }
    standings = {s["merchant_id"]: s for s in Standing.objects.values(*STANDING_FIELDS)}
    changes = sorted(
        (
            c.merchant_id,
            c.run.kind,
            c.from_pool,
            c.to_pool,
            c.from_stars,
            c.to_stars,
            c.reason_code,
            json.dumps(c.message, sort_keys=True),
            json.dumps(c.evidence, sort_keys=True),
            c.evaluation.score,
        )
        for c in PoolChange.objects.filter(run__isnull=False).select_related("run", "evaluation")
    )
    # A notice names its change by key: which merchant's move, in which run, for what reason.
    moves = {
        f"pool-change-{pk}": (merchant_id, kind, reason)
        for pk, merchant_id, kind, reason in PoolChange.objects.filter(
            run__isnull=False
        ).values_list("pk", "merchant_id", "run__kind", "reason_code")
    }
    notices = sorted(
        (
            n.user_id,
            n.merchant_id,
            moves[n.key],
            n.link,
            json.dumps(n.subject_message),
            json.dumps(n.body_message),
        )
        for n in Notification.objects.filter(key__startswith="pool-change-")
    )
    # What is left for after the commit: the notices' mail, the store pages to forget.
    outbox = {
        "mailed": sorted(
            moves[key]
            for item in OutboxItem.objects.filter(kind="notification-mail")
            for key in item.payload["keys"]
            if key in moves
        ),
        "pages": sorted(
            code
            for item in OutboxItem.objects.filter(kind="store-pages-forget")
            for code in item.payload["codes"]
        ),
    }
    return {
        "evaluations": evaluations,
        "standings": standings,
        "changes": changes,
        "notices": notices,
        "outbox": outbox,
    }


def _runs(now) -> dict:
    monthly = runs.evaluation_run(kind=runs.EvaluationRun.Kind.MONTHLY, now=now)
    marked = list(
        Standing.objects.filter(pool__in=IN_PROGRAMME)
        .order_by("merchant_id")
        .values_list("merchant_id", flat=True)[::7]
    )
    Standing.objects.filter(merchant_id__in=marked).update(needs_evaluation=True)
    nightly = runs.evaluation_run(
        kind=runs.EvaluationRun.Kind.NIGHTLY, now=now + timedelta(days=200)
    )
    counts = [(r.state, r.merchants_evaluated, r.pool_changes, r.note) for r in (monthly, nightly)]
    return {"runs": counts, **_outcome()}


def _with(monkeypatch, set_based: bool, now) -> dict:
    monkeypatch.setattr(runs, "SET_BASED", set_based)
    with transaction.atomic():
        outcome = _runs(now)
        transaction.set_rollback(True)
    return outcome


@postgresql_only
def test_a_set_based_run_leaves_what_the_python_run_leaves(province, monkeypatch):
    in_python = _with(monkeypatch, False, province)
    set_based = _with(monkeypatch, True, province)
    assert set_based["runs"] == in_python["runs"]
    (_state, evaluated, changed, _note), _nightly = set_based["runs"]
    assert evaluated == Standing.objects.filter(pool__in=IN_PROGRAMME).count()
    assert changed > 20  # the rules had work to do
    reasons = {change[6] for change in set_based["changes"]}
    assert len(reasons) >= 4
    assert set_based["evaluations"] == in_python["evaluations"]
    assert set_based["standings"] == in_python["standings"]
    assert set_based["changes"] == in_python["changes"]
    assert set_based["notices"] == in_python["notices"] and set_based["notices"]
    assert set_based["outbox"] == in_python["outbox"] and set_based["outbox"]["mailed"]
    # Of the 30 appeals held, those at 99 are lifted by a lower score; of those at 0, the ones
    # with an event after the appeal are lifted, the others still hold.
    held = [s for s in set_based["standings"].values() if s["appeal_held_at"] is not None]
    assert 0 < len(held) < 15
