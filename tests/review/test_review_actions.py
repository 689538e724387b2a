"""The review page and every review action, through pages and API, with their permissions:
claim / release, approve, reject, return, re-run screening, bulk approval."""

import html
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from merchants.models import Declaration, DeclarationDocument, Merchant, User
from merchants.services.declarations import declaration_claim
from review.services import review as review_services
from review.services import screening as screening_services
from review.services.review import declarations_bulk_approve
from tests.conftest import api, client_for
from tests.factories import (
    PDF_BYTES,
    DeclarationFactory,
    MerchantFactory,
    RegistryRecordFactory,
    RegulatorFactory,
    UserFactory,
    region,
    scheme,
)

pytestmark = pytest.mark.django_db

S = Declaration.State
API = "/api/v1/review/declarations"


def page_text(response: Any) -> str:
    return html.unescape(response.content.decode())


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def make(merchant: Merchant, state: str = S.PENDING_REVIEW, **fields: Any) -> Declaration:
    fields.setdefault("submitted_at", timezone.now() - timedelta(days=2))
    fields.setdefault("review_due", timezone.localdate() + timedelta(days=8))
    return DeclarationFactory(merchant=merchant, state=state, **fields)


def url(name: str, declaration: Declaration) -> str:
    return reverse(name, args=[declaration.pk])


@pytest.fixture
def pending(merchant) -> Declaration:
    return make(merchant)


@pytest.fixture
def claimed(merchant, county_regulator) -> Declaration:
    """alice's declaration, held by the Xihu reviewer."""
    declaration = make(merchant)
    declaration_claim(actor=county_regulator, declaration=declaration)
    return declaration


@pytest.fixture
def coordinator(db) -> User:
    return UserFactory(username="coord-xihu", role=User.Role.COORDINATOR, region=region("330106"))


@pytest.fixture
def non_reviewer(db) -> User:
    return RegulatorFactory(username="reg-xihu-clerk", region=region("330106"), can_review=False)


def state_of(declaration: Declaration) -> str:
    declaration.refresh_from_db()
    return declaration.state


# The review page


def test_review_page_shows_declaration_documents_registry_and_history(
    county_regulator, merchant, owner, pending
):
    required = pending.scheme.required_documents.first()
    document = DeclarationDocument(
        declaration=pending,
        required_document=required,
        original_name="营业执照.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
        uploaded_by=owner,
    )
    document.file.save("upload", ContentFile(PDF_BYTES))
    RegistryRecordFactory(uscc=merchant.uscc, record_id="ZJ-REG-0001", on_abnormal_list=True)
    earlier = make(merchant, S.REJECTED, scheme=scheme("no-reason-return"))
    pending.events.create(from_state=S.SCREENING, to_state=S.PENDING_REVIEW, reason="All good")
    response = client_for(county_regulator).get(url("review-detail", pending))
    assert response.status_code == 200
    text = page_text(response)
    assert merchant.name in text and merchant.uscc in text
    assert reverse("declaration-document", args=[pending.pk, document.pk]) in text
    assert "ZJ-REG-0001" in text
    assert "Abnormal-operations list" in text and "Listed" in text
    assert earlier.scheme.display_name in text  # the merchant's other declarations
    assert "All good" in text  # the event timeline
    assert "Claim" in text
    # The download link the page offers works for the reviewer.
    download = client_for(county_regulator).get(
        reverse("declaration-document", args=[pending.pk, document.pk])
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES


def test_review_page_without_a_registry_record(county_regulator, pending):
    text = page_text(client_for(county_regulator).get(url("review-detail", pending)))
    assert "The enterprise registry holds no record for this code." in text


def test_review_page_when_the_registry_is_down(county_regulator, pending, monkeypatch):
    from merchants import sources

    class Down:
        def entity(self, uscc: str) -> None:
            raise sources.SourceUnavailable("registry", "timeout")

    monkeypatch.setattr(sources, "get_source", lambda name: Down())
    response = client_for(county_regulator).get(url("review-detail", pending))
    assert response.status_code == 200
    assert "could not be consulted" in page_text(response)


def test_review_page_shows_who_holds_it(city_regulator, claimed):
    text = page_text(client_for(city_regulator).get(url("review-detail", claimed)))
    assert "reg-xihu claimed this declaration" in text
    assert f'action="{url("review-approve", claimed)}"' not in text


def test_holder_sees_the_decision_forms(county_regulator, claimed):
    text = page_text(client_for(county_regulator).get(url("review-detail", claimed)))
    for name in ("review-approve", "review-reject", "review-return", "review-release"):
        assert f'action="{url(name, claimed)}"' in text


@pytest.mark.parametrize("who", ["other_county_regulator", "coordinator", "non_reviewer", "owner"])
def test_outsiders_get_404_on_the_review_page(request, who, pending):
    user = request.getfixturevalue(who)
    assert client_for(user).get(url("review-detail", pending)).status_code == 404
    assert api(user).get(f"{API}/{pending.pk}/").status_code == 404


def test_city_regulator_and_admin_see_a_county_declaration(city_regulator, admin_user, pending):
    assert client_for(city_regulator).get(url("review-detail", pending)).status_code == 200
    assert client_for(admin_user).get(url("review-detail", pending)).status_code == 200


# Claim and release


def test_claim(county_regulator, pending):
    response = client_for(county_regulator).post(url("review-claim", pending), follow=True)
    assert "You hold this declaration now" in " ".join(messages_of(response))
    pending.refresh_from_db()
    assert pending.state == S.UNDER_REVIEW
    assert pending.reviewer == county_regulator
    event = pending.events.last()
    assert (event.actor, event.from_state, event.to_state) == (
        county_regulator,
        S.PENDING_REVIEW,
        S.UNDER_REVIEW,
    )


def test_second_claim_is_refused_with_a_message(city_regulator, claimed):
    response = client_for(city_regulator).post(url("review-claim", claimed), follow=True)
    assert "cannot become" in " ".join(messages_of(response))
    claimed.refresh_from_db()
    assert claimed.reviewer.username == "reg-xihu"


def test_release(county_regulator, claimed):
    response = client_for(county_regulator).post(url("review-release", claimed), follow=True)
    assert "released" in " ".join(messages_of(response))
    claimed.refresh_from_db()
    assert claimed.state == S.PENDING_REVIEW
    assert claimed.reviewer is None


def test_release_by_someone_else_is_refused(city_regulator, claimed):
    response = client_for(city_regulator).post(url("review-release", claimed), follow=True)
    assert "Another regulator holds this declaration" in " ".join(messages_of(response))
    assert state_of(claimed) == S.UNDER_REVIEW


def test_actions_need_post(county_regulator, pending):
    assert client_for(county_regulator).get(url("review-claim", pending)).status_code == 405
    assert state_of(pending) == S.PENDING_REVIEW


@pytest.mark.parametrize("who", ["other_county_regulator", "coordinator", "non_reviewer", "owner"])
@pytest.mark.parametrize(
    "action, data",
    [
        ("review-claim", {}),
        ("review-release", {}),
        ("review-approve", {"note": ""}),
        ("review-reject", {"reason": "no"}),
        ("review-return", {"comments": "fix"}),
        ("review-rescreen", {}),
    ],
)
def test_outsiders_get_404_on_every_action(request, who, action, data, claimed):
    user = request.getfixturevalue(who)
    assert client_for(user).post(url(action, claimed), data).status_code == 404
    api_action = action.removeprefix("review-")
    assert api(user).post(f"{API}/{claimed.pk}/{api_action}/", data).status_code == 404
    claimed.refresh_from_db()
    assert claimed.state == S.UNDER_REVIEW
    assert claimed.events.count() == 1


# Decisions


def test_approve_with_a_note(county_regulator, claimed):
    response = client_for(county_regulator).post(
        url("review-approve", claimed), {"note": "Checked on site."}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("review-queue")
    claimed.refresh_from_db()
    assert claimed.state == S.APPROVED
    assert claimed.decided_at is not None
    event = claimed.events.last()
    assert (event.actor, event.to_state, event.reason) == (
        county_regulator,
        S.APPROVED,
        "Checked on site.",
    )


def test_approve_without_a_note(county_regulator, claimed):
    client_for(county_regulator).post(url("review-approve", claimed), {})
    assert state_of(claimed) == S.APPROVED


def test_approve_by_a_non_claimer_is_refused(city_regulator, claimed):
    response = client_for(city_regulator).post(url("review-approve", claimed), follow=True)
    assert "Another regulator holds this declaration; only they can decide it." in messages_of(
        response
    )
    assert state_of(claimed) == S.UNDER_REVIEW
    assert claimed.events.count() == 1


def test_approve_before_claiming_is_refused(county_regulator, pending):
    response = client_for(county_regulator).post(url("review-approve", pending), follow=True)
    assert "cannot become" in " ".join(messages_of(response))
    assert state_of(pending) == S.PENDING_REVIEW


def test_reject_needs_a_reason(county_regulator, claimed):
    response = client_for(county_regulator).post(url("review-reject", claimed), {"reason": "  "})
    assert response.status_code == 200
    assert response.context["reject_form"].errors["reason"] == [
        "Give the reason for rejecting the declaration."
    ]
    assert "Give the reason for rejecting the declaration." in page_text(response)
    assert state_of(claimed) == S.UNDER_REVIEW
    assert claimed.events.count() == 1


def test_reject(county_regulator, claimed):
    client_for(county_regulator).post(url("review-reject", claimed), {"reason": "Fake licence."})
    claimed.refresh_from_db()
    assert claimed.state == S.REJECTED
    assert claimed.events.last().reason == "Fake licence."


def test_return_needs_comments(county_regulator, claimed):
    response = client_for(county_regulator).post(url("review-return", claimed), {})
    assert response.status_code == 200
    assert "Say what the merchant must amend." in page_text(response)
    assert state_of(claimed) == S.UNDER_REVIEW


def test_return_for_amendment(county_regulator, claimed):
    client_for(county_regulator).post(
        url("review-return", claimed), {"comments": "Upload a legible licence."}
    )
    claimed.refresh_from_db()
    assert claimed.state == S.RETURNED
    assert claimed.events.last().reason == "Upload a legible licence."


def test_city_regulator_can_act_on_a_county_declaration(city_regulator, pending):
    client = client_for(city_regulator)
    client.post(url("review-claim", pending))
    client.post(url("review-approve", pending), {"note": ""})
    pending.refresh_from_db()
    assert pending.state == S.APPROVED
    assert [e.actor for e in pending.events.all()] == [city_regulator, city_regulator]


def test_admin_can_decide(admin_user, pending):
    client = client_for(admin_user)
    client.post(url("review-claim", pending))
    client.post(url("review-reject", pending), {"reason": "Duplicate."})
    assert state_of(pending) == S.REJECTED


# Re-run screening


def test_rescreen_calls_the_screening_service(county_regulator, pending, monkeypatch):
    calls = []
    monkeypatch.setattr(
        screening_services,
        "declaration_rescreen",
        lambda *, actor, declaration: calls.append((actor, declaration.pk)),
        raising=False,
    )
    response = client_for(county_regulator).post(url("review-rescreen", pending), follow=True)
    assert calls == [(county_regulator, pending.pk)]
    assert "Screening was run again" in " ".join(messages_of(response))
    api(county_regulator).post(f"{API}/{pending.pk}/rescreen/")
    assert len(calls) == 2


def test_rescreen_refusal_is_a_message(county_regulator, pending, monkeypatch):
    from common.errors import DomainError

    def refuse(*, actor: User, declaration: Declaration) -> None:
        raise DomainError("Screening is already running.")

    monkeypatch.setattr(screening_services, "declaration_rescreen", refuse, raising=False)
    response = client_for(county_regulator).post(url("review-rescreen", pending), follow=True)
    assert messages_of(response) == ["Screening is already running."]
    api_response = api(county_regulator).post(f"{API}/{pending.pk}/rescreen/")
    assert api_response.status_code == 400


# API actions


def test_api_claim_approve(county_regulator, pending):
    client = api(county_regulator)
    claimed = client.post(f"{API}/{pending.pk}/claim/")
    assert claimed.status_code == 200
    assert claimed.json()["state"] == "under_review"
    assert claimed.json()["reviewer"] == "reg-xihu"
    approved = client.post(f"{API}/{pending.pk}/approve/", {"note": "ok"}, format="json")
    assert approved.status_code == 200
    assert approved.json()["state"] == "approved"
    assert approved.json()["events"][-1]["reason"] == "ok"


def test_api_retrieve_has_review_fields_and_registry(county_regulator, merchant, pending):
    RegistryRecordFactory(uscc=merchant.uscc, record_id="ZJ-REG-7")
    body = api(county_regulator).get(f"{API}/{pending.pk}/").json()
    assert body["review_due"] == pending.review_due.isoformat()
    assert body["flagged"] is False
    assert body["registry"]["record_id"] == "ZJ-REG-7"
    assert "screening" in body


def test_api_reject_and_return_need_text(county_regulator, claimed):
    client = api(county_regulator)
    response = client.post(f"{API}/{claimed.pk}/reject/", {"reason": ""}, format="json")
    assert response.status_code == 400
    assert "Give the reason" in str(response.json())
    response = client.post(f"{API}/{claimed.pk}/return/", {}, format="json")
    assert response.status_code == 400
    assert "Say what the merchant must amend." in str(response.json())
    assert state_of(claimed) == S.UNDER_REVIEW
    returned = client.post(f"{API}/{claimed.pk}/return/", {"comments": "Fix it"}, format="json")
    assert returned.json()["state"] == "returned"


def test_api_release_and_reject(county_regulator, claimed):
    client = api(county_regulator)
    assert client.post(f"{API}/{claimed.pk}/release/").json()["state"] == "pending_review"
    client.post(f"{API}/{claimed.pk}/claim/")
    rejected = client.post(f"{API}/{claimed.pk}/reject/", {"reason": "No"}, format="json")
    assert rejected.json()["state"] == "rejected"


def test_api_non_claimer_is_refused(city_regulator, claimed):
    response = api(city_regulator).post(f"{API}/{claimed.pk}/approve/", {}, format="json")
    assert response.status_code == 400
    assert "Another regulator holds this declaration" in str(response.json())
    assert state_of(claimed) == S.UNDER_REVIEW


# Bulk approval


@pytest.fixture
def bulk_set(merchant, other_merchant) -> dict[str, Declaration]:
    binjiang = MerchantFactory(region=region("330108"))
    return {
        "clean": make(merchant),
        "clean2": make(other_merchant),
        "flagged": make(merchant, scheme=scheme("no-reason-return"), flagged=True),
        "incomplete": make(
            other_merchant,
            scheme=scheme("no-reason-return"),
            flagged=True,
            screening_incomplete=True,
        ),
        "outside": make(binjiang),
    }


def test_bulk_confirm_page_lists_only_clean_declarations_in_scope(county_regulator, bulk_set):
    response = client_for(county_regulator).get(
        reverse("review-bulk-approve"), {"ids": [d.pk for d in bulk_set.values()]}
    )
    assert response.status_code == 200
    assert [d.pk for d in response.context["declarations"]] == [
        bulk_set["clean"].pk,
        bulk_set["clean2"].pk,
    ]
    assert {d.pk for d in response.context["not_eligible"]} == {
        bulk_set["flagged"].pk,
        bulk_set["incomplete"].pk,
    }
    assert response.context["not_found"] == 1
    text = page_text(response)
    assert "Approve 2 declarations" in text
    assert bulk_set["outside"].merchant.name not in text
    # Nothing changed yet.
    assert state_of(bulk_set["clean"]) == S.PENDING_REVIEW


def test_bulk_confirm_without_a_selection(county_regulator):
    response = client_for(county_regulator).get(reverse("review-bulk-approve"), follow=True)
    assert "Select at least one declaration." in messages_of(response)


def test_bulk_post_approves_only_clean_ones_in_scope(county_regulator, bulk_set):
    response = client_for(county_regulator).post(
        reverse("review-bulk-approve"),
        {"ids": [d.pk for d in bulk_set.values()]},
        follow=True,
    )
    messages = messages_of(response)
    assert "2 declarations approved. The merchants are notified." in messages
    assert any("Screening flagged it" in m for m in messages)
    assert any("Screening could not finish" in m for m in messages)
    assert f"Not approved: #{bulk_set['outside'].pk}." in " ".join(messages)
    for name in ("clean", "clean2"):
        declaration = bulk_set[name]
        declaration.refresh_from_db()
        assert declaration.state == S.APPROVED
        assert declaration.reviewer == county_regulator
        assert [(e.from_state, e.to_state) for e in declaration.events.all()] == [
            (S.PENDING_REVIEW, S.UNDER_REVIEW),
            (S.UNDER_REVIEW, S.APPROVED),
        ]
    for name in ("flagged", "incomplete", "outside"):
        assert state_of(bulk_set[name]) == S.PENDING_REVIEW
        assert bulk_set[name].events.count() == 0


def test_bulk_service_reports_each_skip(county_regulator, city_regulator, bulk_set):
    declaration_claim(actor=city_regulator, declaration=bulk_set["clean2"])
    result = declarations_bulk_approve(
        actor=county_regulator,
        declaration_ids=[bulk_set["clean"].pk, bulk_set["clean2"].pk, bulk_set["outside"].pk, 0],
    )
    assert [d.pk for d in result.approved] == [bulk_set["clean"].pk]
    reasons = {skip.declaration_id: skip.reason for skip in result.skipped}
    assert reasons[bulk_set["clean2"].pk] == "Another regulator claimed it meanwhile."
    assert "Not a declaration you can review" in reasons[bulk_set["outside"].pk]
    assert "Not a declaration you can review" in reasons[0]


def test_bulk_skips_one_flagged_between_confirmation_and_post(county_regulator, bulk_set):
    """The row is read again under a lock: what the confirmation page showed is not trusted."""
    Declaration.objects.filter(pk=bulk_set["clean"].pk).update(flagged=True)
    result = declarations_bulk_approve(
        actor=county_regulator, declaration_ids=[bulk_set["clean"].pk]
    )
    assert result.approved == []
    assert result.skipped[0].reason == "Screening flagged it: review it on its own."


def test_bulk_one_failure_does_not_undo_the_others(county_regulator, bulk_set, monkeypatch):
    real = review_services.declaration_approve

    def flaky(*, actor: User, declaration: Declaration, **kwargs: Any) -> Declaration:
        if declaration.pk == bulk_set["clean"].pk:
            from common.errors import DomainError

            raise DomainError("boom")
        return real(actor=actor, declaration=declaration, **kwargs)

    monkeypatch.setattr(review_services, "declaration_approve", flaky)
    result = declarations_bulk_approve(
        actor=county_regulator, declaration_ids=[bulk_set["clean"].pk, bulk_set["clean2"].pk]
    )
    assert [d.pk for d in result.approved] == [bulk_set["clean2"].pk]
    # The failed one's claim was rolled back with it.
    bulk_set["clean"].refresh_from_db()
    assert bulk_set["clean"].state == S.PENDING_REVIEW
    assert bulk_set["clean"].reviewer is None


@pytest.mark.parametrize("who", ["coordinator", "non_reviewer", "owner"])
def test_bulk_is_404_for_non_reviewers(request, who, bulk_set):
    user = request.getfixturevalue(who)
    ids = [bulk_set["clean"].pk]
    assert client_for(user).get(reverse("review-bulk-approve"), {"ids": ids}).status_code == 404
    assert client_for(user).post(reverse("review-bulk-approve"), {"ids": ids}).status_code == 404
    assert api(user).post(f"{API}/bulk-approve/", {"ids": ids}, format="json").status_code == 404
    assert state_of(bulk_set["clean"]) == S.PENDING_REVIEW


def test_bulk_by_another_county_skips_everything(other_county_regulator, bulk_set):
    response = client_for(other_county_regulator).post(
        reverse("review-bulk-approve"), {"ids": [bulk_set["clean"].pk]}, follow=True
    )
    assert any("Not a declaration you can review" in m for m in messages_of(response))
    assert state_of(bulk_set["clean"]) == S.PENDING_REVIEW


def test_api_bulk_approve(county_regulator, bulk_set):
    response = api(county_regulator).post(
        f"{API}/bulk-approve/",
        {"ids": [bulk_set["clean"].pk, bulk_set["flagged"].pk, bulk_set["outside"].pk]},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["approved"] == [bulk_set["clean"].pk]
    assert [s["id"] for s in body["skipped"]] == [bulk_set["flagged"].pk, bulk_set["outside"].pk]
    assert (
        api(county_regulator).post(f"{API}/bulk-approve/", {"ids": []}, format="json").status_code
        == 400
    )


# The screening report


@pytest.fixture
def screened(pending) -> Declaration:
    from review.models import ScreeningCheck, ScreeningRun

    run = ScreeningRun.objects.create(
        declaration=pending, outcome=ScreeningRun.Outcome.WARN, finished_at=timezone.now()
    )
    ScreeningCheck.objects.create(
        run=run,
        rule="not_on_lists",
        outcome="warn",
        reason_zh="该主体列入经营异常名录。",
        reason_en="The entity is on the abnormal-operations list.",
        data={"record_id": "ZJ-REG-9"},
    )
    return pending


def test_review_page_shows_the_full_screening_report(county_regulator, screened):
    text = page_text(client_for(county_regulator).get(url("review-detail", screened)))
    assert "The entity is on the abnormal-operations list." in text
    assert "ZJ-REG-9" in text  # the data the check looked at: regulators see everything


def test_review_page_without_a_screening_run(county_regulator, pending):
    text = page_text(client_for(county_regulator).get(url("review-detail", pending)))
    assert "No screening report is available for this declaration." in text


def test_api_retrieve_has_the_screening_report(county_regulator, screened):
    body = api(county_regulator).get(f"{API}/{screened.pk}/").json()
    assert body["screening"]["outcome"] == "warn"
    assert body["screening"]["checks"][0]["rule"] == "not_on_lists"


def test_rescreen_through_the_page_stores_a_new_run(county_regulator, pending):
    from review.models import ScreeningRun

    response = client_for(county_regulator).post(url("review-rescreen", pending), follow=True)
    assert "Screening was run again" in " ".join(messages_of(response))
    run = ScreeningRun.objects.get(declaration=pending)
    assert run.triggered_by == county_regulator
    assert state_of(pending) == S.PENDING_REVIEW
    assert response.context["screening_run"] == run


def test_rescreen_of_a_declaration_someone_else_holds_is_refused(city_regulator, claimed):
    response = client_for(city_regulator).post(url("review-rescreen", claimed), follow=True)
    assert "Screening can be run again only" in " ".join(messages_of(response))


def test_review_page_query_count(
    county_regulator, screened, merchant, django_assert_max_num_queries
):
    for code in ("no-reason-return", "assured-factory", "assured-financial-outlet"):
        make(merchant, S.APPROVED, scheme=scheme(code), reviewer=county_regulator)
    client = client_for(county_regulator)
    with django_assert_max_num_queries(22):
        assert client.get(url("review-detail", screened)).status_code == 200
