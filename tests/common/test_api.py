"""What every API view shares (common/api.py): page sizes within their documented range, and
JSON for a path under /api/ the URL resolver does not know."""

import pytest

from tests.conftest import api
from tests.factories import DeclarationFactory, MembershipFactory, MerchantFactory, region


@pytest.mark.parametrize("value", ["0", "-1", "201", "abc", "1.5", "²"])
def test_a_page_size_outside_1_to_200_is_a_400(owner, value):
    response = api(owner).get("/api/v1/regions/", {"page_size": value})

    assert response.status_code == 400
    assert response.json() == {"page_size": ["A whole number from 1 to 200."]}


@pytest.mark.parametrize("query", ["page=", "page=1&page=2"], ids=["empty", "twice"])
def test_a_page_given_empty_or_twice_is_not_a_page(owner, query):
    """DRF would read an empty page as page 1 and a repeated one as its last value; it answers
    404 for any other page that is not, and so for these."""
    for url in ("/api/v1/regions/", "/api/v1/public/merchants/"):
        response = api(owner).get(f"{url}?{query}", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 404, (url, query)
        assert response.json() == {"detail": "Give one page number."}


def test_a_page_size_given_twice_is_a_400(owner):
    response = api(owner).get("/api/v1/regions/?page_size=10&page_size=20")
    assert response.status_code == 400
    assert "page_size" in response.json()


@pytest.mark.parametrize(
    "url, name",
    [
        ("/api/v1/ratings/standings/?pool=", "pool"),
        ("/api/v1/ratings/standings/?county=", "county"),
        ("/api/v1/ratings/standings/?pool=warning&pool=selection", "pool"),
        ("/api/v1/ratings/appeals/?state=", "state"),
    ],
)
def test_a_query_parameter_given_empty_or_twice_is_a_400(county_regulator, url, name):
    """Parameters read by a serializer (common.api.QuerySerializer) as by a filter form."""
    response = api(county_regulator).get(url)
    assert response.status_code == 400, url
    assert name in response.json()
    assert (
        api(county_regulator).get("/api/v1/ratings/standings/?q=abc&pool=warning").status_code
        == 200
    )


@pytest.mark.parametrize(
    "query, name",
    [
        ("industry=", "industry"),
        ("industry=food&industry=retail", "industry"),
        ("region=330106&region=330108", "region"),
    ],
)
def test_a_filter_given_empty_or_twice_is_a_400_in_the_readers_language(owner, query, name):
    """Read as absent or as its last value, it would answer with a list nobody asked for."""
    response = api(owner).get(f"/api/v1/merchants/?{query}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert any("\u4e00" <= char <= "\u9fff" for char in response.json()[name][0])
    # Free text may be empty.
    assert api(owner).get("/api/v1/merchants/?search=&region=").status_code == 200


@pytest.mark.parametrize("value", ["99999999999999999999", "1.5", "0", "-3", "abc"])
def test_an_id_filter_outside_the_databases_ids_is_a_400(owner, value):
    """A 20-digit merchant id reached the database (a server error on SQLite, out of range on
    PostgreSQL); 1.5 was read as a number."""
    response = api(owner).get("/api/v1/declarations/", {"merchant": value})
    assert response.status_code == 400
    assert "merchant" in response.json()


def test_an_id_filter_filters(owner, merchant):
    declaration = DeclarationFactory(merchant=merchant)
    other = MerchantFactory(region=region("330106"))
    MembershipFactory(user=owner, merchant=other)
    DeclarationFactory(merchant=other)
    assert api(owner).get("/api/v1/declarations/").json()["count"] == 2
    for_merchant = api(owner).get("/api/v1/declarations/", {"merchant": merchant.pk}).json()
    assert [row["id"] for row in for_merchant["results"]] == [declaration.pk]


def test_a_page_size_within_range_sets_the_page(owner):
    for size in ("3", "60"):
        page = api(owner).get("/api/v1/regions/", {"page_size": size}).json()
        assert len(page["results"]) == int(size) < page["count"]


def test_an_unknown_api_path_answers_json_and_a_page_path_html(client, db):
    response = client.get("/api/v1/merchants/1.5/")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}

    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")
