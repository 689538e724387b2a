import csv
from pathlib import Path

import pytest

from merchants.models import Merchant, Region
from merchants.selectors import region_subtree_codes, subtree_q

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "data" / "zhejiang-divisions.csv"
SHIPPED = Path(__file__).resolve().parents[2] / "merchants" / "data" / "regions.csv"


def _rows(path: Path) -> set[tuple[str, str, str, str]]:
    with open(path, encoding="utf-8") as f:
        return {(r["code"], r["name"], r["parent_code"], r["level"]) for r in csv.DictReader(f)}


@pytest.mark.django_db
def test_region_table_equals_the_reference():
    reference = _rows(REFERENCE if REFERENCE.exists() else SHIPPED)
    loaded = {(r.code, r.name, r.parent_id or "", r.level) for r in Region.objects.all()}
    assert len(loaded) == 102
    assert loaded == reference


@pytest.mark.skipif(not REFERENCE.exists(), reason="shared/ reference not beside the checkout")
def test_shipped_region_file_equals_the_reference():
    assert _rows(SHIPPED) == _rows(REFERENCE)


@pytest.mark.django_db
def test_region_levels_and_counts():
    assert Region.objects.filter(level=Region.Level.PROVINCE).count() == 1
    assert Region.objects.filter(level=Region.Level.CITY, parent_id="330000").count() == 11
    assert Region.objects.filter(level=Region.Level.COUNTY).count() == 90
    assert not Region.objects.filter(level=Region.Level.COUNTY, parent__level="county").exists()


@pytest.mark.django_db
def test_subtree_by_code_prefix():
    hangzhou = Region.objects.get(code="330100")
    codes = region_subtree_codes(hangzhou)
    assert "330100" in codes and "330106" in codes
    assert all(c.startswith("3301") for c in codes)
    assert len(codes) == 1 + Region.objects.filter(parent_id="330100").count()
    assert region_subtree_codes(Region.objects.get(code="330106")) == ["330106"]
    assert len(region_subtree_codes(Region.objects.get(code="330000"))) == 102


@pytest.mark.django_db
def test_subtree_range_is_the_subtree_for_every_region():
    """subtree_q's code range selects exactly the region and the regions below it."""
    for region in Region.objects.all():
        by_range = set(
            Region.objects.filter(subtree_q(region, "code")).values_list("code", flat=True)
        )
        assert by_range == set(region_subtree_codes(region)), region.code
        below = {r.code for r in Region.objects.filter(parent=region)}
        assert region.code in by_range and below <= by_range


@pytest.mark.django_db
def test_subtree_scopes_merchants_without_a_query_of_its_own(django_assert_num_queries):
    from tests.factories import MerchantFactory

    inside = MerchantFactory(region=Region.objects.get(code="330106"))
    MerchantFactory(region=Region.objects.get(code="330203"))
    hangzhou = Region.objects.get(code="330100")
    with django_assert_num_queries(1):
        found = list(Merchant.objects.filter(subtree_q(hangzhou)))
    assert found == [inside]
