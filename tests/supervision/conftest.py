"""A small province for the cockpit: merchants in Xihu, Binjiang and Ningbo's Haishu, with
complaints, inspections, declarations, standings, pool moves, a coordinator and a station, at
dates chosen around NOW (working days counted on the official calendar)."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from complaints.models import ComplaintCategory, ComplaintState
from merchants.models import Declaration, Industry, Merchant, Pool, Station, User
from review.models import Campaign, InspectionResult
from supervision.services.refresh import supervision_refresh
from tests.factories import (
    CampaignFactory,
    ComplaintFactory,
    DeclarationFactory,
    InspectionFactory,
    MerchantFactory,
    PoolChangeFactory,
    StandingFactory,
    UserFactory,
    region,
)

TZ = timezone.get_fixed_timezone(8 * 60)


def at(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=TZ)


NOW = at(2026, 11, 20, 12)


@dataclass
class Province:
    xihu_tea: Merchant
    xihu_shop: Merchant
    binjiang: Merchant
    haishu: Merchant


def _complaint(merchant: Merchant | None, created: datetime, **fields: object) -> object:
    if merchant is None:
        fields.setdefault("business_name", "无证小摊")
        fields.setdefault("region", region("330106"))
    return ComplaintFactory(merchant=merchant, created_at=created, **fields)


def build_province() -> Province:
    tea = MerchantFactory(name="西湖茶楼", region=region("330106"), industry=Industry.CATERING)
    shop = MerchantFactory(name="西湖小店", region=region("330106"), industry=Industry.RETAIL)
    binjiang = MerchantFactory(
        name="滨江超市", region=region("330108"), industry=Industry.SUPERMARKET
    )
    haishu = MerchantFactory(
        name="海曙酒店", region=region("330203"), industry=Industry.HOSPITALITY
    )

    # Complaints. Settled in 2 working days (Mon 2 Nov to Wed 4 Nov), 100 yuan, rated 5.
    _complaint(
        tea,
        at(2026, 11, 2),
        state=ComplaintState.SETTLED,
        accepted_at=at(2026, 11, 2, 15),
        closed_at=at(2026, 11, 4),
        close_due=at(2026, 12, 31).date(),
        amount=Decimal("100.00"),
        rating=5,
    )
    # Mediation failed after 19 working days (Mon 12 Oct to Fri 6 Nov), late, rated 2.
    _complaint(
        tea,
        at(2026, 10, 12),
        category=ComplaintCategory.PRICE,
        state=ComplaintState.MEDIATION_FAILED,
        accepted_at=at(2026, 10, 13),
        closed_at=at(2026, 11, 6),
        close_due=at(2026, 11, 1).date(),
        amount=Decimal("50.00"),
        rating=2,
    )
    _complaint(shop, at(2026, 11, 10), category=ComplaintCategory.SERVICE)
    # Three accepted within the week: the shop crosses the warning's threshold (3 in 30 days).
    for day in (15, 16, 18):
        _complaint(
            shop,
            at(2026, 11, day),
            state=ComplaintState.WITH_MERCHANT,
            accepted_at=at(2026, 11, day, 16),
            is_overdue=day == 15,
        )
    _complaint(None, at(2026, 11, 5), category=ComplaintCategory.SAFETY)
    # Last year, Binjiang.
    _complaint(
        binjiang,
        at(2025, 6, 2),
        state=ComplaintState.SETTLED,
        accepted_at=at(2025, 6, 2),
        closed_at=at(2025, 6, 10),
        close_due=at(2025, 7, 31).date(),
        amount=Decimal("30.00"),
    )
    # Withdrawn before acceptance in Haishu: closed, not handled.
    _complaint(
        haishu, at(2026, 11, 3), state=ComplaintState.WITHDRAWN, closed_at=at(2026, 11, 3, 18)
    )

    # Inspections: drawn on 1 Nov; Xihu failed, Binjiang passed, Haishu not visited yet.
    campaign = CampaignFactory(state=Campaign.State.DRAWN, drawn_at=at(2026, 11, 1))
    InspectionFactory(
        campaign=campaign, merchant=tea, result=InspectionResult.FAIL, visited_at=at(2026, 11, 5)
    )
    InspectionFactory(
        campaign=campaign,
        merchant=binjiang,
        result=InspectionResult.PASS,
        visited_at=at(2026, 11, 6),
    )
    InspectionFactory(campaign=campaign, merchant=haishu)

    # Declarations: approved after 5 working days; one pending and overdue; one under review.
    DeclarationFactory(
        merchant=tea,
        state=Declaration.State.APPROVED,
        submitted_at=at(2026, 11, 2),
        decided_at=at(2026, 11, 9),
    )
    DeclarationFactory(
        merchant=shop,
        state=Declaration.State.PENDING_REVIEW,
        submitted_at=at(2026, 11, 3),
        review_due=at(2026, 11, 17).date(),
    )
    DeclarationFactory(
        merchant=binjiang,
        state=Declaration.State.UNDER_REVIEW,
        submitted_at=at(2026, 11, 18),
        review_due=at(2026, 12, 2).date(),
    )

    # Standings and pool moves.
    StandingFactory(merchant=tea, pool=Pool.STAR_RATED, stars=2)
    StandingFactory(merchant=shop, pool=Pool.SELECTION)
    StandingFactory(merchant=binjiang, pool=Pool.WARNING)
    for from_pool, to_pool, when in (
        ("", Pool.SELECTION, at(2026, 9, 1)),
        (Pool.SELECTION, Pool.CULTIVATION, at(2026, 10, 1, 12)),
        (Pool.CULTIVATION, Pool.STAR_RATED, at(2026, 11, 2)),
    ):
        PoolChangeFactory(merchant=tea, from_pool=from_pool, to_pool=to_pool, created_at=when)
    PoolChangeFactory(
        merchant=binjiang,
        from_pool=Pool.CULTIVATION,
        to_pool=Pool.WARNING,
        created_at=at(2026, 11, 9),
    )

    # The network: a coordinator and a station in Xihu.
    UserFactory(username="coord-xihu", role=User.Role.COORDINATOR, region=region("330106"))
    Station.objects.create(
        name="龙井村", region=region("330106"), address="龙井路1号", phone="057187000000"
    )
    return Province(xihu_tea=tea, xihu_shop=shop, binjiang=binjiang, haishu=haishu)


@pytest.fixture
def province(db) -> Province:
    built = build_province()
    supervision_refresh(recent=False, now=NOW)
    return built
