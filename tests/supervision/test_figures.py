"""The rollups against direct counts of the raw tables, and the figures the cockpit shows."""

from decimal import Decimal

import pytest

from merchants.models import Region
from supervision.models import MonthlyFigures, RefreshState
from supervision.selectors import figures as f
from supervision.selectors.audit import audit_region
from supervision.services.refresh import RefreshInProgress, supervision_refresh
from tests.factories import ComplaintFactory, region
from tests.supervision.conftest import NOW, at

pytestmark = pytest.mark.django_db


def place(code: str) -> f.Place:
    r = Region.objects.get(code=code)
    return f.Place.of(r)


def headline(code: str) -> dict[str, object]:
    figures = f.figures_for(place(code), since=f.year_start(NOW.date()))
    return {row[0]: row[2] for row in f.headline_table(figures).rows}


@pytest.mark.parametrize("code", ["330000", "330100", "330106", "330108", "330203"])
def test_every_figure_equals_a_direct_count(province, code):
    result = audit_region(place(code), now=NOW)
    assert result.mismatches == []
    assert result.figures > 100


def test_the_county_headline(province):
    xihu = headline("330106")
    assert xihu["merchants"] == 2
    assert xihu["in_programme"] == 2
    assert xihu["scheme:unit"] == 1
    assert xihu["pool:star_rated"] == 1
    assert xihu["stars:2"] == 1
    assert xihu["coordinators"] == 1
    assert xihu["stations"] == 1
    assert xihu["complaints_received"] == 7  # six about merchants, one unregistered
    assert xihu["complaints_closed"] == 2
    assert xihu["resolution_rate"] == Decimal("0.5000")
    assert xihu["on_time_rate"] == Decimal("0.5000")
    assert xihu["median_close_days"] == 2  # of 2 and 19 working days, the lower middle
    assert xihu["satisfaction"] == Decimal("3.50")
    assert xihu["money_returned"] == Decimal("100.00")  # only what was settled
    assert xihu["complaints_open"] == 5  # one unregistered business among them
    assert xihu["complaints_overdue"] == 1
    assert xihu["inspections_drawn"] == 1
    assert xihu["inspections_done"] == 1
    assert xihu["inspection_fail_rate"] == Decimal("1.0000")
    assert xihu["declarations_pending"] == 1
    assert xihu["declarations_overdue"] == 1
    assert xihu["median_review_days"] == 5


def test_the_province_adds_up_its_cities(province):
    zhejiang = headline("330000")
    assert zhejiang["merchants"] == 4
    assert zhejiang["complaints_received"] == 8  # Binjiang's is from last year
    assert zhejiang["complaints_closed"] == 3  # the withdrawn one in Haishu too
    assert zhejiang["inspections_drawn"] == 3
    assert zhejiang["inspections_done"] == 2
    rows = {row[0]: row for row in f.regions_table(f.figures_for(place("330000"))).rows}
    assert rows["330100"][2] == 3 and rows["330200"][2] == 1
    assert len(rows) == 11  # every city, those without merchants too


def test_trends_flows_breakdowns_and_crossings(province):
    hangzhou = place("330100")
    trends = {row[0]: row for row in f.trends_table(hangzhou, today=NOW.date()).rows}
    assert len(trends) == 36
    assert trends["2026-11"][1:4] == [6, 2, 1]  # received, closed, resolved
    assert trends["2025-06"][1:3] == [1, 1]
    flows = f.flows_table(hangzhou, today=NOW.date()).rows
    assert ["selection", "cultivation", 1] in [[r[0], r[2], r[4]] for r in flows]
    assert ["cultivation", "warning", 1] in [[r[0], r[2], r[4]] for r in flows]
    categories = f.categories_table(place("330106"), since=f.year_start(NOW.date())).rows
    assert categories[0][:3] == ["quality", "Quality", 4]
    industries = f.industries_table(place("330106"), since=f.year_start(NOW.date())).rows
    assert ["", "Business not on the platform", 1] in [row[:3] for row in industries]
    crossings = f.crossings_table(place("330100")).rows
    assert [row[1] for row in crossings] == ["西湖小店"]
    assert crossings[0][3] == 3


def test_league_table_against_targets(province):
    from supervision.models import Measure, SupervisionTarget

    SupervisionTarget.objects.create(measure=Measure.RESOLUTION_RATE, year=2026, value="0.4")
    SupervisionTarget.objects.create(measure=Measure.MEDIAN_CLOSE_DAYS, year=2026, value=10)
    table = f.league_table(f.figures_for(place("330100"), since=f.year_start(NOW.date())))
    assert table.rows[0][1] == "Target 2026"
    first = table.rows[1]
    assert first[0] == "330106" and first[-2] == 2 and first[-1] == 1


def test_a_recent_refresh_rebuilds_only_the_last_two_months(province):
    MonthlyFigures.objects.filter(month__year=2025).update(complaints_received=99)
    ComplaintFactory(merchant=province.xihu_tea, created_at=at(2026, 11, 19))
    supervision_refresh(recent=True, now=NOW)
    november = MonthlyFigures.objects.get(region_id="330106", month=at(2026, 11, 1).date())
    assert november.complaints_received == 7
    assert (
        MonthlyFigures.objects.get(region_id="330108", month__year=2025).complaints_received == 99
    )
    state = RefreshState.objects.get()
    assert state.recent_at and state.full_at and state.running_since is None
    supervision_refresh(recent=False, now=NOW)
    assert MonthlyFigures.objects.get(region_id="330108", month__year=2025).complaints_received == 1


def test_two_refreshes_never_overlap(province):
    RefreshState.objects.update(running_since=NOW)
    with pytest.raises(RefreshInProgress):
        supervision_refresh(recent=True, now=NOW)


def test_months_older_than_the_window_are_dropped(province):
    ComplaintFactory(merchant=province.xihu_tea, created_at=at(2023, 1, 5))
    supervision_refresh(recent=False, now=NOW)
    assert not MonthlyFigures.objects.filter(month__lt=at(2023, 12, 1).date()).exists()
    assert region("330106")
