"""Issue 15, points 5 and 7, the consumer's side: the merchant sees and hears of a complaint only
once the regulator accepted it; a consumer's home shows their complaints and the way to lodge
one, never merchant actions; the form fills in what the account knows; only a handled complaint
is rated; a regulator appears to the consumer by name and role, never by username."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from common.errors import DomainError
from complaints.models import Complaint
from complaints.models import ComplaintState as C
from complaints.services import complaints as svc
from merchants.models import Notification, User
from tests.conftest import api, client_for
from tests.factories import RegulatorFactory, UserFactory, region

pytestmark = pytest.mark.django_db

PHONE = "13812341234"


def _lodge(merchant, **overrides) -> Complaint:
    data = {
        "merchant": merchant,
        "category": "quality",
        "description": "茶叶发霉",
        "wanted_outcome": "退款",
        "complainant_name": "刘女士",
        "complainant_phone": PHONE,
        "complainant_email": "liu@example.com",
    }
    return svc.complaint_submit(**(data | overrides))


@pytest.fixture(autouse=True)
def _no_intake_limits(settings):
    settings.COMPLAINT_INTAKE_LIMITS = {"hour": 10_000, "day": 10_000}


@pytest.fixture
def complaint(merchant) -> Complaint:
    return _lodge(merchant)


# The merchant only after acceptance


def _merchant_notes(owner) -> list[str]:
    return list(
        Notification.objects.filter(user=owner, key__startswith="complaint-event:").values_list(
            "key", flat=True
        )
    )


def test_the_merchant_desk_hides_a_complaint_until_it_is_accepted(
    complaint, owner, county_regulator
):
    client = client_for(owner)
    detail = reverse("complaint-merchant-detail", args=[complaint.pk])
    assert detail not in client.get(reverse("complaint-merchant-desk")).content.decode()
    assert client.get(detail).status_code == 404
    assert api(owner).get(f"/api/v1/complaints/{complaint.pk}/").status_code == 404
    assert api(owner).get("/api/v1/complaints/").json()["count"] == 0

    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    assert detail in client.get(reverse("complaint-merchant-desk")).content.decode()
    assert client.get(detail).status_code == 200
    assert api(owner).get(f"/api/v1/complaints/{complaint.pk}/").status_code == 200
    assert api(owner).get("/api/v1/complaints/").json()["count"] == 1


def test_the_regulator_and_the_consumer_see_it_before_acceptance(
    complaint, county_regulator, consumer
):
    svc.complaint_attach_to_account(complaint=complaint, consumer=consumer)
    for user in (county_regulator, consumer):
        assert api(user).get(f"/api/v1/complaints/{complaint.pk}/").status_code == 200


@pytest.mark.parametrize("ending", ["declined", "withdrawn"])
def test_the_merchant_never_hears_of_a_complaint_closed_before_acceptance(
    merchant, owner, county_regulator, ending
):
    complaint = _lodge(merchant)
    if ending == "declined":
        svc.complaint_decline(actor=county_regulator, complaint=complaint, ground="too_old")
    else:
        svc.complaint_withdraw(complaint=complaint, text="已解决")
    assert _merchant_notes(owner) == []
    assert client_for(owner).get(
        reverse("complaint-merchant-detail", args=[complaint.pk])
    ).status_code == (404)


def test_the_merchant_hears_from_acceptance_on(complaint, owner, county_regulator):
    assert _merchant_notes(owner) == []  # nothing at submission
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    assert len(_merchant_notes(owner)) == 2  # accepted, then passed to them
    svc.complaint_withdraw(complaint=complaint, text="已解决")
    assert len(_merchant_notes(owner)) == 3  # withdrawn after acceptance: they hear of it


def test_the_owners_history_copy_holds_only_accepted_complaints(merchant, owner, county_regulator):
    accepted = _lodge(merchant)
    svc.complaint_accept(actor=county_regulator, complaint=accepted)
    waiting = _lodge(merchant, complainant_phone="13900000001")

    def ids(user) -> set[int]:
        response = api(user).get(f"/api/v1/merchants/{merchant.pk}/export/")
        assert response.status_code == 200
        data = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("history.json"))
        return {row["id"] for row in data["complaints"]}

    assert ids(owner) == {accepted.pk}
    assert ids(county_regulator) == {accepted.pk, waiting.pk}


def test_the_public_figures_still_count_every_complaint(complaint, merchant):
    body = api().get(f"/api/v1/complaints/figures/{merchant.public_code}/").json()
    assert body["received"] == 1 and body["accepted"] == 0


# The consumer's home


@pytest.fixture
def carol(consumer) -> User:
    consumer.first_name, consumer.last_name, consumer.phone = "娜", "李", "13700137000"
    consumer.email = "carol@example.com"
    consumer.save()
    return consumer


def test_a_consumers_home_lists_their_latest_complaints_and_offers_to_lodge_one(
    merchant, other_merchant, carol
):
    mine = []
    for i in range(7):
        mine.append(_lodge(merchant, consumer=carol, complainant_phone=f"1390000{i:04d}"))
    someone_elses = _lodge(other_merchant, complainant_phone="13600000000")
    html = client_for(carol).get(reverse("home")).content.decode()
    shown = [c for c in mine if reverse("complaint-track", args=[c.tracking_token]) in html]
    assert shown == mine[-5:]  # the latest five
    assert someone_elses.tracking_token not in html
    assert reverse("complaint-mine") in html
    assert f'href="{reverse("complaint-new")}"' in html and "Lodge a complaint" in html
    # Never the merchant's part, on the page or in the navigation.
    assert "Your merchants" not in html and reverse("merchant-register") not in html


def test_a_consumers_home_in_chinese(carol, merchant):
    _lodge(merchant, consumer=carol)
    html = client_for(carol).get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content
    text = html.decode()
    assert "我要投诉" in text and "我的投诉" in text
    assert "您的商户" not in text and "注册商户" not in text


def test_a_consumer_without_complaints_is_told_where_they_will_be(carol):
    html = client_for(carol).get(reverse("home")).content.decode()
    assert "No complaint in your account yet" in html and "Lodge a complaint" in html


def test_the_home_page_query_count_does_not_grow_with_complaints(
    merchant, carol, django_assert_max_num_queries
):
    for i in range(10):
        _lodge(merchant, consumer=carol, complainant_phone=f"1390000{i:04d}")
    client = client_for(carol)
    client.get(reverse("home"))
    with django_assert_max_num_queries(6):
        assert client.get(reverse("home")).status_code == 200


def test_the_anonymous_home_offers_to_lodge_a_complaint(client):
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("complaint-new")}"' in html and "Lodge a complaint" in html


def test_a_merchant_operators_home_is_unchanged(owner, merchant):
    html = client_for(owner).get(reverse("home")).content.decode()
    assert "Your merchants" in html and reverse("merchant-register") in html
    assert "No complaint in your account yet" not in html


# The form fills in what the account knows


def _form_page(client, merchant):
    return client.get(reverse("complaint-new") + f"?merchant={merchant.public_code}")


def test_the_form_fills_in_the_accounts_name_phone_and_email(carol, merchant):
    chinese = client_for(carol).get(
        reverse("complaint-new") + f"?merchant={merchant.public_code}",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    form = chinese.context["form"]
    assert form["complainant_name"].value() == "李娜"
    assert form["complainant_phone"].value() == "13700137000"
    assert form["complainant_email"].value() == "carol@example.com"
    english = client_for(carol).get(
        reverse("complaint-new") + f"?merchant={merchant.public_code}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert english.context["form"]["complainant_name"].value() == "娜 李"


def test_what_the_account_does_not_know_stays_empty(consumer, merchant):
    consumer.phone = ""
    consumer.save()
    form = _form_page(client_for(consumer), merchant).context["form"]
    assert form["complainant_phone"].value() is None
    assert form["complainant_name"].value() is None  # no name: never the username
    assert form["complainant_email"].value() == consumer.email


def test_the_posted_values_win_over_the_accounts(carol, merchant):
    response = client_for(carol).post(
        reverse("complaint-new") + f"?merchant={merchant.public_code}",
        {
            "category": "quality",
            "description": "发霉",
            "wanted_outcome": "退款",
            "complainant_name": "李娜的母亲",
            "complainant_phone": "13911112222",
            "complainant_email": "",
        },
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.complainant_name == "李娜的母亲"
    assert complaint.complainant_phone == "13911112222" and complaint.complainant_email == ""


def test_anonymous_and_staff_forms_are_not_filled_in(client, merchant, county_regulator):
    assert _form_page(client, merchant).context["form"]["complainant_name"].value() is None
    county_regulator.first_name, county_regulator.last_name = "敏", "吴"
    county_regulator.save()
    # A regulator on the public form files for a caller: never their own details.
    form = _form_page(client_for(county_regulator), merchant).context["form"]
    assert form["complainant_name"].value() is None
    assert form["complainant_email"].value() is None


# Rating only what was handled


def _closed(merchant, regulator, owner, how: str) -> Complaint:
    complaint = _lodge(merchant)
    if how == "declined":
        svc.complaint_decline(actor=regulator, complaint=complaint, ground="too_old")
        return complaint
    if how == "withdrawn_before_acceptance":
        return svc.complaint_withdraw(complaint=complaint)
    svc.complaint_accept(actor=regulator, complaint=complaint)
    if how == "withdrawn_after_acceptance":
        return svc.complaint_withdraw(complaint=complaint)
    svc.complaint_dispute(actor=owner, complaint=complaint, text="不同意")
    if how == "settled":
        return svc.complaint_settle(actor=regulator, complaint=complaint, agreement="退款")
    return svc.complaint_mediation_fail(actor=regulator, complaint=complaint, text="分歧")


HANDLED = ["settled", "mediation_failed", "withdrawn_after_acceptance"]
NOT_HANDLED = ["declined", "withdrawn_before_acceptance"]


@pytest.mark.parametrize("how", HANDLED + NOT_HANDLED)
def test_only_a_handled_complaint_is_rated(merchant, county_regulator, owner, how):
    complaint = _closed(merchant, county_regulator, owner, how)
    assert complaint.is_closed
    client = client_for(None)
    track = reverse("complaint-track", args=[complaint.tracking_token])
    offered = "Rate the handling" in client.get(track).content.decode()
    body = api().get(f"/api/v1/complaints/track/{complaint.tracking_token}/").json()
    page = client.post(
        reverse("complaint-track-rate", args=[complaint.tracking_token]),
        {"rating": "4"},
        follow=True,
    )
    complaint.refresh_from_db()
    if how in HANDLED:
        assert offered and body["can_rate"] is True
        assert complaint.rating == 4
        after = api().get(f"/api/v1/complaints/track/{complaint.tracking_token}/").json()
        assert after["can_rate"] is False
    else:
        assert not offered and body["can_rate"] is False
        assert complaint.rating is None
        assert "closed before it was handled" in page.content.decode()


@pytest.mark.parametrize("how", NOT_HANDLED)
def test_the_api_and_the_service_refuse_to_rate_what_was_not_handled(
    merchant, county_regulator, owner, how
):
    complaint = _closed(merchant, county_regulator, owner, how)
    response = api().post(
        f"/api/v1/complaints/track/{complaint.tracking_token}/rate/", {"rating": 3}, format="json"
    )
    assert response.status_code == 400
    assert "closed before it was handled" in str(response.json())
    with pytest.raises(DomainError, match="closed before it was handled"):
        svc.complaint_rate(complaint=complaint, rating=3)


def test_an_open_complaint_is_not_rated(complaint):
    assert api().get(f"/api/v1/complaints/track/{complaint.tracking_token}/").json()[
        "can_rate"
    ] is (False)
    with pytest.raises(DomainError, match="once its handling is over"):
        svc.complaint_rate(complaint=complaint, rating=3)


# A regulator appears to the consumer by name and role, never by username


def test_the_consumer_sees_the_regulators_name_beside_the_role(complaint):
    regulator = RegulatorFactory(
        username="reg-xihu-wu", region=region("330106"), first_name="敏", last_name="吴"
    )
    svc.complaint_claim(actor=regulator, complaint=complaint)
    svc.complaint_accept(actor=regulator, complaint=complaint)
    track = reverse("complaint-track", args=[complaint.tracking_token])
    chinese = client_for(None).get(track, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "监管人员 · 吴敏" in chinese and "吴敏 承办该投诉。" in chinese
    assert "reg-xihu-wu" not in chinese
    english = client_for(None).get(track, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Regulator · 敏 吴" in english and "敏 吴 handles this complaint." in english
    assert "reg-xihu-wu" not in english
    timeline = api().get(f"/api/v1/complaints/track/{complaint.tracking_token}/").json()["timeline"]
    assert {step["actor_name"] for step in timeline} == {"", "敏 吴"}
    assert "reg-xihu-wu" not in json.dumps(timeline, ensure_ascii=False)


def test_a_regulator_without_a_name_is_only_their_role(complaint, county_regulator):
    svc.complaint_claim(actor=county_regulator, complaint=complaint)
    track = reverse("complaint-track", args=[complaint.tracking_token])
    html = client_for(None).get(track).content.decode()
    assert "Regulator handles this complaint." in html
    assert county_regulator.username not in html
    body = api().get(f"/api/v1/complaints/track/{complaint.tracking_token}/").content.decode()
    assert county_regulator.username not in body
    # The regulators' own page still says who it was.
    desk = client_for(county_regulator).get(reverse("complaint-queue-detail", args=[complaint.pk]))
    assert county_regulator.username in desk.content.decode()


def test_a_coordinator_filing_for_a_caller_is_not_named_by_username(merchant):
    coordinator = UserFactory(
        username="coord-xihu", role=User.Role.COORDINATOR, region=region("330106")
    )
    complaint = _lodge(merchant, lodged_by=coordinator, channel="walk_in")
    track = reverse("complaint-track", args=[complaint.tracking_token])
    html = client_for(None).get(track).content.decode()
    assert "coord-xihu" not in html and "(filed for the caller)" in html
    body = api().get(f"/api/v1/complaints/track/{complaint.tracking_token}/").content.decode()
    assert "coord-xihu" not in body
    coordinator.first_name, coordinator.last_name = "桂英", "何"
    coordinator.save()
    named = _lodge(
        merchant, lodged_by=coordinator, channel="walk_in", complainant_phone="13900000009"
    )
    html = client_for(None).get(reverse("complaint-track", args=[named.tracking_token]))
    assert "桂英 何 (filed for the caller)" in html.content.decode()


def test_reopened_and_reclosed_keeps_the_rule(merchant, county_regulator, owner):
    complaint = _closed(merchant, county_regulator, owner, "settled")
    Complaint.objects.filter(pk=complaint.pk).update(closed_at=timezone.now() - timedelta(days=1))
    svc.complaint_reopen(complaint=complaint, text="未退款")
    assert svc.complaint_can_rate(complaint) is False
    svc.complaint_settle(actor=county_regulator, complaint=complaint, agreement="三日内退款")
    assert svc.complaint_can_rate(complaint) is True
    assert complaint.state == C.SETTLED
