"""`regions_reaching(code)` is the reverse of the regional reach rule, region by region."""

import pytest

from merchants.models import Region
from merchants.permissions import reaches
from merchants.selectors import regions_reaching
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_regions_reaching_a_county_are_exactly_those_whose_regulators_reach_it():
    regions = list(Region.objects.all())
    regulators = {
        region.code: UserFactory.build(role="regulator", region=region, is_active=True)
        for region in regions
    }
    for county in Region.objects.filter(level=Region.Level.COUNTY):
        expected = {code for code, user in regulators.items() if reaches(user, county.code)}
        assert regions_reaching(county.code) == expected, county.code
