"""The merchant's complaint desk and the regulator's complaint queue, through the pages."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from complaints.models import Complaint, ComplaintEvent
from complaints.models import ComplaintState as C
from complaints.selectors.complaints import complaint_get, complaint_list
from complaints.services import complaints as svc
from tests.conftest import client_for
from tests.factories import MerchantFactory, pdf_upload, region

pytestmark = pytest.mark.django_db

PHONE = "13812341234"
EMAIL = "liu.consumer@example.com"


@pytest.fixture(autouse=True)
def _no_intake_limits(settings):
    settings.COMPLAINT_INTAKE_LIMITS = {"hour": 10_000, "day": 10_000}


def _lodge(merchant, **overrides) -> Complaint:
    data = {
        "merchant": merchant,
        "category": "refund_refused",
        "description": "购买的茶叶未拆封, 七日内要求退货被拒绝。",
        "wanted_outcome": "退货退款",
        "complainant_name": "刘女士",
        "complainant_phone": PHONE,
        "complainant_email": EMAIL,
        "amount": Decimal("268.00"),
        "purchase_date": date(2026, 11, 20),
    }
    return svc.complaint_submit(**(data | overrides))


@pytest.fixture
def complaint(merchant) -> Complaint:
    return _lodge(merchant, evidence=[pdf_upload("receipt.pdf")])


def _move(complaint: Complaint, state: str, **changes) -> Complaint:
    Complaint.objects.filter(pk=complaint.pk).update(state=state, **changes)
    complaint.refresh_from_db()
    return complaint


def _merchant_urls(complaint: Complaint) -> list[tuple[str, str]]:
    evidence = complaint.evidence.get()
    return [
        ("get", reverse("complaint-merchant-detail", args=[complaint.pk])),
        ("post", reverse("complaint-merchant-propose", args=[complaint.pk])),
        ("post", reverse("complaint-merchant-dispute", args=[complaint.pk])),
        ("post", reverse("complaint-merchant-message", args=[complaint.pk])),
        ("get", reverse("complaint-merchant-evidence", args=[complaint.pk, evidence.pk])),
    ]


def _queue_urls(complaint: Complaint) -> list[tuple[str, str]]:
    evidence = complaint.evidence.get()
    return [
        ("get", reverse("complaint-queue")),
        ("get", reverse("complaint-queue-detail", args=[complaint.pk])),
        ("post", reverse("complaint-queue-accept", args=[complaint.pk])),
        ("post", reverse("complaint-queue-decline", args=[complaint.pk])),
        ("post", reverse("complaint-queue-settle", args=[complaint.pk])),
        ("post", reverse("complaint-queue-fail", args=[complaint.pk])),
        ("post", reverse("complaint-queue-message", args=[complaint.pk])),
        ("get", reverse("complaint-queue-evidence", args=[complaint.pk, evidence.pk])),
    ]


POST_DATA = {
    "text": "x",
    "proposal": "x",
    "agreement": "x",
    "ground": "other",
}


# Outsiders


@pytest.mark.parametrize(
    "outsider", ["other_owner", "other_county_regulator", "consumer", "county_regulator"]
)
def test_outsider_gets_404_on_the_merchant_desk(
    request, complaint, other_merchant, outsider, county_regulator
):
    # Accepted, so that the merchant's own people would see it.
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    client = client_for(request.getfixturevalue(outsider))
    for method, url in _merchant_urls(complaint):
        response = getattr(client, method)(url, POST_DATA if method == "post" else None)
        assert response.status_code == 404, (outsider, url)
    complaint.refresh_from_db()
    assert complaint.state == C.WITH_MERCHANT
    assert complaint.events.count() == 3


@pytest.mark.parametrize("outsider", ["other_owner", "other_county_regulator", "consumer"])
def test_outsider_gets_404_in_the_queue(request, complaint, other_merchant, outsider):
    client = client_for(request.getfixturevalue(outsider))
    urls = _queue_urls(complaint)
    if outsider == "other_county_regulator":
        urls = urls[1:]  # their own queue exists, only alice's complaint is out of reach
    for method, url in urls:
        response = getattr(client, method)(url, POST_DATA if method == "post" else None)
        assert response.status_code == 404, (outsider, url)
    complaint.refresh_from_db()
    assert complaint.state == C.SUBMITTED
    assert complaint.events.count() == 1


def test_regulator_without_the_complaint_capability_gets_404(county_regulator, complaint):
    county_regulator.can_handle_complaints = False
    county_regulator.save(update_fields=["can_handle_complaints"])
    client = client_for(county_regulator)
    for method, url in _queue_urls(complaint):
        assert getattr(client, method)(url).status_code == 404, url


def test_anonymous_is_sent_to_log_in(complaint):
    client = client_for(None)
    for method, url in [*_merchant_urls(complaint), *_queue_urls(complaint)]:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url
    assert client.get(reverse("complaint-merchant-desk")).status_code == 302


def test_county_and_city_regulators_see_it_in_the_queue_the_other_county_does_not(
    complaint, county_regulator, city_regulator, other_county_regulator
):
    detail = reverse("complaint-queue-detail", args=[complaint.pk])
    for user in (county_regulator, city_regulator):
        page = client_for(user).get(reverse("complaint-queue"))
        assert detail in page.content.decode()
        assert page.context["tabs"][0][2] == 1
    page = client_for(other_county_regulator).get(reverse("complaint-queue"))
    assert detail not in page.content.decode()
    assert page.context["tabs"][0][2] == 0


def test_merchant_desk_lists_only_the_users_merchants(
    complaint, owner, other_owner, other_merchant, county_regulator
):
    theirs = _lodge(other_merchant, complainant_phone="13900000000")
    html = client_for(owner).get(reverse("complaint-merchant-desk")).content.decode()
    # Not yet accepted: the merchant does not see it.
    assert reverse("complaint-merchant-detail", args=[complaint.pk]) not in html
    for accepted in (complaint, theirs):
        svc.complaint_accept(actor=county_regulator, complaint=accepted)
    html = client_for(owner).get(reverse("complaint-merchant-desk")).content.decode()
    assert reverse("complaint-merchant-detail", args=[complaint.pk]) in html
    assert reverse("complaint-merchant-detail", args=[theirs.pk]) not in html


# Masking


def test_merchant_pages_never_show_the_raw_phone_or_email(complaint, owner, county_regulator):
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    client = client_for(owner)
    for url in (
        reverse("complaint-merchant-desk"),
        reverse("complaint-merchant-detail", args=[complaint.pk]),
    ):
        html = client.get(url).content.decode()
        assert PHONE not in html, url
        assert EMAIL not in html, url
        assert "*******1234" in html, url


def test_regulator_sees_the_full_contact(complaint, county_regulator):
    html = (
        client_for(county_regulator)
        .get(reverse("complaint-queue-detail", args=[complaint.pk]))
        .content.decode()
    )
    assert PHONE in html and EMAIL in html


# Actions through the pages


def test_accept_passes_to_the_merchant(complaint, county_regulator):
    client = client_for(county_regulator)
    response = client.post(reverse("complaint-queue-accept", args=[complaint.pk]))
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.state == C.WITH_MERCHANT
    assert complaint.handler == county_regulator and complaint.merchant_due is not None
    mine = client.get(reverse("complaint-queue") + "?tab=mine")
    assert [c.pk for c, _ in mine.context["rows"]] == [complaint.pk]


def test_decline_needs_a_ground(complaint, county_regulator):
    client = client_for(county_regulator)
    url = reverse("complaint-queue-decline", args=[complaint.pk])
    response = client.post(url, {"ground": "", "text": ""})
    assert response.status_code == 200 and response.context["decline_form"].errors
    response = client.post(url, {"ground": "other", "text": ""})
    assert response.status_code == 302  # the service refuses: shown as a message
    complaint.refresh_from_db()
    assert complaint.state == C.SUBMITTED
    client.post(url, {"ground": "too_old", "text": ""})
    complaint.refresh_from_db()
    assert complaint.state == C.DECLINED and complaint.decline_ground == "too_old"


def test_merchant_proposes(complaint, owner, county_regulator):
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    client = client_for(owner)
    response = client.post(
        reverse("complaint-merchant-propose", args=[complaint.pk]), {"proposal": "全额退款 268 元"}
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.state == C.PROPOSED and complaint.proposal == "全额退款 268 元"


def test_merchant_disputes_then_regulator_settles(complaint, owner, county_regulator):
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    client_for(owner).post(
        reverse("complaint-merchant-dispute", args=[complaint.pk]), {"text": "已超过退货期"}
    )
    complaint.refresh_from_db()
    assert complaint.state == C.MEDIATION
    client_for(county_regulator).post(
        reverse("complaint-queue-settle", args=[complaint.pk]), {"agreement": "退款 200 元"}
    )
    complaint.refresh_from_db()
    assert complaint.state == C.SETTLED and complaint.agreement == "退款 200 元"


def test_mediation_fails(complaint, county_regulator):
    _move(complaint, C.MEDIATION)
    client_for(county_regulator).post(
        reverse("complaint-queue-fail", args=[complaint.pk]), {"text": "双方无法达成一致"}
    )
    complaint.refresh_from_db()
    assert complaint.state == C.MEDIATION_FAILED and complaint.closed_at is not None


def test_illegal_action_is_a_message_not_a_change(complaint, county_regulator):
    client = client_for(county_regulator)
    response = client.post(
        reverse("complaint-queue-settle", args=[complaint.pk]), {"agreement": "x"}, follow=True
    )
    assert "cannot become" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.state == C.SUBMITTED


def test_messages_from_both_desks_are_on_the_timeline(complaint, owner, county_regulator):
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    client_for(owner).post(
        reverse("complaint-merchant-message", args=[complaint.pk]), {"text": "请提供小票"}
    )
    client_for(county_regulator).post(
        reverse("complaint-queue-message", args=[complaint.pk]), {"text": "请商家尽快答复"}
    )
    messages = list(complaint.events.filter(to_state="").values_list("role", "text"))
    assert messages == [
        (ComplaintEvent.Role.MERCHANT, "请提供小票"),
        (ComplaintEvent.Role.REGULATOR, "请商家尽快答复"),
    ]
    html = (
        client_for(owner)
        .get(reverse("complaint-merchant-detail", args=[complaint.pk]))
        .content.decode()
    )
    assert "请商家尽快答复" in html


def test_evidence_is_served_to_both_desks(complaint, owner, county_regulator):
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    evidence = complaint.evidence.get()
    for client, name in (
        (client_for(owner), "complaint-merchant-evidence"),
        (client_for(county_regulator), "complaint-queue-evidence"),
    ):
        response = client.get(reverse(name, args=[complaint.pk, evidence.pk]))
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_evidence_of_another_complaint_is_404(complaint, merchant, owner):
    other = _lodge(merchant, complainant_phone="13900000001", evidence=[pdf_upload()])
    evidence = other.evidence.get()
    url = reverse("complaint-merchant-evidence", args=[complaint.pk, evidence.pk])
    assert client_for(owner).get(url).status_code == 404


# Query counts


def _many(merchant, n: int, *, accepted_by=None) -> None:
    for i in range(n):
        lodged = _lodge(merchant, complainant_phone=f"139{i:08d}")
        if accepted_by is not None:
            svc.complaint_accept(actor=accepted_by, complaint=lodged)


def test_queue_query_count_is_constant(merchant, county_regulator, django_assert_num_queries):
    _many(merchant, 60)
    Complaint.objects.filter(pk__in=Complaint.objects.values("pk")[:20]).update(
        state=C.MEDIATION, handler=county_regulator, is_overdue=True
    )
    client = client_for(county_regulator)
    for tab in ("new", "mine", "mediation", "overdue", "closed"):
        # Session, user, the county choices and the user's region, the open tabs' counts and
        # those of transfers to the county from elsewhere, the closed tab's bounded count, the
        # page's keys and its rows (none for the empty closed tab), the unread notifications.
        with django_assert_num_queries(8 if tab == "closed" else 10):
            response = client.get(
                reverse("complaint-queue") + f"?tab={tab}&category=refund_refused"
            )
        assert response.status_code == 200
    counts = {value: count for value, _, count, _ in response.context["tabs"]}
    assert counts == {
        "new": 40,
        "mine": 20,
        "mediation": 20,
        "overdue": 20,
        "transfers": 0,
        "closed": 0,
    }
    response = client.get(reverse("complaint-queue") + "?tab=new")
    assert len(response.context["rows"]) == 40


def test_queue_filters_by_county(merchant, city_regulator):
    _lodge(merchant)
    elsewhere = MerchantFactory(region=region("330108"))
    _lodge(elsewhere, complainant_phone="13900000002")
    client = client_for(city_regulator)
    response = client.get(reverse("complaint-queue") + "?tab=new&county=330108")
    assert [c.merchant_id for c, _ in response.context["rows"]] == [elsewhere.pk]


def test_merchant_desk_query_count_is_constant(
    merchant, owner, county_regulator, django_assert_max_num_queries
):
    _many(merchant, 60, accepted_by=county_regulator)
    client = client_for(owner)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("complaint-merchant-desk"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 50


def test_admin_sees_every_complaint_in_the_queue(complaint, admin_user):
    response = client_for(admin_user).get(reverse("complaint-queue"))
    assert [c.pk for c, _ in response.context["rows"]] == [complaint.pk]
    detail = client_for(admin_user).get(reverse("complaint-queue-detail", args=[complaint.pk]))
    assert detail.status_code == 200


def test_nav_links_to_each_desk(complaint, owner, county_regulator, consumer):
    assert reverse("complaint-merchant-desk") in client_for(owner).get("/").content.decode()
    html = client_for(county_regulator).get("/").content.decode()
    assert reverse("complaint-queue") in html
    html = client_for(consumer).get("/").content.decode()
    assert reverse("complaint-queue") not in html
    assert reverse("complaint-merchant-desk") not in html


def test_complaint_list_scopes(complaint, owner, other_owner, consumer, county_regulator):
    svc.complaint_attach_to_account(complaint=complaint, consumer=consumer)
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    for user in (owner, consumer, county_regulator):
        assert list(complaint_list(user=user)) == [complaint]
        assert complaint_get(user=user, pk=complaint.pk) == complaint
    assert not complaint_list(user=other_owner).exists()


def test_claim_from_the_queue_page(county_regulator, other_county_regulator, merchant):
    from complaints.services.complaints import complaint_submit

    complaint = complaint_submit(
        merchant=merchant,
        category="price",
        description="标价与结算价不一致",
        wanted_outcome="退还差价",
        complainant_name="王先生",
        complainant_phone="13700001111",
    )
    url = reverse("complaint-queue-claim", args=[complaint.pk])
    assert client_for(other_county_regulator).post(url).status_code == 404
    response = client_for(county_regulator).post(url)
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.handler == county_regulator
