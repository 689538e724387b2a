"""The registry of scheme kinds (merchants/schemes/): one module per kind."""

import pytest

from common.errors import DomainError
from merchants.models import Scheme
from merchants.schemes import KINDS, kind_choices, scheme_kind
from merchants.schemes.no_reason_return import MIN_DAYS


def test_every_kind_module_is_registered_in_order():
    assert [code for code, _label in kind_choices()] == [
        "unit",
        "no_reason_return",
        "factory",
        "financial_outlet",
        "district",
    ]
    assert (
        Scheme.Kind.FACTORY == "factory"
        and Scheme.Kind.DISTRICT.label == "Assured shopping district"
    )


@pytest.mark.django_db
def test_every_scheme_has_a_registered_kind():
    assert {s.kind for s in Scheme.objects.all()} <= set(KINDS)
    assert Scheme.objects.get(code="no-reason-return").spec is KINDS["no_reason_return"]


def test_an_unknown_kind_asks_for_nothing():
    spec = scheme_kind("withdrawn-kind")
    assert spec.detail_fields() == {} and spec.clean_details({"a": 1}) == {}
    assert spec.required_details == () and spec.public_terms({"a": 1}) == []


def test_no_reason_return_checks_the_window_and_keeps_only_its_keys():
    spec = KINDS["no_reason_return"]
    with pytest.raises(DomainError) as refused:
        spec.clean_details({"return_days": MIN_DAYS - 1})
    assert refused.value.field == "return_days"
    with pytest.raises(DomainError, match="whole number"):
        spec.clean_details({"return_days": "a week"})
    cleaned = spec.clean_details(
        {"return_days": "15", "goods_covered": " 服装 ", "cross_store_returns": 1, "other": "x"}
    )
    assert cleaned == {
        "return_days": 15,
        "goods_covered": "服装",
        "goods_excluded": "",
        "cross_store_returns": True,
    }
    assert spec.public_terms(cleaned) == [
        "15-day no-reason returns, also at our other stores",
        "Goods covered: 服装",
    ]


def test_each_kind_names_the_fields_it_requires():
    for spec in KINDS.values():
        assert set(spec.required_details) <= set(spec.detail_fields()), spec.code
    assert KINDS["district"].has_members and not KINDS["unit"].has_members
