"""common.forms.QuickSelect: Django's Select written in Python, so its HTML must be Django's."""

import pytest
from django import forms

from common.forms import QuickSelect
from merchants.forms.regions import CountyChoiceField, county_choices
from merchants.models import Region
from tests.conftest import client_for

CHOICES = [
    ("", "---------"),
    ('杭州市 <b>"&', [("330106", "西湖区"), ("330108", "滨江区 & <i>")]),
    ("绍兴市", [("330602", "越城区")]),
    (7, "a number"),
]


@pytest.mark.parametrize("value", ["330108", "", None, "not-a-choice", 7, ["330106", "7"]])
@pytest.mark.parametrize(
    "attrs",
    [
        None,
        {"id": "id_county"},
        {"id": "id_county", "required": True, "disabled": False, "aria-invalid": "true"},
        {"class": 'a "quoted" <class>', "data-x": 0},
    ],
)
def test_quick_select_writes_what_djangos_templates_write(value, attrs):
    django_html = forms.Select(choices=CHOICES).render("county", value, attrs)
    quick_html = QuickSelect(choices=CHOICES).render("county", value, attrs)
    assert quick_html == django_html
    assert "<b>" not in quick_html and "<i>" not in quick_html  # labels escaped


@pytest.mark.django_db
def test_county_field_renders_the_counties_grouped_with_the_choice_selected():
    counties = list(
        Region.objects.filter(level=Region.Level.COUNTY, code__startswith="33").select_related(
            "parent"
        )
    )
    field = CountyChoiceField(counties=counties, required=False)
    assert isinstance(field.widget, QuickSelect)
    form = type("F", (forms.Form,), {"county": field})({"county": "330106"})
    html = str(form["county"])
    assert html == forms.Select(choices=county_choices(counties)).render(
        "county", "330106", {"id": "id_county"}
    )
    assert '<option value="330106" selected>西湖区</option>' in html
    assert html.count("<optgroup") == len({c.parent_id for c in counties})


@pytest.mark.django_db
def test_queue_filter_keeps_the_chosen_county(city_regulator):
    page = client_for(city_regulator).get("/complaints/queue/?county=330108")
    assert page.status_code == 200
    assert '<option value="330108" selected>' in page.content.decode()
