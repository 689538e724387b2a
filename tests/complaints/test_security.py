"""Issue 14, findings 4, 5 and 6: each attack reproduced, and shown to fail safely now.

4. A tracking link no longer unmasks the consumer: only consumer accounts attach a complaint,
   and masking follows the role, never the link.
5. Phones are parsed and normalised (phonenumbers, CN): a reformatted number is the same number
   for the limits and the duplicate check; junk is refused; masks show the last four digits.
6. The intake limits are atomic (each complaint counted by one upsert, the last statement of
   its transaction: common/limits.py), per phone and per address separately,
   and the address is taken through the configured trusted proxies.
"""

from datetime import date
from decimal import Decimal
from functools import partial

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from common.errors import DomainError
from common.models import LimitCounter
from common.phones import phone_mask, phone_normalise
from complaints.models import Complaint
from complaints.services import complaints as svc
from tests.complaints.statements import statements_run
from tests.concurrency import race
from tests.conftest import api, client_for
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

INTAKE = "/api/v1/complaints/intake/"
PHONE = "13812340000"
SAME_NUMBER = [
    "+86 13812340000",
    "138-1234-0000",
    "0086 138 1234 0000",
    "+86 138 1234 0000",
    "(138) 1234 0000",
    "+8613812340000",
    "86 13812340000",
    "138 1234 0000",
]


def _body(merchant, **overrides) -> dict:
    return {
        "merchant": merchant.public_code,
        "category": "quality",
        "description": "茶叶发霉",
        "wanted_outcome": "退款",
        "complainant_name": "刘女士",
        "complainant_phone": PHONE,
        "complainant_email": "liu@example.com",
    } | overrides


def _lodge(merchant, **overrides) -> Complaint:
    data = {
        "merchant": merchant,
        "category": "quality",
        "description": "茶叶发霉",
        "wanted_outcome": "退款",
        "complainant_name": "刘女士",
        "complainant_phone": PHONE,
        "complainant_email": "liu@example.com",
        "amount": Decimal("50.00"),
        "purchase_date": date(2026, 11, 20),
    }
    return svc.complaint_submit(**(data | overrides))


# 5. Phones


@pytest.mark.parametrize("written", [PHONE, *SAME_NUMBER])
def test_every_writing_of_a_number_is_one_number(written):
    assert phone_normalise(written) == PHONE


@pytest.mark.parametrize(
    ("written", "stored"),
    [("0571-87654321", "057187654321"), ("+86 571 8765 4321", "057187654321")],
)
def test_landlines_keep_their_area_code(written, stored):
    assert phone_normalise(written) == stored


@pytest.mark.parametrize(
    "junk",
    ["00000", "<b>abc</b>", "87654321", "12345678901", "+1 650 253 0000", "", "\uff11\uff13\uff18"],
)
def test_junk_is_not_a_phone(junk):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        phone_normalise(junk)


def test_masks_show_only_the_last_four_digits():
    assert phone_mask("13812340000") == "*******0000"
    assert phone_mask("057187654321") == "*******4321"
    assert phone_mask("87654321") == "*******4321"  # the old mask showed 876****4321
    assert phone_mask("") == "*******"


@pytest.mark.parametrize("junk", ["00000", "<b>abc</b>"])
def test_api_refuses_junk_phones_with_a_message(merchant, junk):
    response = api().post(INTAKE, _body(merchant, complainant_phone=junk), format="json")
    assert response.status_code == 400
    assert "mainland China phone number" in str(response.json())
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("junk", ["00000", "<b>abc</b>"])
def test_page_refuses_junk_phones_with_a_message(client, merchant, junk):
    url = f"/complaints/new/?merchant={merchant.public_code}"
    data = _body(merchant, complainant_phone=junk, category="refund_refused")
    del data["merchant"]
    response = client.post(url, data)
    assert response.status_code == 200
    assert "mainland China phone number" in response.content.decode()
    assert not Complaint.objects.exists()


def test_the_service_refuses_junk_itself(merchant):
    with pytest.raises(DomainError, match="mainland China phone number"):
        _lodge(merchant, complainant_phone="00000")


def test_reformatted_numbers_hit_the_limit_after_it_is_reached(merchant, settings):
    """The attack: 5 complaints, then 7 of 8 reformattings got 201. Now all 429."""
    settings.COMPLAINT_INTAKE_LIMITS = {"hour": 5, "day": 20}
    client = api()
    for i in range(5):
        body = _body(merchant, description=f"第{i}次")
        assert client.post(INTAKE, body, format="json").status_code == 201
    for written in SAME_NUMBER:
        response = client.post(INTAKE, _body(merchant, complainant_phone=written), format="json")
        assert response.status_code == 429, written
        assert "from this phone" in response.json()["detail"]
    assert set(Complaint.objects.values_list("complainant_phone", flat=True)) == {PHONE}


def test_phones_are_stored_normalised_from_the_api_and_the_page(client, merchant, settings):
    api().post(INTAKE, _body(merchant, complainant_phone="+86 139-1111-2222"), format="json")
    data = _body(merchant, complainant_phone="0086 137 3333 4444", category="refund_refused")
    del data["merchant"]
    client.post(f"/complaints/new/?merchant={merchant.public_code}", data)
    assert sorted(Complaint.objects.values_list("complainant_phone", flat=True)) == [
        "13733334444",
        "13911112222",
    ]


def test_duplicates_are_found_whatever_the_writing(client, merchant):
    _lodge(merchant, complainant_phone=PHONE)
    assert len(svc.complaint_likely_duplicates(phone="+86 138-1234-0000", merchant=merchant)) == 1
    data = _body(merchant, complainant_phone="0086 138 1234 0000", category="refund_refused")
    del data["merchant"]
    warned = client.post(f"/complaints/new/?merchant={merchant.public_code}", data)
    assert "You may have complained about this business already" in warned.content.decode()
    assert Complaint.objects.count() == 1


def test_the_merchant_sees_only_the_last_four_digits(merchant, owner, county_regulator):
    complaint = _lodge(merchant, complainant_phone="0571-87654321")
    assert complaint.complainant_phone == "057187654321"
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    response = api(owner).get(f"/api/v1/complaints/{complaint.pk}/")
    assert response.json()["phone"] == "*******4321"
    assert "8765" not in response.content.decode()
    page = client_for(owner).get(f"/complaints/merchant/{complaint.pk}/").content.decode()
    assert "*******4321" in page and "87654321" not in page


def test_the_data_migration_normalises_existing_rows(merchant):
    import importlib

    from django.apps import apps

    complaint = _lodge(merchant)
    other = _lodge(merchant, complainant_phone="13911112222")
    Complaint.objects.filter(pk=complaint.pk).update(complainant_phone="+86 138-1234-0000")
    Complaint.objects.filter(pk=other.pk).update(complainant_phone="00000")
    migration = importlib.import_module("complaints.migrations.0008_normalise_phones")
    migration.normalise(apps, None)
    complaint.refresh_from_db()
    other.refresh_from_db()
    assert complaint.complainant_phone == PHONE
    assert other.complainant_phone == "00000"  # kept: it cannot be parsed


# 6. Limits: per phone, per address, atomic


def test_the_address_has_its_own_limit_through_the_api(merchant, settings):
    settings.COMPLAINT_INTAKE_LIMITS = {"hour": 100, "day": 100}
    settings.COMPLAINT_ADDRESS_LIMITS = {"hour": 2, "day": 100}
    client = api()
    codes = [
        client.post(
            INTAKE,
            _body(merchant, complainant_phone=f"1390000000{i}"),
            format="json",
            REMOTE_ADDR="10.9.9.9",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",  # rotated: ignored without a trusted proxy
        ).status_code
        for i in range(3)
    ]
    assert codes == [201, 201, 429]
    assert set(Complaint.objects.values_list("submitted_ip", flat=True)) == {"10.9.9.9"}


def test_behind_a_trusted_proxy_the_forwarded_address_counts(merchant, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.COMPLAINT_INTAKE_LIMITS = {"hour": 100, "day": 100}
    settings.COMPLAINT_ADDRESS_LIMITS = {"hour": 1, "day": 100}
    client = api()

    def post(i: int, forwarded: str) -> int:
        return client.post(
            INTAKE,
            _body(merchant, complainant_phone=f"1390000000{i}"),
            format="json",
            REMOTE_ADDR="172.18.0.2",  # the proxy
            HTTP_X_FORWARDED_FOR=forwarded,
        ).status_code

    # The client may prepend anything; only the entry the proxy appended counts.
    assert post(1, "198.51.100.7") == 201
    assert post(2, "1.2.3.4, 198.51.100.7") == 429
    assert post(3, "198.51.100.8") == 201
    assert set(Complaint.objects.values_list("submitted_ip", flat=True)) == {
        "198.51.100.7",
        "198.51.100.8",
    }


def test_intake_counts_the_normalised_phone_and_the_address_before_storing(merchant):
    """Sequentially (SQLite runs no parallel writers): intake reads the counts of the normalised
    phone and of the address before it stores anything, and counts the complaint (one upsert)
    as the last statement of its transaction; a reformatted number counts on the same key, and
    no phone is stored in the counters."""
    with CaptureQueriesContext(connection) as queries:
        _lodge(merchant, complainant_phone="+86 138 1234 0000", ip="10.0.0.1")
    sqls = statements_run(queries)
    read = next(i for i, sql in enumerate(sqls) if "common_limitcounter" in sql)
    count = next(i for i, sql in enumerate(sqls) if sql.startswith('INSERT INTO "common_limit'))
    # On PostgreSQL the complaint's INSERT is in one statement with its number and event.
    insert = next(i for i, sql in enumerate(sqls) if 'INSERT INTO "complaints_complaint"' in sql)
    assert read < insert < count and "ON CONFLICT" in sqls[count]
    writes = [sql for sql in sqls if sql.startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes[-1] == sqls[count]  # nothing written after it: its lock is held only to commit
    keys = set(LimitCounter.objects.values_list("key", flat=True))
    assert len(keys) == 2 and PHONE not in "".join(keys)
    _lodge(merchant, complainant_phone="138-1234-0000", ip="10.0.0.1")
    assert set(LimitCounter.objects.values_list("key", flat=True)) == keys
    assert set(LimitCounter.objects.values_list("hits", flat=True)) == {2}


def test_a_complaint_refused_or_failed_does_not_count(merchant, settings, monkeypatch):
    settings.COMPLAINT_INTAKE_LIMITS = {"hour": 1, "day": 20}
    with pytest.raises(DomainError):
        _lodge(merchant, purchase_date=date(1980, 1, 1))

    def broken(complaint):
        raise RuntimeError("the database went away while storing")

    with monkeypatch.context() as patch:
        patch.setattr(svc, "complaint_merchant_facts_changed", broken)
        with pytest.raises(RuntimeError):
            _lodge(merchant)
    assert not Complaint.objects.exists()
    _lodge(merchant)
    with pytest.raises(DomainError, match="Too many complaints from this phone"):
        _lodge(merchant)


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_requests_accept_at_most_the_limit(settings, reference_data):
    """The attack: 20 parallel requests from one phone, limit 5, accepted 6-8. Now at most 5."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no parallel writers; the locking is tested sequentially above")
    from tests.factories import MerchantFactory, region

    settings.COMPLAINT_INTAKE_LIMITS = {"hour": 5, "day": 20}
    settings.COMPLAINT_ADDRESS_LIMITS = {"hour": 1000, "day": 1000}
    merchant = MerchantFactory(name="并发茶楼", region=region("330106"))

    def post(i: int) -> int:
        return (
            api()
            .post(
                INTAKE,
                _body(merchant, complainant_phone=SAME_NUMBER[i % len(SAME_NUMBER)]),
                format="json",
                REMOTE_ADDR=f"10.0.1.{i}",
            )
            .status_code
        )

    codes = race(*(partial(post, i) for i in range(20)))
    assert sorted(set(codes)) == [201, 429] and codes.count(201) == 5
    assert Complaint.objects.filter(complainant_phone=PHONE).count() == 5


# 4. Attach and masking


def test_an_owner_holding_the_link_cannot_attach_it(merchant, owner, county_regulator):
    complaint = _lodge(merchant)
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    url = f"/api/v1/complaints/track/{complaint.tracking_token}/attach/"
    response = api(owner).post(url)
    assert response.status_code == 403
    assert "Only a consumer account" in response.json()["detail"]
    complaint.refresh_from_db()
    assert complaint.consumer_id is None
    Complaint.objects.filter(pk=complaint.pk).update(accepted_at=timezone.now())  # theirs to see
    detail = api(owner).get(f"/api/v1/complaints/{complaint.pk}/")
    assert detail.json()["phone"] == "*******0000" and detail.json()["email"] == ""
    assert PHONE not in detail.content.decode() and "liu@example.com" not in detail.content.decode()


def test_a_regulator_cannot_attach_either(merchant, county_regulator):
    complaint = _lodge(merchant)
    url = f"/api/v1/complaints/track/{complaint.tracking_token}/attach/"
    assert api(county_regulator).post(url).status_code == 403


def test_the_page_refuses_an_owner_and_offers_no_button(merchant, owner):
    complaint = _lodge(merchant)
    client = client_for(owner)
    track = f"/complaints/t/{complaint.tracking_token}/"
    assert "Attach to my account" not in client.get(track).content.decode()
    response = client.post(f"{track}attach/", follow=True)
    assert "Only a consumer account" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.consumer_id is None


def test_a_consumer_still_attaches_and_sees_the_contact(merchant, consumer):
    complaint = _lodge(merchant)
    url = f"/api/v1/complaints/track/{complaint.tracking_token}/attach/"
    assert api(consumer).post(url).status_code == 200
    assert api(consumer).get(f"/api/v1/complaints/{complaint.pk}/").json()["phone"] == PHONE


def test_a_complaint_already_on_a_merchant_account_stays_masked(merchant, owner):
    """Attached before this fix (or by any other path): the role decides, not the account."""
    complaint = _lodge(merchant)
    Complaint.objects.filter(pk=complaint.pk).update(consumer=owner)
    response = api(owner).get(f"/api/v1/complaints/{complaint.pk}/")
    assert response.status_code == 200
    assert response.json()["phone"] == "*******0000" and response.json()["email"] == ""


def test_a_merchant_person_lodging_signed_in_gets_no_account_link(merchant, owner):
    other = UserFactory(username="someone-else", role="merchant")
    MembershipFactory(user=other, merchant=merchant)
    complaint = _lodge(merchant, consumer=owner)
    assert complaint.consumer_id is None


def test_the_refusals_read_in_chinese(merchant, owner, settings):
    from rest_framework.test import APIClient

    settings.COMPLAINT_INTAKE_LIMITS = {"hour": 1, "day": 20}
    _lodge(merchant)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-CN")
    response = client.post(INTAKE, _body(merchant, complainant_phone="+86 138 1234 0000"))
    assert response.status_code == 429 and "该电话号码" in response.json()["detail"]
    complaint = Complaint.objects.get()
    client.force_authenticate(owner)
    refused = client.post(f"/api/v1/complaints/track/{complaint.tracking_token}/attach/")
    assert "只有消费者账户" in refused.json()["detail"]
