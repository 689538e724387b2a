"""Complaint numbers (issue 15, point 2): county code, year and a sequence per county and year,
taken at intake by an upsert on the county-year counter; existing complaints numbered by a data
migration; the number on every page, message and receipt."""

import re
from functools import partial
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from common import sms
from complaints.models import Complaint, ComplaintNumberCounter
from complaints.services import complaints as svc
from complaints.services.numbers import complaint_number_next
from tests.concurrency import race
from tests.conftest import api, client_for
from tests.factories import MerchantFactory, region

pytestmark = pytest.mark.django_db

INTAKE = "/api/v1/complaints/intake/"
NUMBER = re.compile(r"^\d{6}-\d{4}-\d{6}$")
MIGRATION = import_module("complaints.migrations.0013_number_existing_complaints")


def _body(merchant, **overrides) -> dict:
    return {
        "merchant": merchant.public_code,
        "category": "quality",
        "description": "茶叶发霉",
        "wanted_outcome": "退款",
        "complainant_name": "刘女士",
        "complainant_phone": "13812340000",
    } | overrides


def _year() -> int:
    return timezone.localdate().year


def test_numbers_follow_a_sequence_per_county(merchant, django_capture_on_commit_callbacks):
    binjiang = MerchantFactory(name="滨江超市", region=region("330108"))
    numbers = []
    for target, phone in [
        (merchant, "13812340001"),
        (binjiang, "13812340002"),
        (merchant, "13812340003"),
    ]:
        response = api().post(INTAKE, _body(target, complainant_phone=phone), format="json")
        assert response.status_code == 201
        numbers.append(response.json()["number"])
    year = _year()
    assert numbers == [f"330106-{year}-000001", f"330108-{year}-000001", f"330106-{year}-000002"]
    assert all(NUMBER.match(n) for n in numbers)
    assert set(Complaint.objects.values_list("number", flat=True)) == set(numbers)
    assert ComplaintNumberCounter.objects.get(region_id="330106", year=year).given == 2


def test_each_year_starts_its_own_sequence():
    assert complaint_number_next(county="330106", year=2025) == "330106-2025-000001"
    assert complaint_number_next(county="330106", year=2026) == "330106-2026-000001"
    assert complaint_number_next(county="330106", year=2025) == "330106-2025-000002"


def test_the_number_is_unique_in_the_database(merchant):
    first = svc.complaint_submit(
        merchant=merchant,
        category="quality",
        description="x",
        wanted_outcome="y",
        complainant_name="刘",
        complainant_phone="13812340000",
    )
    clash = Complaint(
        region=merchant.region,
        merchant=merchant,
        category="quality",
        description="x",
        wanted_outcome="y",
        complainant_name="刘",
        complainant_phone="13812340001",
        number=first.number,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        clash.save()


def test_the_receipt_sms_and_mail_carry_the_number(merchant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api().post(
            INTAKE, _body(merchant, complainant_email="liu@example.com"), format="json"
        )
    number = response.json()["number"]
    (to, text), *_ = sms.outbox
    assert to == "13812340000" and text.startswith(f"Complaint {number}: Submitted.")
    receipt = mail.outbox[0]
    assert receipt.subject == f"Your complaint {number} is received"
    assert f"its number is {number}" in receipt.body


def test_the_data_migration_numbers_existing_complaints_in_order(merchant):
    year = _year()
    earlier = timezone.now() - timezone.timedelta(hours=2)
    rows = [
        Complaint.objects.create(
            region=merchant.region,
            merchant=merchant,
            category="quality",
            description="x",
            wanted_outcome="y",
            complainant_name="刘",
            complainant_phone="13812340000",
            created_at=earlier + timezone.timedelta(minutes=minutes),
        )
        for minutes in (30, 10, 20)
    ]
    assert all(row.number == "" for row in rows)
    MIGRATION.number(django_apps, None)
    numbers = [Complaint.objects.get(pk=row.pk).number for row in rows]
    assert numbers == [f"330106-{year}-00000{n}" for n in (3, 1, 2)]
    # Intake continues the sequence.
    after = svc.complaint_submit(
        merchant=merchant,
        category="quality",
        description="x",
        wanted_outcome="y",
        complainant_name="刘",
        complainant_phone="13812340009",
    )
    assert after.number == f"330106-{year}-000004"


def test_the_number_is_on_every_page(
    merchant, owner, consumer, county_regulator, django_capture_on_commit_callbacks
):
    complaint = svc.complaint_submit(
        merchant=merchant,
        category="quality",
        description="茶叶发霉",
        wanted_outcome="退款",
        complainant_name="刘女士",
        complainant_phone="13812340000",
        consumer=consumer,
    )
    queue = client_for(county_regulator).get("/complaints/queue/?tab=new")
    assert complaint.number in queue.content.decode()
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    pages = [
        (consumer, f"/complaints/t/{complaint.tracking_token}/"),
        (consumer, "/complaints/mine/"),
        (county_regulator, f"/complaints/queue/{complaint.pk}/"),
        (owner, "/complaints/merchant/"),
        (owner, f"/complaints/merchant/{complaint.pk}/"),
    ]
    for user, url in pages:
        response = client_for(user).get(url)
        assert response.status_code == 200, url
        assert complaint.number in response.content.decode(), url


def test_the_api_shows_the_number(merchant, consumer, county_regulator):
    complaint = svc.complaint_submit(
        merchant=merchant,
        category="quality",
        description="茶叶发霉",
        wanted_outcome="退款",
        complainant_name="刘女士",
        complainant_phone="13812340000",
    )
    tracked = api().get(f"/api/v1/complaints/track/{complaint.tracking_token}/").json()
    detail = api(county_regulator).get(f"/api/v1/complaints/{complaint.pk}/").json()
    assert tracked["number"] == detail["number"] == complaint.number
    assert detail["channel"] == "web"


@pytest.mark.django_db(transaction=True)
def test_parallel_intakes_get_distinct_consecutive_numbers(settings, reference_data):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no parallel writers")
    settings.COMPLAINT_ADDRESS_LIMITS = {"hour": 1000, "day": 1000}
    merchant = MerchantFactory(name="并发茶楼", region=region("330106"))

    def post(i: int):
        return api().post(
            INTAKE,
            _body(merchant, complainant_phone=f"138123401{i:02d}"),
            format="json",
            REMOTE_ADDR=f"10.0.2.{i}",
        )

    responses = race(*(partial(post, i) for i in range(16)))
    for response in responses:
        assert response.status_code == 201, response.content
    numbers = [response.json()["number"] for response in responses]
    year = _year()
    assert sorted(numbers) == [f"330106-{year}-{n:06d}" for n in range(1, 17)]
    assert ComplaintNumberCounter.objects.get(region_id="330106", year=year).given == 16


def test_bulk_numbering_continues_after_the_numbers_already_given(merchant):
    """The province generator's numbering (one statement on PostgreSQL, batches elsewhere):
    in the order lodged, after the county's numbers already given, the counter moved on."""
    from complaints.services.numbers import complaints_number_missing

    year = _year()
    given = svc.complaint_submit(
        merchant=merchant,
        category="quality",
        description="x",
        wanted_outcome="y",
        complainant_name="刘",
        complainant_phone="13812340008",
    )
    assert given.number == f"330106-{year}-000001"
    earlier = timezone.now() - timezone.timedelta(hours=2)
    rows = Complaint.objects.bulk_create(
        Complaint(
            region=merchant.region,
            merchant=merchant,
            category="quality",
            description="x",
            wanted_outcome="y",
            complainant_name="刘",
            complainant_phone="13812340000",
            created_at=earlier + timezone.timedelta(minutes=minutes),
        )
        for minutes in (30, 10, 20)
    )
    assert complaints_number_missing() == 3
    numbers = [Complaint.objects.get(pk=row.pk).number for row in rows]
    assert numbers == [f"330106-{year}-00000{n}" for n in (4, 2, 3)]
    counter = ComplaintNumberCounter.objects.get(region=merchant.region, year=year)
    assert counter.given == 4
    assert complaints_number_missing() == 0
