"""Declarations with a legal event history, their ticked commitments and district members."""

import functools
import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from common import deadlines
from common.calendar import add_working_days
from demo import synthetic as syn
from demo.province.context import (
    Context,
    DeclarationSpec,
    MerchantSpec,
    SchemeInfo,
    timestamp,
)
from demo.province.mix import (
    DECLARATION_PATHS,
    MERCHANT_STEPS,
    NRR_COVERED,
    NRR_EXCLUDED,
    REASONS,
    SCHEME_SHARE,
    STATE_MIX,
    STEP_GAPS,
    SYSTEM_MESSAGES,
    SYSTEM_STEPS,
)
from merchants.models import Declaration, Scheme
from merchants.models import DeclarationState as S


def declaration_specs(ctx: Context, merchants: list[MerchantSpec]) -> list[DeclarationSpec]:
    rng = ctx.rng
    states = [s for s, _ in STATE_MIX]
    by_county: defaultdict[str, list[int]] = defaultdict(list)
    for m in merchants:
        by_county[m.county.code].append(m.id)
    planned: list[tuple[MerchantSpec, SchemeInfo, list[int]]] = []
    for m in merchants:
        for kind, shares in SCHEME_SHARE.items():
            scheme = ctx.schemes.get(kind)
            if scheme is None or rng.random() >= shares.get(m.industry, 0.0):
                continue
            if kind == Scheme.Kind.FACTORY and not m.permits:
                continue
            members: list[int] = []
            if kind == Scheme.Kind.DISTRICT:
                neighbours = [pk for pk in by_county[m.county.code] if pk != m.id]
                if len(neighbours) < 2:
                    continue
                members = rng.sample(neighbours, min(len(neighbours), rng.randrange(5, 30)))
            planned.append((m, scheme, members))
    specs = []
    ids = ctx.ids.take(Declaration, len(planned))
    for declaration_id, (m, scheme, members) in zip(ids, planned, strict=True):
        state = rng.choices(states, cum_weights=ctx.state_cum_weights)[0]
        path = DECLARATION_PATHS[state]
        county_reviewer, city_reviewer, province_reviewer = ctx.reviewers[m.county.code]
        roll = rng.random()
        reviewer = (
            county_reviewer if roll < 0.85 else city_reviewer if roll < 0.97 else province_reviewer
        )
        specs.append(
            DeclarationSpec(
                id=declaration_id,
                merchant=m,
                scheme=scheme,
                created_by_id=m.owner_id or ctx.generator_user_id,
                path=path,
                times=timeline(ctx, path, m.created_at),
                reviewer_id=reviewer,
                details=details_for(rng, scheme.kind, m),
                members=members,
            )
        )
    return specs


def timeline(ctx: Context, path: tuple[str, ...], registered: datetime) -> list[datetime]:
    """Event times for the path: open declarations are recent, decided ones spread back."""
    rng, now = ctx.rng, ctx.now
    gaps = [timedelta(seconds=rng.uniform(*STEP_GAPS[state])) for state in path[1:]]
    total = sum(gaps, timedelta())
    earliest = registered + timedelta(hours=1)
    latest = now - timedelta(minutes=5)
    if path[-1] in (S.PENDING_REVIEW, S.UNDER_REVIEW):  # submitted in the last two weeks
        earliest = max(earliest, now - timedelta(days=14) - gaps[0])
    elif path[-1] == S.DRAFT:
        earliest = max(earliest, now - timedelta(days=60))
    earliest = min(earliest, latest)  # a merchant registered in the last hour
    if total and earliest + total > latest:  # squeeze a long history into the time it has had
        scale = max((latest - earliest) / total, 0.0) * 0.9
        gaps = [gap * scale for gap in gaps]
        total = sum(gaps, timedelta())
    t = timestamp(rng, earliest, latest - total)
    times = [t]
    for gap in gaps:
        t += gap
        times.append(t)
    return times


def details_for(rng: random.Random, kind: str, m: MerchantSpec) -> dict[str, Any]:
    if kind == Scheme.Kind.NO_REASON_RETURN:
        return {
            "return_days": rng.choice((7, 7, 7, 7, 15, 15, 30)),
            "goods_covered": rng.choice(NRR_COVERED),
            "goods_excluded": rng.choice(NRR_EXCLUDED),
            "cross_store_returns": rng.random() < 0.2,
        }
    if kind == Scheme.Kind.FACTORY:
        return {
            "production_licence": m.permits[0][1] if m.permits else "",
            "product_categories": syn.FACTORY_CATEGORIES.get(m.trade, "日用消费品"),
        }
    if kind == Scheme.Kind.FINANCIAL_OUTLET:
        return {"institution": m.institution, "outlet": m.outlet}
    return {}


DECLARATION_COLUMNS = (
    "id",
    "merchant_id",
    "region_id",
    "scheme_id",
    "state",
    "details",
    "created_by_id",
    "created_at",
    "updated_at",
    "submitted_at",
    "decided_at",
    "reviewer_id",
    "claimed_at",
    "review_due",
    "is_overdue",
    "flagged",
    "screening_incomplete",
)

REVIEWED_STATES = (S.UNDER_REVIEW, S.APPROVED, S.REJECTED, S.RETURNED)


@functools.lru_cache(maxsize=4096)
def _review_due(submitted_on: date) -> date:
    return add_working_days(submitted_on, deadlines.review_days())


def declaration_rows(specs: list[DeclarationSpec]) -> list[tuple[Any, ...]]:
    rows = []
    for d in specs:
        submitted = decided = claimed = None
        for state, t in zip(d.path, d.times, strict=True):
            if state == S.SUBMITTED:
                submitted = t
            elif state == S.UNDER_REVIEW:
                claimed = t
            elif state in (S.APPROVED, S.REJECTED, S.RETURNED):
                decided = t
        reviewed = d.path[-1] in REVIEWED_STATES
        rows.append(
            (
                d.id,
                d.merchant.id,
                d.merchant.county.code,
                d.scheme.id,
                d.path[-1],
                d.details,
                d.created_by_id,
                d.times[0],
                d.times[-1],
                submitted,
                decided,
                d.reviewer_id if reviewed else None,
                claimed if reviewed else None,
                _review_due(timezone.localdate(submitted)) if submitted else None,
                False,
                False,
                False,
            )
        )
    return rows


EVENT_COLUMNS = (
    "declaration_id",
    "actor_id",
    "from_state",
    "to_state",
    "reason",
    "message",
    "created_at",
)


def event_rows(rng: random.Random, specs: list[DeclarationSpec]) -> list[tuple[Any, ...]]:
    rows = []
    for d in specs:
        previous = ""
        for state, t in zip(d.path, d.times, strict=True):
            if state in MERCHANT_STEPS:
                actor = d.created_by_id
            elif state in SYSTEM_STEPS:
                actor = None
            else:
                actor = d.reviewer_id
            reasons = REASONS.get(state)
            reason = rng.choice(reasons) if reasons else ""
            message = SYSTEM_MESSAGES.get(state, {})
            rows.append((d.id, actor, previous, state, reason, message, t))
            previous = state
    return rows


COMMITMENT_COLUMNS = ("declaration_id", "commitment_id")


def commitment_rows(rng: random.Random, specs: list[DeclarationSpec]) -> list[tuple[Any, ...]]:
    """Submitted declarations tick every commitment; drafts only some of them so far."""
    rows = []
    for d in specs:
        ticked = d.scheme.commitment_ids
        if d.path[-1] == S.DRAFT:
            ticked = ticked[: rng.randrange(len(ticked) + 1)]
        rows.extend((d.id, commitment_id) for commitment_id in ticked)
    return rows


MEMBER_COLUMNS = ("declaration_id", "merchant_id")


def member_rows(specs: list[DeclarationSpec]) -> list[tuple[Any, ...]]:
    return [(d.id, merchant_id) for d in specs for merchant_id in d.members]
