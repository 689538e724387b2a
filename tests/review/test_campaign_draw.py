"""The random draw (双随机): reproducible from its seed, scoped, sized, cross-county, audited."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from common.errors import DomainError
from merchants.models import AuditEntry, Industry, Notification, Pool, User
from review.models import Campaign, Inspection, InspectionAssignment, InspectionEvent
from review.services.campaigns import (
    campaign_close,
    campaign_create,
    campaign_draw,
    campaign_population,
    campaign_verify_draw,
    draw_run,
)
from tests.factories import (
    CampaignFactory,
    InspectionFactory,
    RegulatorFactory,
    StandingFactory,
    approved_merchants,
    checklist,
    region,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor(city_regulator) -> User:
    city_regulator.can_supervise = True
    city_regulator.save(update_fields=["can_supervise"])
    return city_regulator


def _campaign(supervisor: User, **kwargs: object) -> Campaign:
    kwargs.setdefault("sample_size", 5)
    return CampaignFactory(created_by=supervisor, region=region("330100"), **kwargs)


def _sample(campaign: Campaign) -> list[int]:
    return list(campaign.inspections.order_by("draw_order").values_list("merchant_id", flat=True))


def _assignments(campaign: Campaign) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for merchant_id, uid in (
        InspectionAssignment.objects.filter(inspection__campaign=campaign)
        .order_by("inspection__draw_order", "-is_lead", "pk")
        .values_list("inspection__merchant_id", "inspector_id")
    ):
        out.setdefault(merchant_id, []).append(uid)
    return out


def test_same_seed_same_draw_different_seed_different_draw(supervisor, county_regulator):
    approved_merchants(30)
    first = _campaign(supervisor)
    campaign_draw(actor=supervisor, campaign=first, seed="seed-one")
    drawn = _sample(first)
    assert len(drawn) == 5
    # A second campaign over the same scope, drawn once the first is closed (its unvisited
    # visits cancelled, so nobody is left out): the same seed gives the same sample.
    campaign_close(actor=supervisor, campaign=first)
    second = _campaign(supervisor)
    campaign_draw(actor=supervisor, campaign=second, seed="seed-one")
    assert _sample(second) == drawn
    assert _assignments(second) == _assignments(first)
    # Re-running the published algorithm from the stored data gives the same visits too.
    first.refresh_from_db()
    rerun = draw_run(first, seed="seed-one", population=first.population, pool=first.inspector_pool)
    assert [v.merchant_id for v in rerun.visits] == drawn
    other = draw_run(first, seed="seed-two", population=first.population, pool=first.inspector_pool)
    assert [v.merchant_id for v in other.visits] != drawn


def test_a_draw_stores_its_seed_population_and_digest_and_verifies(supervisor, county_regulator):
    merchants = approved_merchants(8)
    campaign = _campaign(supervisor, sample_size=3)
    campaign_draw(actor=supervisor, campaign=campaign)
    campaign.refresh_from_db()
    assert len(campaign.seed) == 32
    assert campaign.state == Campaign.State.DRAWN
    assert campaign.population == sorted(m.pk for m in merchants)
    assert campaign.population_count == 8
    assert len(campaign.population_digest) == 64
    assert campaign.drawn_by == supervisor
    check = campaign_verify_draw(campaign)
    assert check.matches and check.sample_size == 3
    # Someone swaps an inspector by hand: the check says so.
    assignment = InspectionAssignment.objects.filter(inspection__campaign=campaign).first()
    assignment.inspector = RegulatorFactory(username="swapped-in", region=region("330106"))
    assignment.save()
    check = campaign_verify_draw(campaign)
    assert check.sample_matches and not check.inspectors_match and not check.matches


def test_draw_schedules_visits_with_events_audit_and_notifications(supervisor, county_regulator):
    approved_merchants(4)
    campaign = _campaign(supervisor, sample_size=2)
    campaign_draw(actor=supervisor, campaign=campaign)
    inspections = list(campaign.inspections.all())
    assert {i.state for i in inspections} == {Inspection.State.SCHEDULED}
    assert all(
        i.checklist and i.checklist_version == campaign.checklist.version for i in inspections
    )
    assert (
        InspectionEvent.objects.filter(
            inspection__campaign=campaign, action=InspectionEvent.Action.DRAWN
        ).count()
        == 2
    )
    entry = AuditEntry.objects.get(action="campaign_draw")
    assert entry.actor == supervisor and entry.data["seed"] == campaign.seed
    inspector_ids = set(
        InspectionAssignment.objects.filter(inspection__campaign=campaign).values_list(
            "inspector_id", flat=True
        )
    )
    assert (
        set(
            Notification.objects.filter(key=f"campaign-{campaign.pk}-drawn").values_list(
                "user_id", flat=True
            )
        )
        == inspector_ids
    )


def test_a_campaign_is_drawn_once(supervisor, county_regulator):
    approved_merchants(3)
    campaign = _campaign(supervisor, sample_size=1)
    campaign_draw(actor=supervisor, campaign=campaign)
    with pytest.raises(DomainError, match="drawn already"):
        campaign_draw(actor=supervisor, campaign=campaign)
    assert campaign.inspections.count() == 1


def test_cross_inspection_never_draws_an_inspector_of_the_merchants_county(supervisor):
    approved_merchants(6, county="330106")
    approved_merchants(6, county="330108")
    # Two county inspectors in each of four Hangzhou counties, and the city's own.
    for county in ("330102", "330105", "330106", "330108"):
        RegulatorFactory.create_batch(2, region=region(county))
    RegulatorFactory(username="city-inspector", region=region("330100"))
    campaign = _campaign(supervisor, sample_size=12, is_cross=True, inspectors_per_visit=2)
    campaign_draw(actor=supervisor, campaign=campaign)
    visits = campaign.inspections.prefetch_related("assignments__inspector")
    assert visits.count() == 12
    for inspection in visits:
        inspectors = [a.inspector for a in inspection.assignments.all()]
        assert len(inspectors) == 2
        for inspector in inspectors:
            assert inspector.region_id != inspection.region_id
            assert inspector.region.level == "county"
            assert inspector.region_id[:4] == inspection.region_id[:4]


def test_ordinary_draw_takes_inspectors_whose_region_contains_the_county(supervisor):
    approved_merchants(5, county="330106")
    xihu = RegulatorFactory(username="xihu-inspector", region=region("330106"))
    ningbo = RegulatorFactory(username="ningbo-city", region=region("330200"))
    binjiang = RegulatorFactory(username="binjiang-inspector", region=region("330108"))
    campaign = _campaign(supervisor, sample_size=5, inspectors_per_visit=2)
    campaign_draw(actor=supervisor, campaign=campaign)
    campaign.refresh_from_db()
    pool = set(campaign.inspector_pool["330106"])
    assert xihu.pk in pool and supervisor.pk in pool
    assert ningbo.pk not in pool and binjiang.pk not in pool


def test_sample_size_is_honoured(supervisor, county_regulator):
    approved_merchants(12)
    campaign = _campaign(supervisor, sample_size=5)
    campaign_draw(actor=supervisor, campaign=campaign)
    assert campaign.inspections.count() == 5


def test_sample_size_above_the_population_draws_everyone(supervisor, county_regulator):
    approved_merchants(3)
    campaign = _campaign(supervisor, sample_size=10)
    campaign_draw(actor=supervisor, campaign=campaign)
    assert campaign.inspections.count() == 3


def test_sample_ratio_is_rounded_up(supervisor, county_regulator):
    approved_merchants(41)
    campaign = _campaign(supervisor, sample_size=None, sample_ratio=Decimal("0.05"))
    campaign_draw(actor=supervisor, campaign=campaign)
    assert campaign.inspections.count() == 3  # ceil(41 * 5%) = ceil(2.05)


def test_scope_by_scheme_industry_and_region(supervisor, county_regulator, merchant):
    in_scope = approved_merchants(2, industry=Industry.CATERING)
    approved_merchants(2, industry=Industry.RETAIL)
    approved_merchants(2, county="330200", industry=Industry.CATERING)  # Ningbo: outside
    campaign = _campaign(supervisor, industries=[Industry.CATERING])
    assert campaign_population(campaign) == sorted(m.pk for m in in_scope)
    # `merchant` has no approved declaration: never in scope.
    assert merchant.pk not in campaign_population(_campaign(supervisor))


def test_scope_by_pool(supervisor, county_regulator):
    warned, rated, cultivated = approved_merchants(3)
    StandingFactory(merchant=warned, pool=Pool.WARNING)
    StandingFactory(merchant=rated, pool=Pool.STAR_RATED, stars=2)
    StandingFactory(merchant=cultivated, pool=Pool.CULTIVATION)
    assert campaign_population(_campaign(supervisor, pools=[Pool.WARNING])) == [warned.pk]
    both = _campaign(supervisor, pools=[Pool.WARNING, Pool.STAR_RATED])
    assert campaign_population(both) == sorted([warned.pk, rated.pk])
    assert both.pool_labels == [str(Pool.WARNING.label), str(Pool.STAR_RATED.label)]
    assert len(campaign_population(_campaign(supervisor))) == 3


def test_recently_inspected_merchants_are_left_out(supervisor, county_regulator):
    recent, old, scheduled, fresh = approved_merchants(4)
    now = timezone.now()
    earlier = CampaignFactory(created_by=supervisor, state=Campaign.State.CLOSED)
    for m, days in ((recent, 10), (old, 40)):
        InspectionFactory(
            campaign=earlier,
            merchant=m,
            state=Inspection.State.CLOSED,
            result="pass",
            visited_at=now - timedelta(days=days),
        )
    InspectionFactory(campaign=CampaignFactory(created_by=supervisor), merchant=scheduled)
    campaign = _campaign(supervisor, exclude_recent_days=30)
    assert campaign_population(campaign) == sorted([old.pk, fresh.pk])
    # 0 days: only a visit still scheduled keeps a merchant out.
    assert campaign_population(_campaign(supervisor, exclude_recent_days=0)) == sorted(
        [recent.pk, old.pk, fresh.pk]
    )


def test_new_campaign_takes_leave_out_days_from_the_setting(supervisor):
    from review.models import QualityControlSetting

    setting = QualityControlSetting.current()
    setting.exclude_recent_days = 45
    setting.save()
    campaign = campaign_create(
        actor=supervisor,
        name="Autumn check",
        region=region("330106"),
        method="on_site",
        checklist=checklist(),
        due_date=timezone.localdate() + timedelta(days=10),
        sample_size=3,
    )
    assert campaign.exclude_recent_days == 45


def test_not_enough_inspectors_is_a_clear_error(supervisor):
    approved_merchants(3, county="330106")
    campaign = _campaign(supervisor, is_cross=True, inspectors_per_visit=2)
    RegulatorFactory(username="only-binjiang", region=region("330108"))
    with pytest.raises(DomainError, match="Not enough inspectors for 西湖区: 1 can be drawn"):
        campaign_draw(actor=supervisor, campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.DRAFT and campaign.seed == ""
    assert not campaign.inspections.exists()


def test_empty_scope_is_a_clear_error(supervisor):
    campaign = _campaign(supervisor)
    with pytest.raises(DomainError, match="No merchant is in this campaign's scope"):
        campaign_draw(actor=supervisor, campaign=campaign)


@pytest.mark.parametrize("who", ["county_regulator", "other_city_supervisor", "owner"])
def test_only_a_supervisor_of_the_region_defines_and_draws(who, supervisor, request):
    approved_merchants(3)
    if who == "other_city_supervisor":
        actor = RegulatorFactory(username="ningbo-sup", region=region("330200"), can_supervise=True)
    else:
        actor = request.getfixturevalue(who)
    campaign = _campaign(supervisor)
    with pytest.raises(DomainError, match="supervisor"):
        campaign_draw(actor=actor, campaign=campaign)
    with pytest.raises(DomainError, match="supervisor"):
        campaign_close(actor=actor, campaign=campaign)
    with pytest.raises(DomainError, match="supervisor"):
        campaign_create(
            actor=actor,
            name="x",
            region=region("330106"),
            method="on_site",
            checklist=checklist(),
            due_date=timezone.localdate() + timedelta(days=5),
            sample_size=1,
        )


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"sample_size": 3, "sample_ratio": Decimal("0.1")}, "not both"),
        ({"sample_size": None, "sample_ratio": None}, "not both"),
        ({"sample_ratio": Decimal("1.5"), "sample_size": None}, "at most 1"),
        ({"due_date": timezone.localdate()}, "after today"),
        ({"inspectors_per_visit": 6}, "Between 1 and 5"),
        ({"industries": ["space-travel"]}, "Unknown industries"),
        ({"pools": ["moon"]}, "Unknown pools"),
        ({"name": "  "}, "name"),
    ],
)
def test_campaign_create_refuses_bad_input(supervisor, changes, message):
    kwargs = {
        "name": "Check",
        "region": region("330106"),
        "method": "on_site",
        "checklist": checklist(),
        "due_date": timezone.localdate() + timedelta(days=5),
        "sample_size": 3,
    } | changes
    with pytest.raises(DomainError, match=message):
        campaign_create(actor=supervisor, **kwargs)
    assert not Campaign.objects.exists()


def test_close_cancels_the_visits_not_made(supervisor, county_regulator):
    approved_merchants(3)
    campaign = _campaign(supervisor, sample_size=3)
    campaign_draw(actor=supervisor, campaign=campaign)
    campaign_close(actor=supervisor, campaign=campaign)
    assert campaign.state == Campaign.State.CLOSED
    assert set(campaign.inspections.values_list("state", flat=True)) == {"cancelled"}
    assert InspectionEvent.objects.filter(action="cancelled").count() == 3
    with pytest.raises(DomainError, match="Only a drawn campaign"):
        campaign_close(actor=supervisor, campaign=campaign)


def test_platform_admin_supervises_everywhere(admin_user, county_regulator):
    approved_merchants(2)
    campaign = CampaignFactory(created_by=admin_user, region=region("330106"), sample_size=1)
    campaign_draw(actor=admin_user, campaign=campaign)
    assert campaign.inspections.count() == 1
