"""The pool rules of a set-based run (PostgreSQL), in SQL: for a batch of merchants the run has
scored (its table of scores) and evaluated (their standings carry the new score and evaluation),
one statement decides what pools_apply would decide for each merchant the rules can act on, and
one more writes the outcome — the PoolChange rows, the moved standings and the notices to the
merchants' people — with INSERT … SELECT and UPDATE … FROM. Python only words the triggers of
warnings and exits (trigger_labels: a few distinct lists a batch) and announces the moves
(standings_changed, the notices' mail) after the statement.

The rules are ratings.services.pools' (pools_apply, new_triggers, new_evidence, _trigger_move,
star_move, change_build, notify_pool_changes) written again; tests/ratings/test_scores_sql.py
compares a set-based run with the Python run (standings, pool changes, notices).
"""

import json
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from common.messages import day
from merchants.models import Membership, Merchant, Notification, Pool
from merchants.services.notifications import notifications_mail
from ratings import messages as m
from ratings.models import EvaluationRun, PoolChange, ReasonCode, Standing, Trigger
from ratings.models.evaluation import EXIT_TRIGGERS, STATE_TRIGGERS
from ratings.services.evaluation import COMPLAINT_INPUTS, INSPECTION_INPUTS, PENALTY_INPUTS
from ratings.services.evaluation import DATE_INPUTS as EVALUATION_DATE_INPUTS
from ratings.services.pools import HELD_OFF, NOTICE_SUBJECTS, _place, trigger_labels
from ratings.services.scores import TRIGGER_DATES
from ratings.signals import standings_changed

P, R = Pool, ReasonCode
MOVES_TABLE = "ratings_run_moves"

# The dated inputs (an event's date) behind new_evidence: each source's "last_…" inputs, as
# the scores' table names them.
EVIDENCE_COLUMNS = tuple(
    (f"{source}_{name}", name in EVALUATION_DATE_INPUTS)
    for source, names in (
        ("complaints", COMPLAINT_INPUTS),
        ("inspections", INSPECTION_INPUTS),
        ("penalties", PENALTY_INPUTS),
    )
    for name in names
    if name.startswith("last_")
)


def _trigger_date(code: str) -> str:
    """The date of a trigger that is an event, in the scores' table (t), or NULL."""
    whens = " ".join(
        f"WHEN '{trigger.value}' THEN t.{column}" for trigger, column in TRIGGER_DATES.items()
    )
    return f"CASE {code} {whens} END"


def _codes(codes: Any) -> str:
    return "ARRAY[" + ", ".join(f"'{Trigger(c).value}'" for c in sorted(codes)) + "]::text[]"


# What the rules decide for one merchant (moves_apply), in the order pools_apply applies them:
# conditions no longer holding are forgotten; an appeal held stops holding on new evidence;
# a new serious violation exits, any other new trigger warns a cultivated or star-rated
# merchant; else the star rules; a held appeal holds off stars going down.
DECIDE_SQL = """
WITH c AS (
    SELECT t.merchant_id, t.score, t.stars AS target, s.last_evaluation_id AS evaluation_id,
        s.pool, s.stars, s.since, s.stars_changed_at, s.former_pool, s.former_stars,
        s.rectification_due, s.reentry_after, s.acknowledged_triggers, s.appeal_held_at,
        s.appeal_held_score,
        (SELECT coalesce(jsonb_agg(a.code ORDER BY a.n), '[]'::jsonb)
         FROM jsonb_array_elements_text(s.acknowledged_triggers) WITH ORDINALITY a(code, n)
         WHERE a.code = ANY(t.triggers)) AS acknowledged,
        CASE WHEN s.pool IN (%(cultivation)s, %(star_rated)s, %(warning)s) THEN ARRAY(
            SELECT x.code FROM unnest(t.triggers) WITH ORDINALITY x(code, n)
            WHERE CASE WHEN x.code = ANY({conditions})
                       THEN NOT s.acknowledged_triggers ? x.code
                       ELSE s.warning_cleared_at IS NULL OR {when} IS NULL
                            OR {when} > s.warning_cleared_at END
            ORDER BY x.n) ELSE '{{}}'::text[] END AS new,
        s.appeal_held_at IS NOT NULL AND NOT coalesce(
            (s.appeal_held_score IS NOT NULL AND t.score < s.appeal_held_score)
            {evidence}, false) AS held
    FROM {table} t JOIN {standings} s ON s.merchant_id = t.merchant_id
    WHERE {movable}
    OFFSET 0
), serious AS (
    SELECT c.*, ARRAY(SELECT x.code FROM unnest(c.new) WITH ORDINALITY x(code, n)
                      WHERE x.code = ANY({exits}) ORDER BY x.n) AS serious
    FROM c
    OFFSET 0
), rule AS (
    SELECT serious.*, CASE
        WHEN cardinality(serious) > 0 THEN %(r_exit)s
        WHEN cardinality(new) > 0 AND pool IN (%(cultivation)s, %(star_rated)s) THEN %(r_warning)s
        WHEN pool = %(cultivation)s AND since <= %(observed_before)s AND target >= 1
            THEN %(r_observed)s
        WHEN pool = %(star_rated)s AND target = 0 THEN %(r_below)s
        WHEN pool = %(star_rated)s AND target < stars THEN %(r_down)s
        WHEN pool = %(star_rated)s AND target > stars
             AND (stars_changed_at IS NULL OR stars_changed_at <= %(period_before)s) THEN %(r_up)s
    END AS rule
    FROM serious
    OFFSET 0
), decided AS (
    SELECT rule.*,
        CASE WHEN held AND rule IN ({held_off}) THEN NULL ELSE rule END AS code
    FROM rule
)
SELECT merchant_id, score, evaluation_id, pool, stars, code,
    CASE WHEN code = %(r_exit)s THEN serious WHEN code = %(r_warning)s THEN new END AS what,
    new,
    CASE code WHEN %(r_exit)s THEN %(exited)s WHEN %(r_warning)s THEN %(warning)s
              WHEN %(r_below)s THEN %(cultivation)s ELSE %(star_rated)s END AS to_pool,
    CASE code WHEN %(r_observed)s THEN 1 WHEN %(r_down)s THEN target WHEN %(r_up)s THEN stars + 1
              ELSE 0 END AS to_stars,
    since, stars_changed_at, former_pool, former_stars, rectification_due, reentry_after,
    acknowledged_triggers, appeal_held_at, appeal_held_score, acknowledged, held
FROM decided
"""

# The standings the rules changed, from the decisions (m): change_build and _trigger_move.
STANDINGS_SQL = """
moved AS (
    SELECT merchant_id,
        CASE WHEN code IS NULL THEN pool ELSE to_pool END AS pool,
        CASE WHEN code IS NULL THEN stars ELSE to_stars END AS stars,
        CASE WHEN code IS NOT NULL AND to_pool <> pool THEN %(now)s ELSE since END AS since,
        CASE WHEN code IS NOT NULL AND to_stars <> stars THEN %(now)s
             ELSE stars_changed_at END AS stars_changed_at,
        CASE WHEN code = %(r_warning)s THEN pool ELSE former_pool END AS former_pool,
        CASE WHEN code = %(r_warning)s THEN stars ELSE former_stars END AS former_stars,
        CASE code WHEN %(r_exit)s THEN NULL WHEN %(r_warning)s THEN %(rectify_by)s::date
             ELSE rectification_due END AS rectification_due,
        CASE WHEN code = %(r_exit)s THEN %(reentry_after)s::date
             ELSE reentry_after END AS reentry_after,
        acknowledged AS acknowledged_triggers,
        CASE WHEN NOT held OR (code IS NOT NULL AND code <> %(r_up)s) THEN NULL
             ELSE appeal_held_at END AS appeal_held_at,
        CASE WHEN NOT held OR (code IS NOT NULL AND code <> %(r_up)s) THEN NULL
             ELSE appeal_held_score END AS appeal_held_score
    FROM {moves}
), standings AS (
    UPDATE {standings} AS s SET pool = v.pool, stars = v.stars, since = v.since,
        stars_changed_at = v.stars_changed_at, former_pool = v.former_pool,
        former_stars = v.former_stars, rectification_due = v.rectification_due,
        reentry_after = v.reentry_after, acknowledged_triggers = v.acknowledged_triggers,
        appeal_held_at = v.appeal_held_at, appeal_held_score = v.appeal_held_score
    FROM moved v
    WHERE s.merchant_id = v.merchant_id AND s.merchant_id BETWEEN %(low)s AND %(high)s
        AND (s.pool, s.stars, s.since, s.stars_changed_at,
        s.former_pool, s.former_stars, s.rectification_due, s.reentry_after,
        s.acknowledged_triggers, s.appeal_held_at, s.appeal_held_score)
        IS DISTINCT FROM (v.pool, v.stars, v.since, v.stars_changed_at, v.former_pool,
        v.former_stars, v.rectification_due, v.reentry_after, v.acknowledged_triggers,
        v.appeal_held_at, v.appeal_held_score)
)"""

# The PoolChange rows (change_build) and the notices (notify_pool_changes, pool_change_notice,
# move_line): one inbox row per member of a moved merchant, keyed by the change.
CHANGES_SQL = """
changes AS (
    INSERT INTO {changes} (merchant_id, from_pool, to_pool, from_stars, to_stars,
        reason_code, message, evidence, evaluation_id, run_id, actor_id, created_at)
    SELECT merchant_id, pool, to_pool, stars, to_stars, code,
        CASE code
            WHEN %(r_exit)s THEN jsonb_build_object('code', %(m_exit)s,
                'params', jsonb_build_object(
                    'what', %(whats)s::jsonb -> array_to_string(what, ',')))
            WHEN %(r_warning)s THEN jsonb_build_object('code', %(m_warning)s,
                'params', jsonb_build_object(
                    'what', %(whats)s::jsonb -> array_to_string(what, ','), 'due', %(due)s::jsonb))
            WHEN %(r_observed)s THEN jsonb_build_object('code', %(m_observed)s,
                'params', jsonb_build_object('score', score))
            WHEN %(r_below)s THEN jsonb_build_object('code', %(m_below)s,
                'params', jsonb_build_object('score', score, 'band', %(band)s::jsonb))
            WHEN %(r_down)s THEN jsonb_build_object('code', %(m_down)s,
                'params', jsonb_build_object('score', score, 'stars', to_stars))
            WHEN %(r_up)s THEN jsonb_build_object('code', %(m_up)s,
                'params', jsonb_build_object('score', score))
        END,
        jsonb_build_object('score', score, 'triggers', to_jsonb(new)),
        evaluation_id, %(run)s, NULL, %(now)s
    FROM {moves} WHERE code IS NOT NULL
    ORDER BY merchant_id
    RETURNING id, merchant_id, from_pool, to_pool, from_stars, to_stars, message
), notices AS (
    INSERT INTO {notifications} (user_id, merchant_id, key, subject_message, body_message,
        link, created_at)
    SELECT DISTINCT ON (c.id, ms.user_id) ms.user_id, c.merchant_id, 'pool-change-' || c.id,
        jsonb_build_object('code', CASE
            WHEN c.to_pool = %(warning)s AND c.from_pool <> c.to_pool THEN %(s_warning)s
            WHEN c.to_pool = %(exited)s AND c.from_pool <> c.to_pool THEN %(s_exited)s
            WHEN c.to_pool = c.from_pool THEN %(s_stars)s
            ELSE %(s_pool)s END, 'params', '{{}}'::jsonb),
        jsonb_build_array(
            jsonb_build_object('code', %(m_moved)s, 'params', jsonb_build_object(
                'merchant', mm.name,
                'from', %(places)s::jsonb -> (c.from_pool || ':' || c.from_stars),
                'to', %(places)s::jsonb -> (c.to_pool || ':' || c.to_stars))),
            jsonb_build_object('code', %(m_reason)s,
                'params', jsonb_build_object('reason', c.message))),
        %(link_head)s || c.merchant_id || %(link_tail)s, %(sent)s
    FROM changes c
    JOIN {memberships} ms ON ms.merchant_id = c.merchant_id
    JOIN {merchants} mm ON mm.id = c.merchant_id
    ORDER BY c.id, ms.user_id
    ON CONFLICT DO NOTHING
    RETURNING key
)"""

# The highest stars a place is worded for (the policy's bands are five).
MAX_STARS = 10


def _places() -> str:
    """Every pool with its stars as move_line words it, by "<pool>:<stars>"."""
    return json.dumps(
        {
            f"{pool}:{stars}": _place(pool, stars)
            for pool in ["", *Pool.values]
            for stars in range(MAX_STARS + 1)
        }
    )


def _link() -> tuple[str, str]:
    """The standing page's link around a merchant's id (notify_pool_changes' link)."""
    marker = 987654321
    head, tail = reverse("standing-merchant", args=[marker]).split(str(marker))
    return head, tail


def moves_apply(
    *,
    run: EvaluationRun,
    table: str,
    movable: tuple[str, list[Any]],
    span: tuple[int, int],
    now: datetime,
) -> int:
    """Apply the pool rules to the merchants of `movable` (a condition over the scores' table t
    and the standings s, and its parameters; `span` the lowest and highest merchant id it can
    pick), whose standings carry their new evaluation: the
    rules' decisions into a temporary table, then one statement writes the moved standings,
    the PoolChanges and the notices. Announces the moves; returns their number. Call inside
    the batch's transaction."""
    policy = run.policy
    quote = connection.ops.quote_name
    today = timezone.localdate(now)
    evidence = "".join(
        f" OR t.{column} > (s.appeal_held_at AT TIME ZONE %(tz)s)::date"
        if is_date
        else f" OR t.{column} > s.appeal_held_at"
        for column, is_date in EVIDENCE_COLUMNS
    )
    values: dict[str, Any] = {
        "tz": settings.TIME_ZONE,
        "cultivation": P.CULTIVATION,
        "star_rated": P.STAR_RATED,
        "warning": P.WARNING,
        "exited": P.EXITED,
        "r_exit": R.SERIOUS_VIOLATION,
        "r_warning": R.WARNING,
        "r_observed": R.OBSERVATION_PASSED,
        "r_below": R.BELOW_FIRST_BAND,
        "r_down": R.STARS_DOWN,
        "r_up": R.STAR_UP,
        "observed_before": now - timedelta(days=policy.observation_days),
        "period_before": now - timedelta(days=policy.star_period_days),
    }
    movable_sql, movable_params = movable
    for n, value in enumerate(movable_params):
        movable_sql = movable_sql.replace("%s", f"%(movable_{n})s", 1)
        values[f"movable_{n}"] = value
    sql = DECIDE_SQL.format(
        conditions=_codes(STATE_TRIGGERS),
        exits=_codes(EXIT_TRIGGERS),
        held_off=", ".join(f"'{code.value}'" for code in sorted(HELD_OFF)),
        when=_trigger_date("x.code"),
        evidence=evidence,
        table=table,
        standings=quote(Standing._meta.db_table),
        movable=movable_sql,
    )
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {MOVES_TABLE} ON COMMIT DROP AS {sql}", values)
        cursor.execute(
            f"SELECT DISTINCT array_to_string(what, ','), what FROM {MOVES_TABLE} "
            "WHERE what IS NOT NULL"
        )
        whats = {key: trigger_labels(codes) for key, codes in cursor.fetchall()}
        head, tail = _link()
        write = {
            **values,
            "now": now,
            "sent": timezone.now(),  # the notices' time, as notify_rows gives it
            "run": run.pk,
            "low": span[0],
            "high": span[1],
            "rectify_by": today + timedelta(days=policy.rectification_days),
            "reentry_after": today + timedelta(days=policy.reentry_days),
            "whats": json.dumps(whats),
            "due": json.dumps(day(today + timedelta(days=policy.rectification_days))),
            "band": json.dumps(policy.star_bands[0] if policy.star_bands else 0),
            "m_exit": m.SERIOUS_VIOLATION,
            "m_warning": m.WARNING,
            "m_observed": m.OBSERVATION_PASSED,
            "m_below": m.BELOW_FIRST_BAND,
            "m_down": m.STARS_DOWN,
            "m_up": m.STAR_UP,
            "m_moved": m.MOVED,
            "m_reason": m.REASON,
            "s_warning": NOTICE_SUBJECTS[P.WARNING],
            "s_exited": NOTICE_SUBJECTS[P.EXITED],
            "s_stars": m.SUBJECT_STARS,
            "s_pool": m.SUBJECT_POOL,
            "places": _places(),
            "link_head": head,
            "link_tail": tail,
        }
        tables = {
            "moves": MOVES_TABLE,
            "standings": quote(Standing._meta.db_table),
            "changes": quote(PoolChange._meta.db_table),
            "notifications": quote(Notification._meta.db_table),
            "memberships": quote(Membership._meta.db_table),
            "merchants": quote(Merchant._meta.db_table),
        }
        cursor.execute(
            "WITH "
            + STANDINGS_SQL.format(**tables)
            + ", "
            + CHANGES_SQL.format(**tables)
            + " SELECT (SELECT count(*) FROM changes), "
            f"(SELECT array_agg(mm.public_code) FROM changes c "
            f"JOIN {tables['merchants']} mm ON mm.id = c.merchant_id), "
            "(SELECT array_agg(DISTINCT key) FROM notices)",
            write,
        )
        moved, codes, keys = cursor.fetchone()
        cursor.execute(f"DROP TABLE {MOVES_TABLE}")
    if moved:
        standings_changed.send(sender=Standing, public_codes=codes)
    notifications_mail(keys or [])
    return moved
