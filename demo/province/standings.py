"""The generated merchants' standings: where each merchant in the programme stands today.

A merchant with an approved declaration is in cultivation since its first approval; once the
observation period is over most have stars (1 to 5, fewer at the top), gained since then at
most one per star period. A merchant whose only declarations are still being reviewed (pending,
under review, returned to it) is in the selection pool. The others have no standing.

Written as if the monthly run had last passed a month ago: each standing carries a score-less
state (no evaluation yet) and the last warning cleared about then, so only events of the last
weeks (and conditions that hold) can warn a merchant at the next run. Drawn from a generator of
its own, so the other tables of a seed stay the same.
"""

import random
from datetime import datetime, timedelta
from typing import Any

from demo.province.context import DeclarationSpec, MerchantSpec, timestamp
from merchants.models import DeclarationState as S
from merchants.models import Pool

OBSERVATION = timedelta(days=182)  # the policy's default observation and star periods
STAR_PERIOD = timedelta(days=182)
RATED_SHARE = 0.8  # observed merchants that reached a star (the rest stayed in cultivation)
STAR_WEIGHTS = (30, 28, 22, 13, 7)  # one to five stars
LAST_RUN = timedelta(days=30)
IN_REVIEW = frozenset({S.PENDING_REVIEW, S.UNDER_REVIEW, S.RETURNED})

STANDING_COLUMNS = (
    "merchant_id",
    "region_id",
    "pool",
    "stars",
    "since",
    "former_pool",
    "former_stars",
    "stars_changed_at",
    "warning_cleared_at",
    "acknowledged_triggers",
    "needs_evaluation",
    "updated_at",
)


def standings_rng(seed: int, specs: list[MerchantSpec]) -> random.Random:
    return random.Random(f"standings {seed} {specs[0].uscc if specs else ''}")


def _decided(d: DeclarationSpec) -> datetime:
    return d.times[d.path.index(S.APPROVED)]


def _submitted(d: DeclarationSpec) -> datetime:
    return d.times[d.path.index(S.SUBMITTED)]


def standing_rows(
    rng: random.Random, now: datetime, declarations: list[DeclarationSpec]
) -> list[tuple[Any, ...]]:
    approved: dict[int, datetime] = {}
    reviewing: dict[int, datetime] = {}
    county: dict[int, str] = {}
    for d in declarations:
        state, merchant_id = d.path[-1], d.merchant.id
        county[merchant_id] = d.merchant.county.code
        if state == S.APPROVED:
            when = _decided(d)
            approved[merchant_id] = min(when, approved.get(merchant_id, when))
        elif state in IN_REVIEW:
            when = _submitted(d)
            reviewing[merchant_id] = min(when, reviewing.get(merchant_id, when))
    rows = []
    last_run = now - LAST_RUN
    for merchant_id in sorted(approved.keys() | reviewing.keys()):
        pool, stars, stars_changed = Pool.SELECTION, 0, None
        cleared = None
        if merchant_id in approved:
            approved_at = approved[merchant_id]
            since, pool, cleared = approved_at, Pool.CULTIVATION, max(approved_at, last_run)
            observed = approved_at + OBSERVATION
            if observed <= now and rng.random() < RATED_SHARE:
                periods = 1 + int((now - observed) / STAR_PERIOD)
                stars = min(rng.choices(range(1, 6), weights=STAR_WEIGHTS)[0], periods)
                pool, since = Pool.STAR_RATED, observed
                stars_changed = timestamp(rng, observed + STAR_PERIOD * (stars - 1), now)
        else:
            since = reviewing[merchant_id]
        rows.append(
            (
                merchant_id,
                county[merchant_id],
                pool,
                stars,
                since,
                "",
                0,
                stars_changed,
                cleared,
                [],
                False,
                now,
            )
        )
    return rows
