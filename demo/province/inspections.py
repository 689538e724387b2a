"""Spot-check inspections of the generated merchants over the last two years.

Each city gets CAMPAIGNS_PER_CITY closed campaigns, one a quarter or so, created and drawn by the
city's generated regulator with the general checklist (its snapshot taken once and shared). A
run asks for a total of inspections; each merchant batch gets its share, drawn at random among
the batch's merchants, each visit in one of its city's campaigns (a merchant at most once per
campaign). Results: ~78% pass, ~17% rectify, ~5% fail, answers and score agreeing with the result
(a critical item not met only in a fail). A pass is closed on the visit; a rectify or fail is
closed once its rectification was accepted (a Rectification row), except in the latest campaign
where some still wait for the merchant (rectifying) or the inspector (rectification submitted).
Two inspectors per visit: the county's generated regulator leads (another county's in a
cross-inspection), the city's joins. No events, photos or files are written.
"""

import json
import random
from bisect import bisect
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate
from typing import Any

from django.db import connection
from django.utils import timezone

from common.errors import DomainError
from demo.province.context import County, MerchantSpec, timestamp
from review.models import Campaign, ChecklistTemplate, InspectionMethod
from review.models import InspectionResult as R
from review.models import InspectionState as S
from review.services.inspections import inspection_score

CAMPAIGNS_PER_CITY = 8
YEARS = 2
VISIT_DAYS = 30  # a campaign's visits spread over this many days after its draw
RECTIFICATION_DAYS = 15
RESULT_MIX = ((R.PASS, 78), (R.RECTIFY, 17), (R.FAIL, 5))
METHOD_MIX = (
    (InspectionMethod.ON_SITE, 60),
    (InspectionMethod.ONLINE, 25),
    (InspectionMethod.COVERT, 15),
)
FINDINGS_INTRO = "请限期整改以下问题。"
REPORTS = (
    "已按要求完成整改。相关照片已上传。",
    "已重新张贴公示材料并完善台账。",
    "已下架相关商品并对员工进行培训。",
)


@dataclass(slots=True)
class CampaignSpec:
    id: int
    city_code: str
    method: str
    is_cross: bool
    drawn_at: datetime
    due_date: date
    latest: bool


@dataclass
class InspectionPlan:
    campaigns: dict[str, list[CampaignSpec]]  # city code → its campaigns
    template_id: int
    version: int
    checklist: list[dict]
    checklist_cell: Any  # the snapshot as bulk_write is handed it (JSON text on PostgreSQL)
    counties_by_city: dict[str, list[str]]
    draw_orders: dict[int, int]


def inspections_rng(seed: int, specs: list[MerchantSpec]) -> random.Random:
    return random.Random(f"inspections {seed} {specs[0].uscc if specs else ''}")


def create_campaigns(
    seed: int,
    now: datetime,
    counties: list[County],
    reviewers: dict[str, tuple[int, int, int]],
) -> InspectionPlan:
    """The closed campaigns (ORM: a few dozen rows) and the shared checklist snapshot."""
    template = (
        ChecklistTemplate.objects.filter(scheme__isnull=True, is_active=True).order_by("id").first()
    )
    if template is None:
        raise DomainError("No general checklist found: run the migrations first (they seed it).")
    checklist = template.snapshot()
    rng = random.Random(f"campaigns {seed}")
    cities = sorted({(c.city_code, c.city_name) for c in counties})
    city_regulator = {c.city_code: reviewers[c.code][1] for c in counties}
    methods = [m for m, _ in METHOD_MIX]
    method_weights = [w for _, w in METHOD_MIX]
    start = now - timedelta(days=365 * YEARS)
    last_draw = now - timedelta(days=VISIT_DAYS + 10)
    step = (last_draw - start) / (CAMPAIGNS_PER_CITY - 1)
    campaigns: dict[str, list[CampaignSpec]] = {}
    for city_code, city_name in cities:
        for n in range(CAMPAIGNS_PER_CITY):
            drawn_at = start + step * n + timedelta(hours=rng.uniform(0, 72))
            created_at = drawn_at - timedelta(days=rng.uniform(1, 7))
            due = timezone.localdate(drawn_at + timedelta(days=VISIT_DAYS))
            method = rng.choices(methods, method_weights)[0]
            is_cross = rng.random() < 0.3
            campaign = Campaign.objects.create(
                name=f"{city_name}{timezone.localdate(drawn_at):%Y年%m月}放心消费专项抽查",
                region_id=city_code,
                method=method,
                checklist=template,
                sample_size=1,  # the real count is written at the end of the run
                inspectors_per_visit=2,
                is_cross=is_cross,
                due_date=due,
                seed=f"{rng.getrandbits(128):032x}",
                state=Campaign.State.CLOSED,
                created_by_id=city_regulator[city_code],
                created_at=created_at,
                drawn_at=drawn_at,
                drawn_by_id=city_regulator[city_code],
                population_count=0,
                closed_at=datetime.combine(due, datetime.min.time(), tzinfo=now.tzinfo)
                + timedelta(days=rng.uniform(1, 5)),
            )
            campaigns.setdefault(city_code, []).append(
                CampaignSpec(
                    campaign.pk,
                    city_code,
                    method,
                    is_cross,
                    drawn_at,
                    due,
                    n == CAMPAIGNS_PER_CITY - 1,
                )
            )
    counties_by_city: dict[str, list[str]] = {}
    for c in counties:
        counties_by_city.setdefault(c.city_code, []).append(c.code)
    cell: Any = checklist
    if connection.vendor == "postgresql":
        cell = json.dumps(checklist, ensure_ascii=False, separators=(",", ":"))
    return InspectionPlan(
        campaigns=campaigns,
        template_id=template.pk,
        version=template.version,
        checklist=checklist,
        checklist_cell=cell,
        counties_by_city=counties_by_city,
        draw_orders={},
    )


def finish_campaigns(plan: InspectionPlan, merchants_per_city: dict[str, int]) -> None:
    """Write each campaign's sample size (its visits) and population (its city's merchants)."""
    for city_code, campaigns in plan.campaigns.items():
        for campaign in campaigns:
            Campaign.objects.filter(pk=campaign.id).update(
                sample_size=max(plan.draw_orders.get(campaign.id, 0), 1),
                population_count=merchants_per_city.get(city_code, 0),
            )


INSPECTION_COLUMNS = (
    "id",
    "campaign_id",
    "merchant_id",
    "region_id",
    "method",
    "draw_order",
    "state",
    "due_date",
    "checklist_template_id",
    "checklist_version",
    "checklist",
    "answers",
    "score",
    "result",
    "notes",
    "findings",
    "recorded_by_id",
    "visited_at",
    "rectification_due",
    "closed_at",
    "updated_at",
)
ASSIGNMENT_COLUMNS = (
    "inspection_id",
    "inspector_id",
    "is_lead",
    "due_date",
    "draw_order",
    "is_open",
    "region_id",
)
RECTIFICATION_COLUMNS = (
    "inspection_id",
    "report",
    "submitted_by_id",
    "submitted_at",
    "decision",
    "decision_reason",
    "decided_by_id",
    "decided_at",
)


def _answers(
    rng: random.Random, checklist: list[dict], result: str
) -> tuple[dict[str, str], list[dict]]:
    """Answers fitting the result, and the items not met."""
    critical = [item for item in checklist if item["critical"]]
    ordinary = [item for item in checklist if not item["critical"]]
    if result == R.PASS:
        missed = rng.sample(ordinary, rng.choices((0, 1), (80, 20))[0])
    elif result == R.RECTIFY:
        missed = rng.sample(ordinary, min(len(ordinary), rng.choice((1, 1, 2, 2, 3))))
    else:
        missed = rng.sample(critical, 1) + rng.sample(ordinary, rng.choice((0, 1, 2)))
    answers = {item["code"]: "yes" for item in checklist}
    for item in missed:
        answers[item["code"]] = "no"
    if result == R.PASS or rng.random() < 0.1:  # now and then an item does not apply
        spare = [item for item in ordinary if answers[item["code"]] == "yes"]
        if spare and rng.random() < 0.15:
            answers[rng.choice(spare)["code"]] = "na"
    return answers, missed


def inspection_rows(
    rng: random.Random,
    now: datetime,
    specs: list[MerchantSpec],
    count: int,
    plan: InspectionPlan,
    reviewers: dict[str, tuple[int, int, int]],
    ids: list[int],
    submitter: int,
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(inspections, assignments, rectifications) for `count` visits to the batch's merchants."""
    if count <= 0 or not specs:
        return [], [], []
    results = [r for r, _ in RESULT_MIX]
    result_cum = list(accumulate(w for _, w in RESULT_MIX))
    zone = timezone.get_current_timezone()
    taken: set[tuple[int, int]] = set()
    visits: list[tuple[MerchantSpec, CampaignSpec]] = []
    attempts = 0
    while len(visits) < count:
        attempts += 1
        m = specs[int(rng.random() * len(specs))]
        campaign = rng.choice(plan.campaigns[m.county.city_code])
        # A merchant registered after a campaign's draw could not have been drawn in it (unless
        # the batch has too few older merchants to place the visits).
        if m.created_at > campaign.drawn_at and attempts < 20 * count:
            continue
        if (campaign.id, m.id) in taken:
            continue
        taken.add((campaign.id, m.id))
        visits.append((m, campaign))
    visits.sort(key=lambda v: (v[1].id, v[0].id))
    inspections, assignments, rectifications = [], [], []
    for inspection_id, (m, campaign) in zip(ids, visits, strict=True):
        order = plan.draw_orders.get(campaign.id, 0) + 1
        plan.draw_orders[campaign.id] = order
        county_reviewer, city_reviewer, _province = reviewers[m.county.code]
        lead = county_reviewer
        if campaign.is_cross:
            others = [c for c in plan.counties_by_city[campaign.city_code] if c != m.county.code]
            if others:
                lead = reviewers[rng.choice(others)][0]
        result = results[bisect(result_cum, rng.random() * result_cum[-1])]
        answers, missed = _answers(rng, plan.checklist, result)
        visited = max(
            timestamp(
                rng,
                campaign.drawn_at + timedelta(hours=2),
                campaign.drawn_at + timedelta(days=VISIT_DAYS),
            ),
            m.created_at + timedelta(hours=1),
        )
        visited = min(visited, now - timedelta(hours=1))
        findings = ""
        rectification_due = None
        closed = None
        state = S.CLOSED
        if result == R.PASS:
            closed = visited
        else:
            findings = FINDINGS_INTRO + "".join(item["text"] + "。" for item in missed)
            rectification_due = visited.astimezone(zone).date() + timedelta(days=RECTIFICATION_DAYS)
            roll = rng.random()
            if campaign.latest and roll < 0.35:
                state = S.RECTIFYING
            elif campaign.latest and roll < 0.55:
                state = S.RECTIFICATION_SUBMITTED
            submitted = None
            if state != S.RECTIFYING:
                submitted = min(
                    visited + timedelta(days=rng.uniform(2, RECTIFICATION_DAYS)),
                    now - timedelta(minutes=30),
                )
            decided = None
            if state == S.CLOSED and submitted is not None:
                decided = min(
                    submitted + timedelta(days=rng.uniform(0.5, 5)), now - timedelta(minutes=5)
                )
                closed = decided
            if submitted is not None:
                rectifications.append(
                    (
                        inspection_id,
                        rng.choice(REPORTS),
                        m.owner_id or submitter,
                        submitted,
                        "accepted" if decided is not None else "",
                        "",
                        lead if decided is not None else None,
                        decided,
                    )
                )
        is_open = state != S.CLOSED
        for inspector, is_lead in ((lead, True), (city_reviewer, False)):
            assignments.append(
                (
                    inspection_id,
                    inspector,
                    is_lead,
                    campaign.due_date,
                    order,
                    is_open,
                    m.county.code,
                )
            )
        inspections.append(
            (
                inspection_id,
                campaign.id,
                m.id,
                m.county.code,
                campaign.method,
                order,
                state,
                campaign.due_date,
                plan.template_id,
                plan.version,
                plan.checklist_cell,
                answers,
                inspection_score(plan.checklist, answers),
                result,
                "",
                findings,
                lead,
                visited,
                rectification_due,
                closed,
                closed or visited,
            )
        )
    return inspections, assignments, rectifications
