"""The cockpit page, its downloads and the statistics API: scoping, contents, query counts."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from merchants.models import User
from supervision.services.refresh import supervision_refresh
from tests.conftest import api, client_for
from tests.factories import MerchantFactory, RegulatorFactory, UserFactory, region
from tests.supervision.conftest import build_province

pytestmark = pytest.mark.django_db

PAGE = "/supervision/"


@pytest.fixture
def figures(db):
    built = build_province()
    supervision_refresh(recent=False)
    return built


@pytest.fixture
def province_regulator(db) -> User:
    return RegulatorFactory(username="reg-zhejiang", region=region("330000"))


def test_county_regulator_sees_only_their_county(figures, county_regulator):
    response = client_for(county_regulator).get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Xihu" in page and "Binjiang" not in page
    assert response.context["place"].region.code == "330106"
    assert client_for(county_regulator).get(PAGE, {"region": "330108"}).status_code == 404
    assert client_for(county_regulator).get(PAGE, {"region": "330100"}).status_code == 404


def test_city_regulator_drills_into_a_county_and_back(figures, city_regulator):
    client = client_for(city_regulator)
    city = client.get(PAGE)
    regions = {row[0]: row for row in city.context["page"].tables["regions"].rows}
    assert set(regions) == {c.code for c in region("330100").children.all()}
    assert f'href="{PAGE}?region=330106"' in city.content.decode()
    county = client.get(PAGE, {"region": "330106"})
    assert county.status_code == 200
    assert [r.code for r in county.context["place"].trail] == ["330100", "330106"]
    assert f'href="{PAGE}?region=330100"' in county.content.decode()
    assert client.get(PAGE, {"region": "330203"}).status_code == 404  # Ningbo's
    assert client.get(PAGE, {"region": "abc"}).status_code == 404


def test_province_regulator_sees_the_cities(figures, province_regulator):
    response = client_for(province_regulator).get(PAGE)
    rows = response.context["page"].tables["regions"].rows
    assert len(rows) == 11
    assert response.context["refreshed_at"] is not None


@pytest.mark.parametrize("who", ["consumer", "owner", "coordinator"])
def test_others_do_not_learn_of_the_page(figures, who, consumer, owner):
    users = {
        "consumer": consumer,
        "owner": owner,
        "coordinator": UserFactory(role=User.Role.COORDINATOR, region=region("330106")),
    }
    assert client_for(users[who]).get(PAGE).status_code == 404
    assert api(users[who]).get("/api/v1/statistics/headline/").status_code == 404


def test_anonymous_is_sent_to_log_in(figures):
    response = client_for(None).get(PAGE)
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert api().get("/api/v1/statistics/headline/").status_code == 401


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_downloads_hold_the_tables_figures(figures, city_regulator):
    client = client_for(city_regulator)
    page = client.get(PAGE, {"region": "330106"})
    trends = page.context["page"].tables["trends"]
    response = client.get(
        reverse("supervision-download"), {"table": "trends", "format": "csv", "region": "330106"}
    )
    assert response["Content-Type"].startswith("text/csv")
    assert "supervision-trends-330106" in response["Content-Disposition"]
    rows = _csv(response)
    assert rows[0] == [str(c.label) for c in trends.columns]
    assert rows[1:] == [["" if v is None else str(v) for v in row] for row in trends.rows]
    response = client.get(
        reverse("supervision-download"), {"table": "regions", "format": "xlsx", "region": "330100"}
    )
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    regions = client.get(PAGE).context["page"].tables["regions"]
    assert cells[0][:3] == ["Code", "Region", "Merchants"]
    xihu = next(row for row in cells if row[0] == "330106")
    shown = next(row for row in regions.rows if row[0] == "330106")
    assert xihu[2:6] == shown[2:6]
    assert float(xihu[6]) == float(shown[6])


def test_download_of_another_region_or_table_is_a_404(figures, county_regulator):
    client = client_for(county_regulator)
    url = reverse("supervision-download")
    assert client.get(url, {"table": "trends", "region": "330108"}).status_code == 404
    assert client.get(url, {"table": "nope"}).status_code == 404
    assert client.get(url, {"table": "trends", "format": "pdf"}).status_code == 404


def test_api_tables_match_the_page(figures, city_regulator):
    page = client_for(city_regulator).get(PAGE).context["page"].tables
    for key in ("headline", "regions", "trends", "flows", "categories", "industries", "league"):
        response = api(city_regulator).get(f"/api/v1/statistics/{key}/")
        assert response.status_code == 200, key
        body = response.json()
        assert body["region"]["code"] == "330100"
        assert [c["key"] for c in body["columns"]] == [c.key for c in page[key].columns]
        assert len(body["rows"]) == len(page[key].rows)
    body = api(city_regulator).get("/api/v1/statistics/thresholds/").json()
    assert [c["key"] for c in body["columns"]] == ["uscc", "merchant", "county", "complaints"]


def test_api_scope_and_bad_input(figures, county_regulator):
    client = api(county_regulator)
    assert client.get("/api/v1/statistics/trends/", {"region": "330108"}).status_code == 404
    response = client.get("/api/v1/statistics/flows/", {"months": "99"})
    assert response.status_code == 400
    assert response.json() == {"months": ["A whole number of months from 1 to 36."]}


def test_page_and_api_read_a_constant_number_of_queries(
    figures, city_regulator, django_assert_max_num_queries
):
    client = client_for(city_regulator)
    client.get(PAGE)
    with django_assert_max_num_queries(22):
        client.get(PAGE)
    with django_assert_max_num_queries(12):
        api(city_regulator).get("/api/v1/statistics/regions/")
    MerchantFactory.create_batch(30, region=region("330106"))
    supervision_refresh(recent=True)
    with django_assert_max_num_queries(40):  # the tables are built again after a refresh
        assert client.get(PAGE).context["page"].tables["headline"].rows[0][2] == 33
    with django_assert_max_num_queries(16):  # then read from the cache
        assert client.get(PAGE).status_code == 200


def test_the_refresh_job_builds_every_regions_tables_into_the_cache(
    figures, city_regulator, django_assert_max_num_queries
):
    """The periodic job warms the province's and the cities' tables: a city regulator's first
    visit after it reads no rollups (the same bound as a visit after another's, above), in
    either language; a county's are built on its first visit."""
    from django.core.cache import cache

    from supervision.services.warm import supervision_refresh_warm

    cache.clear()
    MerchantFactory.create_batch(4, region=region("330108"))
    result = supervision_refresh_warm(recent=True)
    assert result.recent and result.seconds > 0
    for language in ("en", "zh-hans"):
        client = client_for(city_regulator)
        client.cookies["django_language"] = language
        with django_assert_max_num_queries(16):
            response = client.get(PAGE, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        # The figures came rendered from the cache: the page built none of its tables.
        assert "tables" not in vars(response.context["page"])
        assert "Hangzhou" in response.text or "杭州" in response.text
    headline = client_for(city_regulator).get(PAGE).context["page"].tables["headline"]
    assert headline.rows[0][2] == 7


def test_the_page_kept_until_the_next_refresh_shows_its_figures(figures, city_regulator):
    """The rendered figures are kept per region, language and refresh: a refresh shows new ones."""
    from django.core.cache import cache

    cache.clear()
    client = client_for(city_regulator)

    def cockpit() -> str:
        page = client.get(PAGE).content.decode()
        return page[page.index('<section aria-labelledby="cards-title"') : page.index("</main>")]

    before = cockpit()
    MerchantFactory.create_batch(25, region=region("330106"))
    assert cockpit() == before  # until the next refresh
    supervision_refresh(recent=True)
    after = cockpit()
    assert '<span class="cockpit-card-value">28</span>' in after
    assert '<span class="cockpit-card-value">28</span>' not in before


def test_work_list_names_the_merchants_newly_crossing_a_threshold_in_the_region(
    province, county_regulator, other_county_regulator
):
    """The cockpit's table of newly crossing merchants, counted on the work list of the region's
    regulators (Xihu: 西湖小店), linked to that table; none for Binjiang's."""
    items = api(county_regulator).get("/api/v1/worklist/").json()["items"]
    xihu = {item["kind"]: item for item in items}
    crossing = xihu["supervision.threshold_crossings"]
    assert crossing["count"] == 1
    assert crossing["url"] == "/supervision/#thresholds"
    page = client_for(county_regulator).get(crossing["url"].split("#")[0])
    assert "西湖小店" in page.text
    binjiang = api(other_county_regulator).get("/api/v1/worklist/").json()["items"]
    assert {i["kind"]: i["count"] for i in binjiang}["supervision.threshold_crossings"] == 0
