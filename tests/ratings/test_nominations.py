"""Nominations (ratings/nominations.py): a regulator invites a registry merchant to declare. A
registered merchant enters the selection pool at once and its people are told; one not
registered yet enters when it registers with that credit code."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from common.errors import DomainError
from merchants.models import Industry, Notification, Pool, RegistryRecord, User
from merchants.services.merchants import merchant_register
from merchants.uscc import build_uscc
from ratings.models import Nomination, PoolChange, Standing
from ratings.services.nominations import nomination_create
from ratings.services.pools import pool_exit
from tests.factories import MembershipFactory, RegistryRecordFactory, UserFactory, region
from tests.ratings.test_pool_browser import place

pytestmark = pytest.mark.django_db


def registered(merchant) -> RegistryRecord:
    return RegistryRecordFactory(uscc=merchant.uscc)


def test_a_registered_merchant_enters_selection_and_its_people_are_told(
    merchant, owner, county_regulator
):
    staff = UserFactory(role=User.Role.MERCHANT)
    MembershipFactory(user=staff, merchant=merchant)
    registered(merchant)
    nomination = nomination_create(
        actor=county_regulator, uscc=merchant.uscc.lower(), message="Please declare."
    )
    assert (nomination.merchant, nomination.name, nomination.region_id) == (
        merchant,
        merchant.name,
        "330106",
    )
    assert nomination.entered_at is not None
    standing = Standing.objects.get(merchant=merchant)
    assert standing.pool == Pool.SELECTION
    change = PoolChange.objects.get(merchant=merchant)
    assert (change.reason_code, change.actor, change.evidence) == (
        "nominated",
        county_regulator,
        {"nomination": nomination.pk},
    )
    notices = Notification.objects.filter(key=f"nomination-{nomination.pk}")
    assert {n.user for n in notices} == {owner, staff}
    notice = notices.first()
    assert notice.body.splitlines()[0] == "Please declare."
    assert notice.link == reverse("declaration-create", args=[merchant.pk])


def test_an_unregistered_merchant_enters_selection_when_it_registers(
    county_regulator, consumer, django_capture_on_commit_callbacks
):
    uscc = build_uscc("330106", 77_000_001)
    RegistryRecordFactory(uscc=uscc)
    with django_capture_on_commit_callbacks(execute=True):
        nomination = nomination_create(
            actor=county_regulator,
            uscc=uscc,
            name="新开茶馆",
            region=region("330106"),
            email="tea@example.com",
            message="Welcome.",
        )
    assert nomination.merchant is None and nomination.entered_at is None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["tea@example.com"]
    assert uscc in mail.outbox[0].body and reverse("merchant-register") in mail.outbox[0].body

    merchant = merchant_register(
        actor=consumer,
        uscc=uscc,
        name="新开茶馆",
        legal_representative="李四",
        address="文三路1号",
        region=region("330106"),
        industry=Industry.CATERING,
        licence_valid_from=date(2020, 1, 1),
        contact_phone="13800138000",
    )
    nomination.refresh_from_db()
    assert nomination.merchant == merchant and nomination.entered_at is not None
    assert Standing.objects.get(merchant=merchant).pool == Pool.SELECTION
    assert Notification.objects.filter(key=f"nomination-{nomination.pk}", user=consumer).exists()


def test_a_merchant_registering_without_a_nomination_stays_out(consumer):
    merchant = merchant_register(
        actor=consumer,
        uscc=build_uscc("330106", 77_000_002),
        name="普通商户",
        legal_representative="李四",
        address="文三路2号",
        region=region("330106"),
        industry=Industry.RETAIL,
        licence_valid_from=date(2020, 1, 1),
        contact_phone="13800138000",
    )
    assert not Standing.objects.filter(merchant=merchant).exists()


def test_not_in_the_registry_is_refused(county_regulator, merchant):
    with pytest.raises(DomainError, match="No active entity with this code is in the registry"):
        nomination_create(actor=county_regulator, uscc=merchant.uscc)
    RegistryRecordFactory(uscc=merchant.uscc, entity_status=RegistryRecord.Status.REVOKED)
    with pytest.raises(DomainError, match="No active entity with this code is in the registry"):
        nomination_create(actor=county_regulator, uscc=merchant.uscc)
    assert not Nomination.objects.exists()


def test_outside_the_region_is_refused(other_county_regulator, merchant, city_regulator):
    registered(merchant)
    with pytest.raises(DomainError, match="outside your region"):
        nomination_create(actor=other_county_regulator, uscc=merchant.uscc)
    record = RegistryRecordFactory()
    with pytest.raises(DomainError, match="outside your region"):
        nomination_create(
            actor=other_county_regulator, uscc=record.uscc, name="x", region=region("330106")
        )
    assert not Nomination.objects.exists()
    # The city regulator's region holds the county.
    assert nomination_create(actor=city_regulator, uscc=merchant.uscc).merchant == merchant


def test_unregistered_needs_name_and_county(county_regulator):
    record = RegistryRecordFactory()
    with pytest.raises(DomainError, match="Give the merchant's name"):
        nomination_create(actor=county_regulator, uscc=record.uscc, region=region("330106"))
    with pytest.raises(DomainError, match="Choose the merchant's county"):
        nomination_create(actor=county_regulator, uscc=record.uscc, name="新店")


@pytest.mark.parametrize("pool", [Pool.SELECTION, Pool.CULTIVATION, Pool.STAR_RATED, Pool.WARNING])
def test_a_merchant_in_the_programme_already_is_refused(pool, merchant, county_regulator):
    place(merchant, pool, stars=2)
    registered(merchant)
    with pytest.raises(DomainError, match="in the programme already"):
        nomination_create(actor=county_regulator, uscc=merchant.uscc)
    assert not Nomination.objects.exists()


def test_an_exited_merchant_waits_out_its_time(merchant, county_regulator):
    place(merchant, Pool.CULTIVATION)
    pool_exit(actor=county_regulator, merchant=merchant, reason="Serious.")
    registered(merchant)
    with pytest.raises(DomainError, match="may declare again from"):
        nomination_create(actor=county_regulator, uscc=merchant.uscc)
    assert not Nomination.objects.exists()
    Standing.objects.filter(merchant=merchant).update(
        reentry_after=timezone.localdate() - timedelta(days=1)
    )
    nomination_create(actor=county_regulator, uscc=merchant.uscc)
    standing = Standing.objects.get(merchant=merchant)
    assert standing.pool == Pool.SELECTION and standing.reentry_after is None


@pytest.mark.parametrize("who", ["consumer", "owner"])
def test_only_regulators_nominate(who, request, merchant):
    registered(merchant)
    with pytest.raises(DomainError, match="Only a regulator can nominate"):
        nomination_create(actor=request.getfixturevalue(who), uscc=merchant.uscc)


def test_an_admin_nominates_anywhere(admin_user):
    record = RegistryRecordFactory(uscc=build_uscc("330602", 77_000_003))
    nomination = nomination_create(
        actor=admin_user, uscc=record.uscc, name="绍兴店", region=region("330602")
    )
    assert nomination.region_id == "330602"
