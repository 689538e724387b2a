"""Spot-check campaigns (双随机), inspections and rectifications: every write, each audited.

The draw is a published algorithm, not a library's shuffle, so anyone can re-run it from the
exported seed, population and inspector pool in any language:

- each merchant in the population gets the key SHA-256("<seed>:m:<merchant id>"); the sample is
  the merchants with the smallest keys (as many as the sample size, or ceil(ratio * population));
- for each sampled merchant, each candidate inspector gets SHA-256("<seed>:i:<merchant id>:<user
  id>"); the inspectors with the smallest keys are assigned, the smallest being the lead.

Population: merchants in the campaign's region subtree with an approved declaration (for one of
its schemes, if any are chosen), in its industries (if any are chosen), leaving out those with a
visit in the last `exclude_recent_days` days or a visit still scheduled.

Inspectors for a merchant in county C: regulators with the inspector capability whose region
contains C, and coordinators of C. For a cross-inspection: county regulators with the inspector
capability of another county of C's city — never anyone of C.
"""

import hashlib
import math
import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import DomainError, require
from common.messages import day, msg
from merchants.models import (
    Declaration,
    DeclarationState,
    Industry,
    Merchant,
    Notification,
    Pool,
    Region,
    Scheme,
    User,
)
from merchants.permissions import region_within
from merchants.selectors import subtree_q
from merchants.services.audit import audit_log
from merchants.services.notifications import notify_rows
from review.messages import CAMPAIGN_CLOSED_BEFORE_VISIT, CAMPAIGN_DRAWN, CAMPAIGN_DRAWN_SUBJECT
from review.models import (
    MAX_DUE_AHEAD,
    MAX_SAMPLE_SIZE,
    Campaign,
    ChecklistTemplate,
    Inspection,
    InspectionAssignment,
    InspectionEvent,
    InspectionMethod,
    QualityControlSetting,
)
from review.models import InspectionState as S
from review.permissions import can_supervise

DRAW_ALGORITHM = "sha256-min-keys-v1"


# Checklists ----------------------------------------------------------------------------------


def checklist_version_bump(*, actor: User | None, template: ChecklistTemplate) -> int:
    """A template's items or fields changed: raise its version. Inspections keep their copy."""
    ChecklistTemplate.objects.filter(pk=template.pk).update(version=F("version") + 1)
    template.refresh_from_db(fields=["version"])
    audit_log(
        actor=actor,
        action="checklist_change",
        obj=template,
        data={"id": template.pk, "version": template.version},
    )
    return template.version


# Campaigns -----------------------------------------------------------------------------------


def campaign_create(
    *,
    actor: User,
    name: str,
    region: Region,
    method: str,
    checklist: ChecklistTemplate,
    due_date: date,
    sample_size: int | None = None,
    sample_ratio: Decimal | None = None,
    schemes: Iterable[Scheme] = (),
    industries: Sequence[str] = (),
    pools: Sequence[str] = (),
    inspectors_per_visit: int = 2,
    is_cross: bool = False,
    exclude_recent_days: int | None = None,
) -> Campaign:
    require(
        can_supervise(actor, region),
        _("Only a supervisor of this region can define a campaign for it."),
    )
    require(bool(name.strip()), _("Give the campaign a name."))
    require(method in InspectionMethod.values, _("Choose an inspection method."))
    require(
        (sample_size is None) != (sample_ratio is None),
        _("Give a sample size or a sample ratio, not both."),
    )
    require(sample_size is None or sample_size >= 1, _("The sample size must be at least 1."))
    require(
        sample_size is None or sample_size <= MAX_SAMPLE_SIZE,
        _("The sample size must be between 1 and 100,000."),
    )
    require(
        sample_ratio is None or Decimal("0") < sample_ratio <= Decimal("1"),
        _("The sample ratio must be above 0 and at most 1 (e.g. 0.05 for 5%)."),
    )
    require(1 <= inspectors_per_visit <= 5, _("Between 1 and 5 inspectors per visit."))
    require(due_date > timezone.localdate(), _("The due date must be after today."))
    require(
        due_date <= timezone.localdate() + MAX_DUE_AHEAD,
        _("The due date must be within two years from today."),
    )
    require(checklist.is_active, _("This checklist is no longer in use; choose another."))
    unknown = sorted(set(industries) - set(Industry.values))
    require(not unknown, _("Unknown industries: %(codes)s.") % {"codes": ", ".join(unknown)})
    unknown = sorted(set(pools) - set(Pool.values))
    require(not unknown, _("Unknown pools: %(codes)s.") % {"codes": ", ".join(unknown)})
    if exclude_recent_days is None:
        exclude_recent_days = QualityControlSetting.current().exclude_recent_days
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=name.strip(),
            region=region,
            method=method,
            checklist=checklist,
            due_date=due_date,
            sample_size=sample_size,
            sample_ratio=sample_ratio,
            industries=sorted(set(industries)),
            pools=sorted(set(pools)),
            inspectors_per_visit=inspectors_per_visit,
            is_cross=is_cross,
            exclude_recent_days=exclude_recent_days,
            created_by=actor,
        )
        campaign.schemes.set(schemes)
        audit_log(actor=actor, action="campaign_create", obj=campaign, data={"id": campaign.pk})
    return campaign


def campaign_population(campaign: Campaign, *, now: Any = None) -> list[int]:
    """The ids of the merchants in the campaign's scope, ascending."""
    now = now or timezone.now()
    approved = Declaration.objects.filter(merchant=OuterRef("pk"), state=DeclarationState.APPROVED)
    scheme_ids = list(campaign.schemes.values_list("pk", flat=True))
    if scheme_ids:
        approved = approved.filter(scheme_id__in=scheme_ids)
    qs = Merchant.objects.filter(subtree_q(campaign.region)).filter(Exists(approved))
    if campaign.industries:
        qs = qs.filter(industry__in=campaign.industries)
    if campaign.pools:
        qs = qs.filter(standing__pool__in=campaign.pools)
    recent = Inspection.objects.filter(merchant=OuterRef("pk")).filter(
        Q(state=S.SCHEDULED) | Q(visited_at__gte=now - timedelta(days=campaign.exclude_recent_days))
        if campaign.exclude_recent_days
        else Q(state=S.SCHEDULED)
    )
    qs = qs.exclude(Exists(recent))
    return list(qs.order_by("pk").values_list("pk", flat=True))


def _key(*parts: object) -> bytes:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()


def sample_count(campaign: Campaign, population: int) -> int:
    if campaign.sample_size is not None:
        return min(campaign.sample_size, population)
    return min(population, math.ceil(Decimal(population) * campaign.sample_ratio))


def draw_sample(seed: str, population: Sequence[int], count: int) -> list[int]:
    """The `count` merchants with the smallest keys, in key order (the order drawn)."""
    return sorted(population, key=lambda pk: _key(seed, "m", pk))[:count]


def draw_inspectors(
    seed: str, merchant_id: int, candidates: Sequence[int], count: int
) -> list[int]:
    return sorted(candidates, key=lambda uid: _key(seed, "i", merchant_id, uid))[:count]


def inspector_pool(campaign: Campaign, counties: Iterable[str]) -> dict[str, list[int]]:
    """County code → ids of the users who may be drawn to inspect a merchant there."""
    counties = sorted(set(counties))
    if not counties:
        return {}
    regulators = [
        (pk, Region(code=code, level=level))
        for pk, code, level in User.objects.filter(
            role=User.Role.REGULATOR, can_inspect=True, is_active=True, region__isnull=False
        ).values_list("pk", "region_id", "region__level")
    ]
    coordinators = list(
        User.objects.filter(
            role=User.Role.COORDINATOR, is_active=True, region_id__in=counties
        ).values_list("pk", "region_id")
    )
    pool: dict[str, list[int]] = {}
    for county in counties:
        if campaign.is_cross:
            ids = [
                pk
                for pk, region in regulators
                if region.level == Region.Level.COUNTY
                and region.code[:4] == county[:4]
                and region.code != county
            ]
        else:
            # The regulator's own region must contain the county: itself, its city, its province.
            ids = [pk for pk, region in regulators if region_within(county, region)]
            ids += [pk for pk, code in coordinators if code == county]
        pool[county] = sorted(set(ids))
    return pool


@dataclass(frozen=True)
class DrawnVisit:
    merchant_id: int
    county: str
    inspector_ids: list[int]


@dataclass(frozen=True)
class Draw:
    seed: str
    population: list[int]
    pool: dict[str, list[int]]
    visits: list[DrawnVisit]

    @property
    def digest(self) -> str:
        return population_digest(self.population)


def population_digest(population: Sequence[int]) -> str:
    return hashlib.sha256(",".join(str(pk) for pk in population).encode()).hexdigest()


def draw_run(
    campaign: Campaign,
    *,
    seed: str,
    population: list[int],
    pool: dict[str, list[int]] | None,
    counties: dict[int, str] | None = None,
) -> Draw:
    """Apply the published algorithm. With `pool` None the pool is read from the current users."""
    chosen = draw_sample(seed, population, sample_count(campaign, len(population)))
    if counties is None:
        counties = dict(Merchant.objects.filter(pk__in=chosen).values_list("pk", "region_id"))
    if pool is None:
        pool = inspector_pool(campaign, counties.values())
    visits = []
    for merchant_id in chosen:
        county = counties[merchant_id]
        candidates = pool.get(county, [])
        if len(candidates) < campaign.inspectors_per_visit:
            region = Region.objects.filter(code=county).first()
            raise DomainError(
                _(
                    "Not enough inspectors for %(county)s: %(found)d can be drawn, each visit "
                    "needs %(needed)d. Give more regulators the inspector capability, or ask "
                    "for fewer inspectors per visit."
                )
                % {
                    "county": region.name if region else county,
                    "found": len(candidates),
                    "needed": campaign.inspectors_per_visit,
                }
            )
        visits.append(
            DrawnVisit(
                merchant_id,
                county,
                draw_inspectors(seed, merchant_id, candidates, campaign.inspectors_per_visit),
            )
        )
    return Draw(seed=seed, population=population, pool=pool, visits=visits)


def campaign_draw(*, actor: User, campaign: Campaign, seed: str | None = None) -> Campaign:
    """Draw the sample and the inspectors, and schedule a visit for each merchant drawn.

    `seed` is for tests and re-runs; normally a fresh random seed is generated here.
    """
    require(can_supervise(actor, campaign.region), _("Only a supervisor can draw this campaign."))
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        require(
            locked.state == Campaign.State.DRAFT,
            _("This campaign has been drawn already; a draw cannot be repeated."),
        )
        now = timezone.now()
        seed = seed or secrets.token_hex(16)
        population = campaign_population(locked, now=now)
        require(
            bool(population),
            _("No merchant is in this campaign's scope; widen the region, schemes or industries."),
        )
        draw = draw_run(locked, seed=seed, population=population, pool=None)
        snapshot = locked.checklist.snapshot()
        inspections = Inspection.objects.bulk_create(
            [
                Inspection(
                    campaign=locked,
                    merchant_id=visit.merchant_id,
                    region_id=visit.county,
                    method=locked.method,
                    draw_order=order,
                    due_date=locked.due_date,
                    checklist_template=locked.checklist,
                    checklist_version=locked.checklist.version,
                    checklist=snapshot,
                )
                for order, visit in enumerate(draw.visits, start=1)
            ]
        )
        InspectionAssignment.objects.bulk_create(
            InspectionAssignment.of(inspection, inspector_id=uid, is_lead=index == 0)
            for inspection, visit in zip(inspections, draw.visits, strict=True)
            for index, uid in enumerate(visit.inspector_ids)
        )
        InspectionEvent.objects.bulk_create(
            InspectionEvent(
                inspection=inspection,
                actor=actor,
                action=InspectionEvent.Action.DRAWN,
                to_state=S.SCHEDULED,
                created_at=now,
            )
            for inspection in inspections
        )
        locked.seed = seed
        locked.population = population
        locked.inspector_pool = draw.pool
        locked.population_count = len(population)
        locked.population_digest = draw.digest
        locked.state = Campaign.State.DRAWN
        locked.drawn_at = now
        locked.drawn_by = actor
        locked.save(
            update_fields=[
                "seed",
                "population",
                "inspector_pool",
                "population_count",
                "population_digest",
                "state",
                "drawn_at",
                "drawn_by",
            ]
        )
        audit_log(
            actor=actor,
            action="campaign_draw",
            obj=locked,
            data={
                "id": locked.pk,
                "seed": seed,
                "population": len(population),
                "sample": len(draw.visits),
                "algorithm": DRAW_ALGORITHM,
            },
        )
        _notify_inspectors(locked, draw)
    campaign.refresh_from_db()
    return campaign


def _notify_inspectors(campaign: Campaign, draw: Draw) -> None:
    counts = Counter(uid for visit in draw.visits for uid in visit.inspector_ids)
    key = f"campaign-{campaign.pk}-drawn"
    subject = msg(CAMPAIGN_DRAWN_SUBJECT)
    notify_rows(
        [
            Notification(
                user_id=uid,
                key=key,
                subject_message=subject,
                body_message=msg(
                    CAMPAIGN_DRAWN, campaign=campaign.name, count=count, due=day(campaign.due_date)
                ),
                link=reverse("inspection-assignments"),
            )
            for uid, count in counts.items()
        ]
    )


@dataclass(frozen=True)
class DrawCheck:
    matches: bool
    sample_matches: bool
    inspectors_match: bool
    digest_matches: bool
    sample_size: int


def campaign_verify_draw(campaign: Campaign) -> DrawCheck:
    """Run the draw again from the stored seed, population and pool; compare with what was
    scheduled. Anyone who may see the campaign may do this; nothing is written."""
    require(campaign.state != Campaign.State.DRAFT, _("This campaign has not been drawn yet."))
    counties = dict(campaign.inspections.values_list("merchant_id", "region_id"))
    population = list(campaign.population)
    rerun = draw_run(
        campaign,
        seed=campaign.seed,
        population=population,
        pool={k: list(v) for k, v in campaign.inspector_pool.items()},
        counties=counties,
    )
    scheduled = list(campaign.inspections.order_by("draw_order").values_list("pk", "merchant_id"))
    assigned: dict[int, list[int]] = {}
    for inspection_id, uid in (
        InspectionAssignment.objects.filter(inspection__campaign=campaign)
        .order_by("-is_lead", "pk")
        .values_list("inspection_id", "inspector_id")
    ):
        assigned.setdefault(inspection_id, []).append(uid)
    sample_matches = [m for _pk, m in scheduled] == [v.merchant_id for v in rerun.visits]
    inspectors_match = sample_matches and all(
        sorted(assigned.get(pk, [])) == sorted(v.inspector_ids)
        for (pk, _m), v in zip(scheduled, rerun.visits, strict=True)
    )
    digest_matches = population_digest(population) == campaign.population_digest
    return DrawCheck(
        matches=sample_matches and inspectors_match and digest_matches,
        sample_matches=sample_matches,
        inspectors_match=inspectors_match,
        digest_matches=digest_matches,
        sample_size=len(rerun.visits),
    )


def campaign_close(*, actor: User, campaign: Campaign) -> Campaign:
    """Close the campaign; visits never made are cancelled (with an event each)."""
    require(can_supervise(actor, campaign.region), _("Only a supervisor can close this campaign."))
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        require(
            locked.state == Campaign.State.DRAWN,
            _("Only a drawn campaign can be closed."),
        )
        now = timezone.now()
        unvisited = list(locked.inspections.filter(state=S.SCHEDULED).values_list("pk", flat=True))
        Inspection.objects.filter(pk__in=unvisited, state=S.SCHEDULED).update(
            state=S.CANCELLED, closed_at=now, updated_at=now
        )
        InspectionAssignment.objects.filter(inspection_id__in=unvisited).update(is_open=False)
        InspectionEvent.objects.bulk_create(
            InspectionEvent(
                inspection_id=pk,
                actor=actor,
                action=InspectionEvent.Action.CANCELLED,
                from_state=S.SCHEDULED,
                to_state=S.CANCELLED,
                message=msg(CAMPAIGN_CLOSED_BEFORE_VISIT),
                created_at=now,
            )
            for pk in unvisited
        )
        locked.state = Campaign.State.CLOSED
        locked.closed_at = now
        locked.save(update_fields=["state", "closed_at"])
        audit_log(
            actor=actor,
            action="campaign_close",
            obj=locked,
            data={"id": locked.pk, "cancelled": len(unvisited)},
        )
    campaign.refresh_from_db()
    return campaign
