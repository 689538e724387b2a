# ruff: noqa: RUF001
"""Return calls (回访): a handler calls the consumer back once a handled complaint is closed.
Through the regulator's page, the API and the service: recorded on handled complaints only,
refused on open, declined and never-accepted ones, a 404 for anyone outside the complaint."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from common.errors import DomainError
from complaints.models import Complaint, ComplaintEvent, ComplaintReturnCall
from complaints.models import ComplaintState as C
from complaints.services import complaints as svc
from complaints.services.return_calls import complaint_return_call_record
from merchants.models import AuditEntry
from tests.conftest import api, client_for

pytestmark = pytest.mark.django_db


def _lodge(merchant, **overrides) -> Complaint:
    data = {
        "merchant": merchant,
        "category": "quality",
        "description": "茶叶发霉",
        "wanted_outcome": "退款",
        "complainant_name": "刘女士",
        "complainant_phone": "13812341234",
    }
    return svc.complaint_submit(**(data | overrides))


def _settled(merchant, regulator, owner) -> Complaint:
    complaint = _lodge(merchant)
    svc.complaint_accept(actor=regulator, complaint=complaint)
    svc.complaint_propose(actor=owner, complaint=complaint, proposal="全额退款")
    svc.complaint_accept_proposal(complaint=complaint)
    return complaint


@pytest.fixture
def settled(merchant, county_regulator, owner) -> Complaint:
    return _settled(merchant, county_regulator, owner)


def _now():
    return timezone.localtime().replace(second=0, microsecond=0)


def _url(complaint: Complaint) -> str:
    return reverse("complaint-queue-return-call", args=[complaint.pk])


def _api_url(complaint: Complaint) -> str:
    return f"/api/v1/complaints/{complaint.pk}/return-call/"


def _form(**overrides) -> dict:
    return {
        "called_at": _now().strftime("%Y-%m-%dT%H:%M"),
        "reached": "yes",
        "satisfaction": "basically_satisfied",
        "notes": "退款已到账，对处理速度基本满意。",
    } | overrides


# The service


def test_a_handler_records_a_call_on_the_timeline_and_in_the_audit_log(settled, county_regulator):
    county_regulator.first_name, county_regulator.last_name = "敏", "吴"
    county_regulator.save()
    call = complaint_return_call_record(
        actor=county_regulator,
        complaint=settled,
        called_at=_now(),
        reached=True,
        satisfaction="satisfied",
        notes=" 很满意 ",
    )
    assert (call.reached, call.satisfaction, call.notes) == (True, "satisfied", "很满意")
    assert call.recorded_by == county_regulator
    event = settled.events.last()
    assert call.event == event and event.role == ComplaintEvent.Role.REGULATOR
    assert event.message["code"] == "complaints.return_call.reached"
    assert "Satisfaction: Satisfied" in event.message_text
    assert event.text == ""  # the notes are for the regulators, not the shared timeline
    entry = AuditEntry.objects.get(action="complaint.return_call")
    assert entry.actor == county_regulator and entry.merchant_id == settled.merchant_id
    assert entry.data["satisfaction"] == "satisfied" and entry.data["return_call"] == call.pk
    settled.refresh_from_db()
    assert settled.state == C.SETTLED  # a call changes nothing of the handling


def test_a_consumer_not_reached_then_reached_makes_two_calls(settled, county_regulator):
    first = complaint_return_call_record(
        actor=county_regulator,
        complaint=settled,
        called_at=_now(),
        reached=False,
    )
    assert first.satisfaction == ""
    assert "could not be reached" in settled.events.last().message_text
    complaint_return_call_record(
        actor=county_regulator,
        complaint=settled,
        called_at=_now(),
        reached=True,
        satisfaction="dissatisfied",
    )
    assert list(settled.return_calls.values_list("reached", "satisfaction")) == [
        (False, ""),
        (True, "dissatisfied"),
    ]


@pytest.mark.parametrize(
    ("outcome", "ok"),
    [
        ("settled", True),
        ("mediation_failed", True),
        ("withdrawn_after_acceptance", True),
        ("withdrawn_before_acceptance", False),
        ("declined", False),
        ("open", False),
    ],
)
def test_only_a_closed_complaint_that_was_handled_is_called_back(
    outcome, ok, merchant, county_regulator, owner
):
    complaint = _lodge(merchant)
    if outcome == "declined":
        svc.complaint_decline(actor=county_regulator, complaint=complaint, ground="too_old")
    elif outcome == "withdrawn_before_acceptance":
        svc.complaint_withdraw(complaint=complaint)
    elif outcome != "open":
        svc.complaint_accept(actor=county_regulator, complaint=complaint)
        if outcome == "settled":
            svc.complaint_dispute(actor=owner, complaint=complaint, text="不同意")
            svc.complaint_settle(actor=county_regulator, complaint=complaint, agreement="退款")
        elif outcome == "mediation_failed":
            svc.complaint_dispute(actor=owner, complaint=complaint, text="不同意")
            svc.complaint_mediation_fail(actor=county_regulator, complaint=complaint, text="分歧")
        else:
            svc.complaint_withdraw(complaint=complaint)

    def record():
        return complaint_return_call_record(
            actor=county_regulator,
            complaint=complaint,
            called_at=_now(),
            reached=True,
            satisfaction="satisfied",
        )

    if ok:
        assert record().pk
    else:
        message = "once the complaint is closed" if outcome == "open" else "accepted and handled"
        with pytest.raises(DomainError, match=message):
            record()
        assert not ComplaintReturnCall.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"satisfaction": ""}, "how satisfied"),
        ({"satisfaction": "delighted"}, "how satisfied"),
        ({"reached": False}, "leave it empty"),
        ({"called_at_delta": timedelta(days=1)}, "in the future"),
        ({"called_at_delta": -timedelta(days=2)}, "before the complaint was closed"),
        ({"notes": "x" * 2001}, "under 2000 characters"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(settled, county_regulator, changes, message):
    kwargs = {"called_at": _now(), "reached": True, "satisfaction": "satisfied", "notes": ""}
    delta = changes.pop("called_at_delta", None)
    if delta is not None:
        kwargs["called_at"] = _now() + delta
    with pytest.raises(DomainError, match=message):
        complaint_return_call_record(
            actor=county_regulator, complaint=settled, **(kwargs | changes)
        )
    assert not ComplaintReturnCall.objects.exists()


@pytest.mark.parametrize("who", ["other_county_regulator", "owner", "consumer"])
def test_only_a_handler_who_reaches_it_records_a_call(settled, who, request):
    with pytest.raises(DomainError, match="do not handle"):
        complaint_return_call_record(
            actor=request.getfixturevalue(who),
            complaint=settled,
            called_at=_now(),
            reached=False,
        )


def test_the_city_handler_records_one_too(settled, city_regulator):
    call = complaint_return_call_record(
        actor=city_regulator, complaint=settled, called_at=_now(), reached=False
    )
    assert call.recorded_by == city_regulator


# The regulator's page


def test_the_page_offers_the_form_only_on_a_handled_complaint(merchant, settled, county_regulator):
    client = client_for(county_regulator)
    page = client.get(reverse("complaint-queue-detail", args=[settled.pk])).content.decode()
    assert "Record the return call" in page and _url(settled) in page
    open_one = _lodge(merchant, complainant_phone="13900000001")
    page = client.get(reverse("complaint-queue-detail", args=[open_one.pk])).content.decode()
    assert "Record the return call" not in page


def test_the_page_records_the_call_and_shows_it(settled, county_regulator):
    client = client_for(county_regulator)
    response = client.post(_url(settled), _form(), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "The return call is recorded." in page
    call = settled.return_calls.get()
    assert call.satisfaction == "basically_satisfied" and call.notes.startswith("退款已到账")
    assert "Basically satisfied" in page and "退款已到账" in page
    assert "the consumer was reached" in page  # the timeline step


def test_the_consumer_sees_the_step_but_not_the_notes(client, settled, county_regulator):
    client_for(county_regulator).post(_url(settled), _form())
    track = client.get(reverse("complaint-track", args=[settled.tracking_token])).content.decode()
    assert "Return call on" in track and "退款已到账" not in track
    body = api().get(f"/api/v1/complaints/track/{settled.tracking_token}/").content.decode()
    assert "Return call on" in body and "退款已到账" not in body


def test_the_merchant_does_not_see_the_notes_either(settled, county_regulator, owner):
    client_for(county_regulator).post(_url(settled), _form())
    page = client_for(owner).get(reverse("complaint-merchant-detail", args=[settled.pk]))
    assert "Return call on" in page.content.decode()
    assert "退款已到账" not in page.content.decode()
    assert "Record the return call" not in page.content.decode()


def test_the_page_shows_bad_input_again_with_its_errors(settled, county_regulator):
    client = client_for(county_regulator)
    response = client.post(_url(settled), _form(satisfaction=""))
    assert response.status_code == 200
    assert "Record how satisfied the consumer is" in response.content.decode()
    response = client.post(_url(settled), _form(called_at="9999-12-31T10:00"))
    assert "cannot be in the future" in response.content.decode()
    response = client.post(_url(settled), _form(reached="maybe"))
    assert "Select a valid choice" in response.content.decode()
    assert not ComplaintReturnCall.objects.exists()


def test_the_page_refuses_an_open_complaint(merchant, county_regulator):
    complaint = _lodge(merchant)
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    response = client_for(county_regulator).post(_url(complaint), _form(), follow=True)
    assert "once the complaint is closed" in response.content.decode()
    assert not ComplaintReturnCall.objects.exists()


@pytest.mark.parametrize("outsider", ["other_county_regulator", "owner", "consumer"])
def test_outsider_gets_404(settled, outsider, request):
    client = client_for(request.getfixturevalue(outsider))
    assert client.post(_url(settled), _form()).status_code == 404
    assert client.get(reverse("complaint-queue-detail", args=[settled.pk])).status_code == 404
    assert not ComplaintReturnCall.objects.exists()


def test_anonymous_is_sent_to_log_in(settled):
    response = client_for(None).post(_url(settled), _form())
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


# The API


def test_the_api_records_a_call(settled, county_regulator):
    response = api(county_regulator).post(
        _api_url(settled),
        {"called_at": _now().isoformat(), "reached": True, "satisfaction": "satisfied"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reached"] is True and body["satisfaction"] == "satisfied"
    assert body["recorded_by"] == county_regulator.display_name
    assert settled.return_calls.get().pk == body["id"]


def test_the_api_refuses_bad_input_and_open_complaints(settled, merchant, county_regulator):
    client = api(county_regulator)
    missing = client.post(_api_url(settled), {"called_at": _now().isoformat()}, format="json")
    assert missing.status_code == 400 and "reached" in missing.json()
    unreached = client.post(
        _api_url(settled),
        {"called_at": _now().isoformat(), "reached": False, "satisfaction": "satisfied"},
        format="json",
    )
    assert unreached.status_code == 400
    assert "leave it empty" in str(unreached.json()["satisfaction"])
    future = client.post(
        _api_url(settled), {"called_at": "9999-12-31T10:00:00", "reached": False}, format="json"
    )
    assert future.status_code == 400 and "called_at" in future.json()
    open_one = _lodge(merchant, complainant_phone="13900000002")
    refused = client.post(
        _api_url(open_one), {"called_at": _now().isoformat(), "reached": False}, format="json"
    )
    assert refused.status_code == 400 and "once the complaint is closed" in str(refused.json())
    assert not ComplaintReturnCall.objects.exists()


def test_the_api_answers_403_to_the_parties_and_404_to_outsiders(
    settled, owner, other_county_regulator, other_owner
):
    body = {"called_at": _now().isoformat(), "reached": False}
    assert api(owner).post(_api_url(settled), body, format="json").status_code == 403
    for outsider in (other_county_regulator, other_owner):
        assert api(outsider).post(_api_url(settled), body, format="json").status_code == 404
    assert api().post(_api_url(settled), body, format="json").status_code == 401
    assert not ComplaintReturnCall.objects.exists()


def test_the_regulators_page_query_count_with_calls(
    settled, county_regulator, django_assert_max_num_queries
):
    for _ in range(5):
        complaint_return_call_record(
            actor=county_regulator, complaint=settled, called_at=_now(), reached=False
        )
    client = client_for(county_regulator)
    url = reverse("complaint-queue-detail", args=[settled.pk])
    client.get(url)
    # The page's own reads (its contact records and transfers included), none per call.
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert response.content.decode().count("Not reached") >= 5
