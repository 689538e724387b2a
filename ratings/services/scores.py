"""The comprehensive evaluation as one SQL statement (PostgreSQL): the inputs that inputs_query
reads, scored by the database, so that a run writes evaluation rows and standings set-based
(ratings.services.runs) without bringing a province's rows into Python.

The arithmetic is ratings.services.evaluation's scorer written again in SQL; the two must agree
to the point: tests/ratings/test_scores_sql.py compares them on PostgreSQL (score, components,
triggers and stored inputs), and bench/evaluation.py compares the scores with its hand-written
statement. Python keeps the lines that explain a score (evaluation_result), SQLite's runs and
the pool rules.

One row per merchant of the set: its id, `unreadable` (an approved declaration's return window
that is not a number of days: the merchant is skipped, as row_scorer skips it), the score, the
stars it is worth, each component's points, the triggers and the dates of the events behind
them (for the pool rules), and the inputs; evaluation_sql turns such a row into the JSON an
evaluation row stores (lean inputs, components, triggers).
"""

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from merchants.models import Merchant, RegistryRecord
from ratings.models import EvaluationPolicy, Trigger
from ratings.services.evaluation import (
    BONUS_POINTS,
    COMPLAINT_INPUTS,
    INSPECTION_INPUTS,
    NO_REASON_RETURN_MIN_DAYS,
    ON_TIME_MIN_CLOSED,
    PENALTY_INPUTS,
    REGISTRY_INPUTS,
    TENURE_FULL_MONTHS,
    inputs_query,
)

# The input behind each trigger that is an event: its newest date (Result.trigger_dates).
TRIGGER_DATES: dict[Trigger, str] = {
    Trigger.SERIOUS_PENALTY: "last_penalty_at",
    Trigger.COUNTERFEIT: "last_counterfeit_at",
    Trigger.REFUSED_RETURN: "last_refused_return_at",
    Trigger.COMPLAINTS_RECENT: "last_accepted_at",
    Trigger.FAILED_INSPECTION: "last_failed_at",
    Trigger.PENALTY: "last_penalty_at",
}
DATE_COLUMNS = tuple(dict.fromkeys(TRIGGER_DATES.values()))


@dataclass(frozen=True, slots=True)
class ScoresQuery:
    sql: str
    params: list[Any]


def _named(sql: str, values: dict[str, Any]) -> tuple[str, list[Any]]:
    """`{name}` placeholders to the driver's positional ones, with their values in order."""
    params: list[Any] = []

    def place(match: re.Match) -> str:
        params.append(values[match.group(1)])
        return "%s"

    return re.sub(r"\{([a-z_0-9]+)\}", place, sql), params


def _lean(prefix: str, names: tuple[str, ...], falsy: dict[str, str]) -> str:
    """A source's inputs as a JSON object, a value that is falsy in Python (0, "", false) as
    NULL: jsonb_strip_nulls leaves it out, as stored_inputs does."""
    parts = []
    for name in names:
        column = f"{prefix}_{name}"
        kind = falsy.get(name, "count")
        value = {
            "count": f"NULLIF({column}, 0)",
            "text": f"NULLIF({column}, '')",
            "flag": f"NULLIF({column}, false)",
            "moment": column,
        }[kind]
        parts.append(f"'{name}', {value}")
    return f"jsonb_build_object({', '.join(parts)})"


_REGISTRY_KINDS = {
    "entity_status": "text",
    "on_abnormal_list": "flag",
    "on_dishonest_list": "flag",
    "credit_level": "text",
    "licence_valid_until": "moment",
}
_MOMENTS = {
    name: "moment"
    for name in (*COMPLAINT_INPUTS, *INSPECTION_INPUTS, *PENALTY_INPUTS)
    if name.startswith("last_")
}

# Each step a subquery of its own ("OFFSET 0": not pulled up into the next), so that a value
# such as the score is computed once per merchant rather than again wherever it is used.
SCORES_SQL = """
WITH i AS (
    SELECT * FROM ({inputs}) AS i({names})
), v AS (
    SELECT i.*,
        coalesce(i.complaints_accepted, 0) AS accepted,
        coalesce(i.complaints_overdue, 0) AS overdue,
        coalesce(i.complaints_accepted_recent, 0) AS accepted_recent,
        coalesce(i.complaints_open_overdue, 0) AS open_overdue,
        coalesce(i.complaints_refused_returns, 0) AS refused_returns,
        coalesce(i.complaints_refused_returns_settled, 0) AS refused_returns_settled,
        coalesce(i.complaints_closed, 0) AS closed,
        coalesce(i.complaints_closed_on_time, 0) AS closed_on_time,
        i.complaints_last_accepted_at AS last_accepted_at,
        i.complaints_last_refused_return_at AS last_refused_return_at,
        coalesce(i.inspections_failed, 0) AS failed,
        coalesce(i.inspections_rectify, 0) AS rectify,
        coalesce(i.inspections_perfect, 0) AS perfect,
        coalesce(i.inspections_counterfeit, 0) AS counterfeit,
        i.inspections_last_failed_at AS last_failed_at,
        i.inspections_last_counterfeit_at AS last_counterfeit_at,
        coalesce(i.penalties_minor, 0) AS minor,
        coalesce(i.penalties_ordinary, 0) AS ordinary,
        coalesce(i.penalties_serious, 0) AS serious,
        i.penalties_last_penalty_at AS last_penalty_at,
        i.registry_key IS NOT NULL AS registered,
        coalesce(i.registry_on_abnormal_list, false) AS abnormal,
        coalesce(i.registry_on_dishonest_list, false) AS dishonest,
        i.registry_credit_level AS credit_level,
        i.registry_entity_status AS entity_status,
        i.registry_licence_valid_until AS registry_licence_until,
        i.declarations_key IS NOT NULL AND coalesce(i.declarations_return_days_unreadable, 0) > 0
            AS unreadable,
        CASE WHEN i.declarations_key IS NULL THEN NULL
             ELSE i.declarations_first_approved_at END AS first_approved_at,
        CASE WHEN i.declarations_key IS NULL THEN 0
             ELSE i.declarations_commitments_asked END AS asked,
        coalesce(i.accepted_commitments_accepted, 0) AS commitments_accepted,
        CASE WHEN i.declarations_key IS NOT NULL AND i.declarations_return_days > 0
             THEN i.declarations_return_days ELSE 0 END AS return_days
    FROM i
    OFFSET 0
), points AS (
    SELECT v.*,
        greatest(0, {w_complaints} - {per_accepted} * accepted - {per_overdue} * overdue)
            AS complaint_points,
        greatest(0, {w_inspections} - {per_failed} * failed - {per_rectify} * rectify)
            AS inspection_points,
        CASE WHEN serious > 0 OR (registered AND dishonest) THEN 0
             ELSE greatest(0, {w_compliance} - {per_minor} * minor - {per_ordinary} * ordinary
                 - CASE WHEN registered AND abnormal THEN {abnormal_points} ELSE 0 END
                 - CASE WHEN registered
                        THEN coalesce(({credit}::jsonb ->> credit_level)::int, 0)
                        ELSE 0 END)
        END AS compliance_points,
        CASE WHEN first_approved_at IS NULL THEN 0 ELSE greatest(0,
            ({now_year} - extract(year FROM first_approved_at AT TIME ZONE 'UTC')::int) * 12
            + {now_month} - extract(month FROM first_approved_at AT TIME ZONE 'UTC')::int
            - CASE WHEN {now_day} < extract(day FROM first_approved_at AT TIME ZONE 'UTC')::int
                   THEN 1 ELSE 0 END) END AS months,
        least({bonus_max},
            {bonus} * ((return_days > {min_return_days})::int + (perfect > 0)::int
                + (closed >= {on_time_min} AND closed_on_time = closed)::int)) AS bonus_points
    FROM v
    OFFSET 0
), commitments AS (
    SELECT points.*,
        round({w_commitments}::float8
              * (least(months, {tenure_full})::float8 / {tenure_full}
                 + (refused_returns = 0)::int
                 + CASE WHEN asked > 0
                        THEN least(1.0::float8, commitments_accepted::float8 / asked)
                        ELSE 0 END)
              / 3)::int AS commitment_points
    FROM points
    OFFSET 0
), total AS (
    SELECT commitments.*,
        least(100, complaint_points + inspection_points + compliance_points
                   + commitment_points + bonus_points) AS score
    FROM commitments
    OFFSET 0
)
SELECT id AS merchant_id, unreadable, score,
    {stars} AS stars,
    complaint_points, inspection_points, compliance_points, commitment_points, bonus_points,
    -- In the order of Trigger, as the Python scorer finds them.
    array_remove(ARRAY[
        CASE WHEN serious > 0 THEN 'serious_penalty' END,
        CASE WHEN registered AND dishonest THEN 'dishonest_list' END,
        CASE WHEN counterfeit > 0 THEN 'counterfeit' END,
        CASE WHEN refused_returns_settled > 0 THEN 'refused_return' END,
        CASE WHEN score < {warning_below} THEN 'score_below' END,
        CASE WHEN accepted_recent >= {warning_accepted} THEN 'complaints_recent' END,
        CASE WHEN open_overdue > 0 THEN 'overdue_complaint' END,
        CASE WHEN failed > 0 THEN 'failed_inspection' END,
        CASE WHEN serious > 0 OR minor > 0 OR ordinary > 0 THEN 'penalty' END,
        CASE WHEN licence_valid_until < {today}
                  OR (registered AND registry_licence_until < {today})
             THEN 'licence_expired' END,
        CASE WHEN registered AND (abnormal OR entity_status <> {active})
             THEN 'entity_abnormal' END
    ]::text[], NULL) AS triggers,
    {raw}, registry_key, licence_valid_until,
    first_approved_at, commitments_accepted, asked, return_days,
    {dates}
FROM total
"""

# What an evaluation row stores, from a row of the statement: the inputs (lean: a value that
# is falsy in Python left out), each component's points and the triggers. Built where the rows
# are written (one batch at a time, beside the pool rules of another), not by the statement.
EVALUATION_SQL = """
    jsonb_strip_nulls(jsonb_build_object(
        'complaints', {complaints_json},
        'inspections', {inspections_json},
        'penalties', {penalties_json},
        'registry', CASE WHEN registry_key IS NOT NULL THEN {registry_json} END,
        'declarations', jsonb_build_object(
            'first_approved_at', first_approved_at,
            'commitments_accepted', NULLIF(commitments_accepted, 0),
            'commitments_asked', NULLIF(asked, 0),
            'return_days', NULLIF(return_days, 0)),
        'licence_valid_until', licence_valid_until,
        'as_of', %s::timestamptz
    )),
    jsonb_build_object(
        'complaints', complaint_points, 'inspections', inspection_points,
        'compliance', compliance_points, 'commitments', commitment_points,
        'bonus', bonus_points
    ),
    to_jsonb(triggers)
"""


def evaluation_sql(now: datetime) -> tuple[str, list[Any]]:
    """The expressions (inputs, components, triggers: an evaluation row's JSON) over a row of
    the scoring statement as of `now`, and their parameters."""
    sql = (
        EVALUATION_SQL.replace(
            "{complaints_json}", _lean("complaints", tuple(COMPLAINT_INPUTS), _MOMENTS)
        )
        .replace("{inspections_json}", _lean("inspections", tuple(INSPECTION_INPUTS), _MOMENTS))
        .replace("{penalties_json}", _lean("penalties", tuple(PENALTY_INPUTS), _MOMENTS))
        .replace("{registry_json}", _lean("registry", REGISTRY_INPUTS, _REGISTRY_KINDS))
    )
    return sql, [now]


# The source columns an evaluation row's inputs are built from (EVALUATION_SQL).
RAW_COLUMNS = tuple(
    f"{source}_{name}"
    for source, names in (
        ("complaints", COMPLAINT_INPUTS),
        ("inspections", INSPECTION_INPUTS),
        ("penalties", PENALTY_INPUTS),
        ("registry", REGISTRY_INPUTS),
    )
    for name in names
)


def scores_query(
    merchants: QuerySet[Merchant] | list[int], *, policy: EvaluationPolicy, now: datetime
) -> ScoresQuery:
    """The statement that scores these merchants as of `now` under `policy` (PostgreSQL),
    reading their inputs with inputs_query: one row each, in no particular order: the
    merchant, `unreadable`, the score, the stars it is worth, each component's points, the
    triggers (text[]), the dates behind them (DATE_COLUMNS) and the source columns
    evaluation_sql builds the stored inputs from."""
    inputs = inputs_query(merchants, policy=policy, now=now, ordered=False)
    bands = [int(band) for band in policy.star_bands]
    values = {
        "now": now,
        "now_year": now.year,
        "now_month": now.month,
        "now_day": now.day,
        "today": timezone.localdate(now),
        "w_complaints": policy.weight_complaints,
        "w_inspections": policy.weight_inspections,
        "w_compliance": policy.weight_compliance,
        "w_commitments": policy.weight_commitments,
        "bonus_max": policy.bonus_max,
        "per_accepted": policy.deduction_per_accepted_complaint,
        "per_overdue": policy.deduction_per_overdue_complaint,
        "per_failed": policy.deduction_per_failed_inspection,
        "per_rectify": policy.deduction_per_rectify_inspection,
        "per_minor": policy.deduction_per_minor_penalty,
        "per_ordinary": policy.deduction_per_ordinary_penalty,
        "abnormal_points": policy.deduction_abnormal_list,
        "credit": json.dumps({level: int(p) for level, p in policy.credit_deductions.items()}),
        "warning_below": policy.warning_score_below,
        "warning_accepted": policy.warning_accepted_complaints,
        "bonus": BONUS_POINTS,
        "min_return_days": NO_REASON_RETURN_MIN_DAYS,
        "on_time_min": ON_TIME_MIN_CLOSED,
        "tenure_full": TENURE_FULL_MONTHS,
        "active": RegistryRecord.Status.ACTIVE.value,
        **{f"band_{n}": band for n, band in enumerate(bands)},
    }
    text = SCORES_SQL.replace(
        "{stars}", " + ".join(f"(score >= {{band_{n}}})::int" for n in range(len(bands))) or "0"
    )
    text = (
        text.replace("{names}", ", ".join(inputs.names))
        .replace("{raw}", ", ".join(RAW_COLUMNS))
        .replace("{dates}", ", ".join(DATE_COLUMNS))
    )
    head, tail = text.split("{inputs}", 1)
    head_sql, head_params = _named(head, values)
    tail_sql, tail_params = _named(tail, values)
    # inputs_query's own %s stand as they are: its SQL is put in after the placeholders are
    # numbered, and a literal % in it is already doubled for the driver.
    return ScoresQuery(head_sql + inputs.sql + tail_sql, head_params + inputs.params + tail_params)
