"""Migration 0010 removes the memberships that supervisors held before the rule existed."""

import importlib

import pytest
from django.apps import apps

from merchants.models import Membership, User
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_supervisors_memberships_go_and_the_merchants_people_stay(merchant, owner):
    regulator = UserFactory(role=User.Role.REGULATOR, region=merchant.region)
    admin = UserFactory(role=User.Role.MERCHANT, is_superuser=True)
    staff = UserFactory(role=User.Role.CONSUMER)
    for user in (regulator, admin, staff):
        MembershipFactory(user=user, merchant=merchant)
    migration = importlib.import_module("merchants.migrations.0010_supervisors_memberships_removed")
    migration.remove(apps, None)
    assert set(Membership.objects.values_list("user__username", flat=True)) == {
        owner.username,
        staff.username,
    }
