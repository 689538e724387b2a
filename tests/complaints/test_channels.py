"""Channels and filing for callers (issue 15, point 3): each complaint records how it came in
and who lodged it; coordinators and hotline operators (regulator accounts) file for callers from
their desk, skip the per-address limit (never the per-phone one), and follow what they filed."""

import pytest
from django.urls import reverse

from common import sms
from common.errors import DomainError
from complaints.models import Complaint, ComplaintChannel
from complaints.services import complaints as svc
from merchants.models import User
from merchants.services.stations import station_create
from merchants.services.tokens import api_token_create
from tests.conftest import api, client_for
from tests.factories import UserFactory, region

pytestmark = pytest.mark.django_db

INTAKE = "/api/v1/complaints/intake/"


@pytest.fixture
def coordinator(db) -> User:
    return UserFactory(username="coord-xihu", role=User.Role.COORDINATOR, region=region("330106"))


@pytest.fixture
def other_coordinator(db) -> User:
    return UserFactory(
        username="coord-binjiang", role=User.Role.COORDINATOR, region=region("330108")
    )


def _body(merchant, **overrides) -> dict:
    return {
        "merchant": merchant.public_code,
        "category": "quality",
        "description": "茶叶发霉",
        "wanted_outcome": "退款",
        "complainant_name": "刘女士",
        "complainant_phone": "13812340000",
    } | overrides


def _form(phone: str, **overrides) -> dict:
    return {
        "channel": "walk_in",
        "category": "quality",
        "description": "茶叶发霉",
        "wanted_outcome": "退款",
        "complainant_name": "来电人",
        "complainant_phone": phone,
    } | overrides


# The API


@pytest.mark.parametrize("channel", ["hotline", "station", "letter", "walk_in"])
def test_anonymous_callers_cannot_claim_a_staff_channel(merchant, channel):
    response = api().post(INTAKE, _body(merchant, channel=channel), format="json")
    assert response.status_code == 400
    assert not Complaint.objects.exists()


def test_a_signed_in_consumer_cannot_claim_the_hotline(merchant, consumer):
    response = api(consumer).post(INTAKE, _body(merchant, channel="hotline"), format="json")
    assert response.status_code == 400


def test_anyone_may_say_qr_and_web_is_the_default(merchant):
    qr = api().post(INTAKE, _body(merchant, channel="qr"), format="json")
    web = api().post(INTAKE, _body(merchant, complainant_phone="13812340001"), format="json")
    assert qr.status_code == web.status_code == 201
    channels = dict(Complaint.objects.values_list("number", "channel"))
    assert channels == {qr.json()["number"]: "qr", web.json()["number"]: "web"}
    assert not Complaint.objects.filter(lodged_by__isnull=False).exists()


def test_an_unknown_channel_is_refused(merchant):
    assert api().post(INTAKE, _body(merchant, channel="fax"), format="json").status_code == 400


@pytest.mark.parametrize("who", ["coordinator", "county_regulator"])
def test_staff_filings_record_who_and_how(merchant, who, request):
    staff = request.getfixturevalue(who)
    response = api(staff).post(INTAKE, _body(merchant, channel="hotline"), format="json")
    assert response.status_code == 201
    complaint = Complaint.objects.get(number=response.json()["number"])
    assert complaint.lodged_by == staff and complaint.channel == ComplaintChannel.HOTLINE
    assert complaint.consumer is None


def test_a_token_works_like_a_session(merchant, coordinator):
    _token, key = api_token_create(user=coordinator)
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.post(INTAKE, _body(merchant, channel="walk_in"), format="json")
    assert response.status_code == 201
    assert Complaint.objects.get().lodged_by == coordinator


def test_staff_skip_the_address_limit_but_not_the_phone_limit(merchant, coordinator, settings):
    settings.COMPLAINT_ADDRESS_LIMITS = {"hour": 2, "day": 100}
    settings.COMPLAINT_INTAKE_LIMITS = {"hour": 2, "day": 20}
    codes = [
        api(coordinator)
        .post(
            INTAKE,
            _body(merchant, channel="walk_in", complainant_phone=f"1381234000{i}"),
            format="json",
            REMOTE_ADDR="10.9.9.9",
        )
        .status_code
        for i in range(5)
    ]
    assert codes == [201] * 5
    same_phone = [
        api(coordinator)
        .post(INTAKE, _body(merchant, channel="walk_in"), format="json", REMOTE_ADDR="10.9.9.9")
        .status_code
        for _ in range(3)
    ]
    # 13812340000 was used once above: one more is allowed, then the phone's limit refuses.
    assert same_phone == [201, 429, 429]
    anonymous = [
        api()
        .post(
            INTAKE,
            _body(merchant, complainant_phone=f"1391234000{i}"),
            format="json",
            REMOTE_ADDR="10.9.9.9",
        )
        .status_code
        for i in range(3)
    ]
    assert anonymous == [201, 201, 429]  # the anonymous still count per address


def test_a_merchant_person_is_not_staff(merchant, owner):
    response = api(owner).post(INTAKE, _body(merchant, channel="hotline"), format="json")
    assert response.status_code == 400


# The pages


def test_the_store_qr_link_records_the_qr_channel(client, merchant):
    url = reverse("complaint-new") + f"?merchant={merchant.public_code}&channel=qr"
    response = client.post(url, _form("13812340000", channel=""))
    assert response.status_code == 302
    assert Complaint.objects.get().channel == ComplaintChannel.QR
    plain = client.post(
        reverse("complaint-new") + f"?merchant={merchant.public_code}", _form("13812340001")
    )
    assert plain.status_code == 302
    assert Complaint.objects.get(complainant_phone="13812340001").channel == "web"


def test_a_coordinator_files_for_a_caller(
    merchant, coordinator, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    page = client.get(reverse("complaint-file") + f"?merchant={merchant.public_code}")
    assert page.status_code == 200 and "Caller&#x27;s phone" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("complaint-file") + f"?merchant={merchant.public_code}",
            _form("13812340000", channel="walk_in"),
        )
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("complaint-filed-detail", args=[complaint.pk]) + "?new=1"
    assert complaint.lodged_by == coordinator and complaint.channel == "walk_in"
    assert complaint.consumer is None
    (to, text), *_ = sms.outbox
    assert to == "13812340000" and complaint.number in text and complaint.tracking_token in text
    detail = client.get(response["Location"]).content.decode()
    assert complaint.number in detail and complaint.tracking_token in detail
    assert "13812340000" in detail  # the filer sees the caller's phone in full


def test_the_file_form_requires_a_staff_channel(merchant, coordinator):
    client = client_for(coordinator)
    url = reverse("complaint-file") + f"?merchant={merchant.public_code}"
    for channel in ("", "web", "qr"):
        response = client.post(url, _form("13812340000", channel=channel))
        assert response.status_code == 200
    assert not Complaint.objects.exists()


def test_thirty_filings_in_an_hour_from_one_address_none_refused(
    merchant, coordinator, county_regulator
):
    station = station_create(
        actor=county_regulator,
        county=region("330106"),
        name="双流村",
        address="双流村文化礼堂",
        phone="0571-87391234",
        coordinators=[coordinator],
    )
    client = client_for(coordinator)
    url = reverse("complaint-file") + f"?merchant={merchant.public_code}"
    for i in range(30):
        form = _form(f"138123400{i:02d}", channel="station", station=station.pk)
        response = client.post(url, form, REMOTE_ADDR="10.1.1.1")
        assert response.status_code == 302, (i, response.content.decode()[:500])
    assert Complaint.objects.filter(lodged_by=coordinator, station=station).count() == 30
    assert Complaint.objects.values("number").distinct().count() == 30


def test_the_per_phone_limit_still_applies_on_the_page(merchant, coordinator, settings):
    settings.COMPLAINT_INTAKE_LIMITS = {"hour": 2, "day": 20}
    client = client_for(coordinator)
    url = reverse("complaint-file") + f"?merchant={merchant.public_code}"
    answers = [
        client.post(url, _form("13812340000", confirm_duplicate="on")).status_code for _ in range(3)
    ]
    assert answers == [302, 302, 200]
    assert Complaint.objects.count() == 2


def test_the_public_form_records_signed_in_staff(client, merchant, county_regulator):
    client.force_login(county_regulator)
    url = reverse("complaint-new") + f"?merchant={merchant.public_code}"
    assert "File for a caller" in client.get(url).content.decode()
    assert client.post(url, _form("13812340000")).status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.lodged_by == county_regulator and complaint.channel == "web"


# What one filed


def _file(merchant, staff, phone: str) -> Complaint:
    return svc.complaint_submit(
        merchant=merchant,
        category="quality",
        description="茶叶发霉",
        wanted_outcome="退款",
        complainant_name="来电人",
        complainant_phone=phone,
        lodged_by=staff,
        channel=ComplaintChannel.HOTLINE,
    )


def test_the_filed_list_shows_only_ones_own(
    merchant, coordinator, other_coordinator, django_assert_max_num_queries
):
    mine = [_file(merchant, coordinator, f"138123400{i:02d}") for i in range(12)]
    theirs = _file(merchant, other_coordinator, "13912340000")
    client = client_for(coordinator)
    with django_assert_max_num_queries(8):
        html = client.get(reverse("complaint-filed")).content.decode()
    assert all(c.number in html for c in mine) and theirs.number not in html
    assert client.get(reverse("complaint-filed-detail", args=[mine[0].pk])).status_code == 200
    other = client.get(reverse("complaint-filed-detail", args=[theirs.pk]))
    assert other.status_code == 404


def test_the_filed_detail_is_read_only(merchant, coordinator):
    complaint = _file(merchant, coordinator, "13812340000")
    html = (
        client_for(coordinator)
        .get(reverse("complaint-filed-detail", args=[complaint.pk]))
        .content.decode()
    )
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    assert complaint.number in main and "<form" not in main


@pytest.mark.parametrize("who", ["consumer", "owner"])
def test_consumers_and_merchants_have_no_filing_pages(who, request):
    client = client_for(request.getfixturevalue(who))
    for name in ("complaint-file", "complaint-filed"):
        assert client.get(reverse(name)).status_code == 404


def test_the_service_refuses_a_consumer_as_filer(merchant, consumer):
    with pytest.raises(DomainError):
        _file(merchant, consumer, "13812340000")
