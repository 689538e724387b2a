"""`manage.py load_demo`: the demo data `make run` loads."""

from collections import Counter

import pytest
from django.contrib.auth import authenticate
from django.core.management.base import CommandError
from django.test import RequestFactory
from stdnum.cn import uscc as stdnum_uscc

from demo.demo_data.cast import DEMO_PASSWORD, MERCHANTS
from merchants.models import (
    Declaration,
    DeclarationDocument,
    DeclarationEvent,
    Industry,
    Membership,
    Merchant,
    Permit,
    Region,
    Station,
    User,
)
from merchants.models import DeclarationState as S
from review.models import Patrol
from tests.demo.conftest import assert_histories_match_states, run


def table_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            User,
            Merchant,
            Membership,
            Permit,
            Declaration,
            DeclarationEvent,
            DeclarationDocument,
        )
    }


def test_load_demo_twice_adds_nothing_the_second_time(dev_site):
    first = run("load_demo")
    after_first = table_counts()
    second = run("load_demo")

    assert table_counts() == after_first
    assert "0 accounts and 0 merchants added, 0 declarations filed" in second
    assert f"{len(MERCHANTS)} merchants added" in first
    for output in (first, second):
        assert DEMO_PASSWORD in output
        assert "reg-xihu" in output and "owner-xianguo" in output


def test_load_demo_creates_the_cast_with_their_roles_and_regions(dev_site):
    run("load_demo")

    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.is_platform_admin
    for username, region in [
        ("reg-zhejiang", "330000"),
        ("reg-hangzhou", "330100"),
        ("reg-xihu", "330106"),
        ("reg-binjiang", "330108"),
    ]:
        regulator = User.objects.get(username=username)
        assert regulator.is_regulator and regulator.region_id == region
        assert regulator.can_review and regulator.can_handle_complaints and regulator.can_inspect
    assert User.objects.filter(role=User.Role.REGULATOR, region__level="city").count() == 11
    coordinator = User.objects.get(username="coord-xihu")
    assert coordinator.is_coordinator and coordinator.region_id == "330106"
    assert User.objects.filter(role=User.Role.CONSUMER).count() >= 2
    # django-axes needs the request a login comes with.
    login = RequestFactory().post("/accounts/login/")
    assert authenticate(login, username="reg-xihu", password=DEMO_PASSWORD) is not None
    assert authenticate(login, username="owner-liulang", password=DEMO_PASSWORD) is not None

    chain_owner = User.objects.get(username="owner-xianguo")
    assert chain_owner.memberships.filter(role=Membership.Role.OWNER).count() == 2
    assert not Merchant.objects.filter(memberships__isnull=True).exists()


def test_load_demo_files_complaints_in_several_states_once(dev_site):
    from complaints.models import Complaint

    run("load_demo")
    run("load_demo")
    states = sorted(Complaint.objects.values_list("state", flat=True))
    # The queue's, issue 15's, and the full-file merchant's (DEMO_FILE_OWNER) settled one.
    assert states == [
        "direct",
        "proposed",
        "settled",
        "submitted",
        "transfer_pending",
        "with_merchant",
    ]
    assert set(Complaint.objects.values_list("region_id", flat=True)) == {"330106"}
    transfer = Complaint.objects.get(state="transfer_pending")
    assert (transfer.merchant_id, transfer.transfer_to_id) == (None, "330108")
    direct = Complaint.objects.get(state="direct")
    assert direct.merchant_id is None and direct.contacts.count() == 1


def test_load_demo_opens_liaison_stations_and_logs_visits_once(dev_site):
    run("load_demo")
    run("load_demo")
    stations = Station.objects.order_by("region_id", "name")
    assert [(s.region_id, s.coordinators.count()) for s in stations] == [
        ("330106", 1),
        ("330106", 1),
        ("330108", 0),
    ]
    patrols = Patrol.objects.order_by("visited_on")
    assert [(p.recorded_by.username, p.photos.count()) for p in patrols] == [
        ("coord-xihu", 1),
        ("coord-xihu", 1),
    ]
    assert patrols.filter(merchant__isnull=False).count() == 1


def test_load_demo_merchants_cover_every_city_with_valid_codes_and_permits(dev_site):
    run("load_demo")

    merchants = list(Merchant.objects.select_related("region"))
    assert all(m.region.level == Region.Level.COUNTY for m in merchants)
    assert all(stdnum_uscc.is_valid(m.uscc) for m in merchants)
    per_city = Counter(m.region.parent_id for m in merchants)
    assert len(per_city) == 11 and min(per_city.values()) >= 3
    for merchant in merchants:
        if merchant.industry == Industry.CATERING:
            assert merchant.permits.filter(permit_type=Permit.Type.FOOD_BUSINESS).exists()


def test_load_demo_files_declarations_in_every_state_through_the_services(dev_site):
    run("load_demo")

    declarations = list(Declaration.objects.all())
    states = {d.state for d in declarations}
    assert {
        S.DRAFT,
        S.PENDING_REVIEW,
        S.UNDER_REVIEW,
        S.APPROVED,
        S.RETURNED,
        S.REJECTED,
        S.WITHDRAWN,
    } <= states
    assert_histories_match_states(declarations)
    # Submission needs every commitment and mandatory document: the services enforced it.
    for declaration in declarations:
        if declaration.state != S.DRAFT:
            assert declaration.documents.exists()
            assert declaration.submitted_at is not None
    assert DeclarationEvent.objects.filter(to_state=S.SCREENING, actor__isnull=True).exists()
    resubmitted = DeclarationEvent.objects.filter(from_state=S.RETURNED, to_state=S.SUBMITTED)
    assert resubmitted.exists()
    district = Declaration.objects.get(scheme__kind="district")
    assert district.member_merchants.count() >= 2


def test_load_demo_refuses_on_a_production_site_unless_allowed(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="allow-production"):
        run("load_demo")
    assert not User.objects.filter(username="admin").exists()

    run("load_demo", "--allow-production")
    assert User.objects.filter(username="admin").exists()
