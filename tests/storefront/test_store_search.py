"""The public merchant search /s/: filters, pagination, clear errors, query counts."""

import pytest
from django.urls import reverse
from django.utils import timezone

from merchants.models import Declaration
from tests.conftest import client_for
from tests.factories import DeclarationFactory, MerchantFactory, region, scheme


def search(params: dict | None = None, user=None):
    return client_for(user).get(reverse("store-search"), params or {})


def approve(merchant, scheme_code: str) -> Declaration:
    return DeclarationFactory(
        merchant=merchant,
        scheme=scheme(scheme_code),
        state=Declaration.State.APPROVED,
        decided_at=timezone.now(),
    )


@pytest.fixture
def shops(db):
    tea = MerchantFactory(name="龙井茶庄", region=region("330106"))
    approve(tea, "no-reason-return")
    DeclarationFactory(merchant=tea, scheme=scheme("assured-unit"))  # draft: not a badge
    mall = MerchantFactory(name="滨江茶城", region=region("330108"))
    approve(mall, "assured-unit")
    far = MerchantFactory(name="宁波茶行", region=region("330203"))
    return {"tea": tea, "mall": mall, "far": far}


def names(response) -> list[str]:
    return [row["name"] for row in response.context["page"].rows]


def test_search_page_is_in_the_navigation_and_on_home(db):
    html = client_for(None).get(reverse("home")).content.decode()
    assert f'href="{reverse("store-search")}"' in html
    assert f'action="{reverse("store-search")}"' in html


def test_empty_search_asks_for_a_filter(db):
    response = search()
    assert response.status_code == 200
    assert response.context["page"] is None
    assert "Type part of a name" in response.content.decode()


def test_by_name_part(shops):
    assert names(search({"q": "茶"})) == ["宁波茶行", "滨江茶城", "龙井茶庄"]
    assert names(search({"q": "龙井"})) == ["龙井茶庄"]


def test_by_full_uscc(shops):
    tea = shops["tea"]
    assert names(search({"uscc": tea.uscc.lower()})) == ["龙井茶庄"]


def test_partial_uscc_is_a_clear_error(shops):
    response = search({"uscc": shops["tea"].uscc[:10]})
    assert response.status_code == 200
    assert response.context["page"] is None
    html = response.content.decode()
    assert "A unified social credit code has 18 characters; this one has 10." in html
    assert "Please correct the search" in html


def test_by_city_and_by_county(shops):
    assert names(search({"region": "330100"})) == ["滨江茶城", "龙井茶庄"]
    assert names(search({"region": "330108"})) == ["滨江茶城"]
    assert names(search({"region": "330200"})) == ["宁波茶行"]


def test_unknown_region_or_scheme_is_a_clear_error(shops):
    for params in ({"region": "999999"}, {"scheme": "no-such-scheme"}):
        response = search(params)
        assert response.context["page"] is None
        assert "Select a valid choice" in response.content.decode()


def test_by_approved_scheme_only(shops):
    assert names(search({"scheme": "no-reason-return"})) == ["龙井茶庄"]
    # The tea shop's draft for assured-unit does not count.
    assert names(search({"scheme": "assured-unit"})) == ["滨江茶城"]


def test_results_show_public_facts_and_badges(shops):
    response = search({"q": "龙井"})
    html = response.content.decode().split('class="store-results"')[1]
    tea = shops["tea"]
    assert f'href="{reverse("store-page", args=[tea.public_code])}"' in html
    assert tea.address in html
    assert "No-reason-return commitment unit" in html
    assert "Assured consumption unit" not in html  # draft
    assert tea.uscc not in html and tea.contact_phone not in html


def test_no_results_message(shops):
    response = search({"q": "不存在的店"})
    assert "No merchant matches this search" in response.content.decode()


def test_paginated_twenty_a_page_with_page_links(db, django_assert_max_num_queries):
    for n in range(45):
        merchant = MerchantFactory(name=f"分页商户{n:02d}")
        approve(merchant, "assured-unit")
        approve(merchant, "no-reason-return")
    with django_assert_max_num_queries(6):
        response = search({"q": "分页"})
    page = response.context["page"]
    assert page.paginator.count == 45
    assert len(page.rows) == 20
    assert all(len(row["schemes"]) == 2 for row in page.rows)
    html = response.content.decode()
    assert "?q=%E5%88%86%E9%A1%B5&amp;page=3" in html
    assert "45 merchants found" in html
    last = search({"q": "分页", "page": 3})
    assert len(last.context["page"].rows) == 5
    assert names(last)[0] == "分页商户40"
