"""The HTML pages, through the front door with the fixed cast (STYLE.md §9 and §10)."""

import html
import re
from datetime import date
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse
from django.utils import timezone

from merchants.models import (
    AuditEntry,
    Declaration,
    DeclarationDocument,
    Invitation,
    Membership,
    Merchant,
    Permit,
    User,
)
from merchants.uscc import build_uscc
from tests.conftest import PASSWORD, client_for
from tests.factories import (
    PDF_BYTES,
    DeclarationEventFactory,
    DeclarationFactory,
    InvitationFactory,
    MembershipFactory,
    MerchantFactory,
    NotificationFactory,
    PermitFactory,
    RegulatorFactory,
    UserFactory,
    pdf_upload,
    png_upload,
    region,
    scheme,
)

pytestmark = pytest.mark.django_db

State = Declaration.State
VALID_USCC = build_uscc("330106", 77_000_002)
BAD_CHECK_DIGIT = VALID_USCC[:-1] + ("0" if VALID_USCC[-1] != "0" else "1")


def page_text(response: Any) -> str:
    return html.unescape(response.content.decode())


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def merchant_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "uscc": build_uscc("330106", 77_000_001),
        "name": "龙井茶庄",
        "legal_representative": "李四",
        "address": "杭州市西湖区龙井路1号",
        "city": "330100",
        "region": "330106",
        "industry": "retail",
        "licence_valid_from": "2021-03-01",
        "licence_valid_until": "",
        "contact_phone": "13900139000",
        "permits-TOTAL_FORMS": "2",
        "permits-INITIAL_FORMS": "0",
        "permits-MIN_NUM_FORMS": "0",
        "permits-MAX_NUM_FORMS": "1000",
        "permits-0-permit_type": "food_business",
        "permits-0-number": "JY13301060001",
        "permits-0-valid_until": "2030-06-30",
        "permits-1-permit_type": "",
        "permits-1-number": "",
        "permits-1-valid_until": "",
    }
    data.update(overrides)
    return data


def fill_declaration(declaration: Declaration, **details: Any) -> None:
    """Accept every commitment and attach every mandatory document, through the services."""
    from merchants.services.declarations import declaration_attach_document, declaration_update

    actor = declaration.created_by
    declaration_update(
        actor=actor,
        declaration=declaration,
        commitments=declaration.scheme.commitments.all(),
        details=details,
    )
    for required in declaration.scheme.required_documents.filter(is_mandatory=True):
        declaration_attach_document(
            actor=actor, declaration=declaration, required_document=required, upload=pdf_upload()
        )


@pytest.fixture
def declaration(owner, merchant) -> Declaration:
    d = DeclarationFactory(merchant=merchant, created_by=owner, scheme=scheme("assured-unit"))
    DeclarationEventFactory(declaration=d, actor=owner)
    return d


@pytest.fixture
def document(declaration) -> DeclarationDocument:
    from merchants.services.declarations import declaration_attach_document

    return declaration_attach_document(
        actor=declaration.created_by,
        declaration=declaration,
        required_document=declaration.scheme.required_documents.first(),
        upload=pdf_upload("licence.pdf"),
    )


@pytest.fixture
def staff(merchant) -> User:
    user = UserFactory(username="dave", role=User.Role.MERCHANT)
    MembershipFactory(user=user, merchant=merchant, role=Membership.Role.STAFF)
    return user


# Home, sign-up and the account pages


def test_home_links_by_role(owner, merchant, county_regulator):
    anonymous = page_text(Client().get(reverse("home")))
    assert reverse("signup") in anonymous and reverse("login") in anonymous

    as_owner = page_text(client_for(owner).get(reverse("home")))
    assert reverse("dashboard") in as_owner and reverse("merchant-register") in as_owner
    assert reverse("regulator-merchants") not in as_owner

    as_regulator = page_text(client_for(county_regulator).get(reverse("home")))
    assert reverse("regulator-merchants") in as_regulator
    assert reverse("regulator-declarations") in as_regulator
    assert reverse("merchant-register") not in as_regulator


def test_logout_is_a_post_form_and_language_switch_is_present(owner):
    text = page_text(client_for(owner).get(reverse("home")))
    assert re.search(r'<form method="post" action="/accounts/logout/"', text)
    assert 'action="/i18n/setlang/"' in text


def test_language_follows_the_browser(db):
    response = Client().get(reverse("home"), headers={"accept-language": "zh-CN,zh;q=0.9"})
    assert '<html lang="zh-hans">' in response.content.decode()


def test_signup_consumer_is_logged_in(db):
    client = Client()
    response = client.post(
        reverse("signup"),
        {
            "username": "erin",
            "email": "erin@example.com",
            "phone": "13700137000",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "role": "consumer",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    user = User.objects.get(username="erin")
    assert user.role == User.Role.CONSUMER
    assert user.email == "erin@example.com" and user.phone == "13700137000"
    assert user.check_password(PASSWORD)
    dashboard = client.get(reverse("dashboard"))
    assert "register it with its unified social credit code" in page_text(dashboard)


def test_signup_merchant_operator_goes_on_to_register_a_merchant(db):
    response = Client().post(
        reverse("signup"),
        {
            "username": "frank",
            "email": "frank@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "role": "merchant",
        },
    )
    assert response.url == reverse("merchant-register")
    assert User.objects.get(username="frank").role == User.Role.MERCHANT


def test_signup_refuses_a_staff_role_and_a_password_mismatch(db):
    response = Client().post(
        reverse("signup"),
        {
            "username": "mallory",
            "email": "m@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD + "x",
            "role": "regulator",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "role" in form.errors and "password2" in form.errors
    assert not User.objects.filter(username="mallory").exists()


def test_auth_pages_render(db):
    client = Client()
    for name in ("login", "password_reset"):
        response = client.get(reverse(name))
        assert response.status_code == 200
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.url == reverse("password_reset_done")
    assert client.get(reverse("password_reset_done")).status_code == 200


def test_password_reset_email_has_the_link(owner):
    Client().post(reverse("password_reset"), {"email": owner.email})
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body


# Merchant registration and profile


def test_merchant_register_happy_path(consumer):
    response = client_for(consumer).post(reverse("merchant-register"), merchant_data())
    merchant = Merchant.objects.get(uscc=build_uscc("330106", 77_000_001))
    assert response.status_code == 302
    assert response.url == reverse("merchant-detail", args=[merchant.pk])
    assert merchant.name == "龙井茶庄"
    assert merchant.region_id == "330106"
    assert merchant.licence_valid_until is None
    assert Membership.objects.get(merchant=merchant).user == consumer
    assert Membership.objects.get(merchant=merchant).role == Membership.Role.OWNER
    assert list(merchant.permits.values_list("permit_type", "number", "valid_until")) == [
        ("food_business", "JY13301060001", date(2030, 6, 30))
    ]
    consumer.refresh_from_db()
    assert consumer.role == User.Role.MERCHANT


@pytest.mark.parametrize(
    ("uscc", "message"),
    [
        ("9133010612", "A unified social credit code has 18 characters; this one has 10."),
        (BAD_CHECK_DIGIT, "The last character (check digit) of this code is wrong"),
        ("91330I061234567887", "cannot have (digits and capital letters except I, O, S, V, Z)"),
    ],
    ids=["length", "checksum", "characters"],
)
def test_merchant_register_bad_uscc_names_the_problem(consumer, uscc, message):
    response = client_for(consumer).post(reverse("merchant-register"), merchant_data(uscc=uscc))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["uscc"])
    assert message in page_text(response)
    assert not Merchant.objects.exists()
    assert not Permit.objects.exists()


def test_merchant_register_duplicate_uscc_explains_how_to_get_access(consumer, merchant):
    response = client_for(consumer).post(
        reverse("merchant-register"), merchant_data(uscc=merchant.uscc)
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["uscc"])
    assert "already registered" in errors and "ask its owner to invite you" in errors
    assert Merchant.objects.count() == 1
    assert not Membership.objects.filter(user=consumer).exists()
    assert not Permit.objects.exists()


def test_merchant_register_county_must_be_in_the_chosen_city(consumer):
    response = client_for(consumer).post(
        reverse("merchant-register"), merchant_data(city="330200", region="330106")
    )
    assert "region" in response.context["form"].errors
    assert not Merchant.objects.exists()


def test_merchant_register_county_select_groups_counties_by_city(consumer):
    text = page_text(client_for(consumer).get(reverse("merchant-register")))
    assert '<optgroup label="杭州市">' in text
    assert '<option value="330106">西湖区</option>' in text
    assert "/static/js/region-select.js" in text


def test_regulator_cannot_register_a_merchant(county_regulator):
    assert client_for(county_regulator).get(reverse("merchant-register")).status_code == 404


def test_owner_edits_profile_and_permits(owner, merchant):
    PermitFactory(merchant=merchant, permit_type="food_business", number="OLD-1")
    client = client_for(owner)
    form_page = client.get(reverse("merchant-edit", args=[merchant.pk]))
    assert 'value="OLD-1"' in page_text(form_page)
    data = merchant_data(
        name="西湖茶楼新店",
        region="330108",
        city="330100",
        licence_valid_until="2035-12-31",
        **{
            "permits-TOTAL_FORMS": "2",
            "permits-INITIAL_FORMS": "1",
            "permits-0-number": "NEW-2",
            "permits-0-valid_until": "2031-01-01",
        },
    )
    data.pop("uscc")
    response = client.post(reverse("merchant-edit", args=[merchant.pk]), data)
    assert response.status_code == 302
    merchant.refresh_from_db()
    assert merchant.name == "西湖茶楼新店"
    # The county field is read-only: a posted county is ignored (a county change is a request).
    assert merchant.region_id == "330106"
    assert merchant.licence_valid_until == date(2035, 12, 31)
    assert list(merchant.permits.values_list("number", flat=True)) == ["NEW-2"]


def test_owner_edit_rejects_licence_ending_before_it_starts(owner, merchant):
    data = merchant_data(licence_valid_from="2030-01-01", licence_valid_until="2029-01-01")
    data.pop("uscc")
    response = client_for(owner).post(reverse("merchant-edit", args=[merchant.pk]), data)
    assert "licence_valid_until" in response.context["form"].errors
    merchant.refresh_from_db()
    assert merchant.licence_valid_from == date(2020, 1, 1)


def test_staff_sees_the_merchant_but_cannot_edit_it(staff, merchant):
    client = client_for(staff)
    detail = client.get(reverse("merchant-detail", args=[merchant.pk]))
    assert detail.status_code == 200
    assert reverse("merchant-edit", args=[merchant.pk]) not in page_text(detail)
    assert reverse("declaration-create", args=[merchant.pk]) in page_text(detail)
    assert client.get(reverse("merchant-edit", args=[merchant.pk])).status_code == 404
    assert client.get(reverse("merchant-staff", args=[merchant.pk])).status_code == 404


def test_merchant_detail_shows_profile_permits_declarations_and_staff(owner, merchant, declaration):
    PermitFactory(merchant=merchant, number="JY-PERMIT-9")
    text = page_text(client_for(owner).get(reverse("merchant-detail", args=[merchant.pk])))
    assert merchant.uscc in text and "JY-PERMIT-9" in text
    assert reverse("declaration-detail", args=[declaration.pk]) in text
    assert "badge-draft" in text and "alice" in text
    assert reverse("merchant-edit", args=[merchant.pk]) in text


def test_regulators_in_region_and_admin_see_merchant_detail(
    merchant, county_regulator, city_regulator, admin_user
):
    for user in (county_regulator, city_regulator, admin_user):
        response = client_for(user).get(reverse("merchant-detail", args=[merchant.pk]))
        assert response.status_code == 200
        assert reverse("merchant-edit", args=[merchant.pk]) not in page_text(response)


# Staff and invitations


def test_invitation_is_sent_accepted_and_gives_membership(
    owner, merchant, consumer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(owner).post(
            reverse("merchant-staff", args=[merchant.pk]),
            {"email": "Carol@Example.com", "role": "staff"},
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(merchant=merchant)
    assert invitation.email == "carol@example.com"
    assert len(mail.outbox) == 1
    accept_path = reverse("invitation-accept", args=[invitation.token])
    assert accept_path in mail.outbox[0].body
    assert mail.outbox[0].to == ["carol@example.com"]

    client = client_for(consumer)
    page = client.get(accept_path)
    assert page.status_code == 200 and merchant.name in page_text(page)
    response = client.post(accept_path)
    assert response.url == reverse("merchant-detail", args=[merchant.pk])
    membership = Membership.objects.get(user=consumer, merchant=merchant)
    assert membership.role == Membership.Role.STAFF
    consumer.refresh_from_db()
    assert consumer.role == User.Role.MERCHANT
    # The link works once.
    assert client.get(accept_path).status_code == 404


def test_invitation_accept_needs_login(merchant, owner):
    invitation = InvitationFactory(merchant=merchant, invited_by=owner)
    response = Client().get(reverse("invitation-accept", args=[invitation.token]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("problem", ["unknown", "revoked", "expired"])
def test_invalid_invitation_shows_a_clear_message(consumer, merchant, owner, problem):
    from django.utils import timezone

    invitation = InvitationFactory(merchant=merchant, invited_by=owner)
    token = invitation.token
    if problem == "unknown":
        token = "no-such-token"
    elif problem == "revoked":
        Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
    else:
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    client = client_for(consumer)
    response = client.get(reverse("invitation-accept", args=[token]))
    assert response.status_code == 404
    assert "This invitation is no longer valid" in page_text(response)
    client.post(reverse("invitation-accept", args=[token]))
    assert not Membership.objects.filter(user=consumer).exists()


def test_inviting_a_current_member_is_refused(owner, merchant, staff):
    response = client_for(owner).post(
        reverse("merchant-staff", args=[merchant.pk]), {"email": staff.email, "role": "staff"}
    )
    assert "already works for the merchant" in " ".join(response.context["form"].errors["email"])
    assert not Invitation.objects.exists()


def test_owner_revokes_invitation_and_removes_member(owner, merchant, staff):
    invitation = InvitationFactory(merchant=merchant, invited_by=owner)
    client = client_for(owner)
    staff_page = page_text(client.get(reverse("merchant-staff", args=[merchant.pk])))
    assert invitation.email in staff_page and "dave" in staff_page

    client.post(reverse("invitation-revoke", args=[merchant.pk, invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None

    membership = Membership.objects.get(user=staff, merchant=merchant)
    client.post(reverse("membership-remove", args=[merchant.pk, membership.pk]))
    assert not Membership.objects.filter(user=staff, merchant=merchant).exists()


def test_last_owner_cannot_be_removed(owner, merchant):
    membership = Membership.objects.get(user=owner, merchant=merchant)
    response = client_for(owner).post(
        reverse("membership-remove", args=[merchant.pk, membership.pk]), follow=True
    )
    assert "A merchant must keep at least one owner." in messages_of(response)
    assert Membership.objects.filter(pk=membership.pk).exists()


# Dashboard


def test_dashboard_says_what_to_do_next(owner, merchant):
    draft = DeclarationFactory(merchant=merchant, created_by=owner, scheme=scheme("assured-unit"))
    returned = DeclarationFactory(
        merchant=merchant, created_by=owner, scheme=scheme("no-reason-return"), state="returned"
    )
    DeclarationEventFactory(
        declaration=returned, from_state="under_review", to_state="returned", reason="照片不清晰"
    )
    pending = DeclarationFactory(
        merchant=merchant,
        created_by=owner,
        scheme=scheme("assured-factory"),
        state="pending_review",
    )
    approved = DeclarationFactory(
        merchant=merchant,
        created_by=owner,
        scheme=scheme("assured-financial-outlet"),
        state="approved",
    )
    text = page_text(client_for(owner).get(reverse("dashboard")))
    for d in (draft, returned, pending, approved):
        assert reverse("declaration-detail", args=[d.pk]) in text
    assert "Complete it and submit it." in text
    assert "Amend it and submit it again." in text and "照片不清晰" in text
    assert "Waiting for the regulator's review." in text
    assert "Active. Keep your commitments." in text
    assert reverse("declaration-create", args=[merchant.pk]) in text


def test_dashboard_redirects_regulators_and_explains_to_consumers(county_regulator, consumer):
    response = client_for(county_regulator).get(reverse("dashboard"))
    assert response.url == reverse("regulator-declarations")
    text = page_text(client_for(consumer).get(reverse("dashboard")))
    assert "You do not work for any merchant yet" in text
    assert reverse("merchant-register") in text


def test_dashboard_shows_review_deadline_and_reviewer(owner, merchant, county_regulator):
    county_regulator.first_name, county_regulator.last_name = "明", "王"
    county_regulator.save()
    DeclarationFactory(
        merchant=merchant,
        created_by=owner,
        state=State.UNDER_REVIEW,
        review_due=date(2026, 10, 16),
        is_overdue=True,
        reviewer=county_regulator,
    )
    DeclarationFactory(
        merchant=merchant,
        created_by=owner,
        scheme=scheme("no-reason-return"),
        state=State.PENDING_REVIEW,
        review_due=date(2026, 10, 20),
    )
    text = page_text(client_for(owner).get(reverse("dashboard")))
    assert "due by 2026-10-16" in text and "overdue" in text
    assert "Reviewer: 王明" in text
    assert "due by 2026-10-20" in text and "Not yet taken up" in text


# Review status and the screening result on the declaration page


def _declaration_in(state: str, merchant: Merchant, owner: User, **fields: Any) -> Declaration:
    return DeclarationFactory(
        merchant=merchant, created_by=owner, state=state, submitted_at=timezone.now(), **fields
    )


def test_screening_failure_calls_the_merchant_to_amend_and_resubmit(
    owner, merchant, county_regulator
):
    d = _declaration_in(State.SCREENING_FAILED, merchant, owner)
    DeclarationEventFactory(
        declaration=d,
        from_state=State.SCREENING,
        to_state=State.SCREENING_FAILED,
        reason="执照过期",
    )
    url = reverse("declaration-detail", args=[d.pk])
    text = page_text(client_for(owner).get(url))
    assert "The automatic screening found problems" in text
    assert "执照过期" in text
    assert "Amend and resubmit" in text and reverse("declaration-edit", args=[d.pk]) in text
    assert reverse("declaration-submit", args=[d.pk]) in text
    regulator_text = page_text(client_for(county_regulator).get(url))
    assert "The declaration went back to the merchant" in regulator_text
    assert "Amend and resubmit" not in regulator_text
    assert reverse("declaration-edit", args=[d.pk]) not in regulator_text


def test_returned_declaration_offers_amend_and_resubmit(owner, merchant):
    d = _declaration_in(State.RETURNED, merchant, owner)
    DeclarationEventFactory(
        declaration=d, from_state=State.UNDER_REVIEW, to_state=State.RETURNED, reason="补充照片"
    )
    text = page_text(client_for(owner).get(reverse("declaration-detail", args=[d.pk])))
    assert "补充照片" in text and "Amend and resubmit" in text


@pytest.fixture
def stub_screening(monkeypatch, settings, tmp_path):
    """Stand in for the screening run and its report partial, which belong to review/."""
    partial = tmp_path / "review" / "queue" / "_screening_report.html"
    partial.parent.mkdir(parents=True)
    partial.write_text("<p>REPORT {{ run }} FOR {{ audience }}</p>")
    templates = [dict(engine) for engine in settings.TEMPLATES]
    templates[0]["DIRS"] = [tmp_path, *templates[0]["DIRS"]]
    settings.TEMPLATES = templates
    runs: dict[int, str] = {}

    def screening_run_latest(*, declaration: Declaration) -> str | None:
        return runs.get(declaration.pk)

    from review import receivers

    # The page asks the apps above for what they add (declaration_page_context).
    monkeypatch.setattr(receivers, "screening_run_latest", screening_run_latest)
    return runs


def test_screening_report_is_shown_to_each_audience(
    stub_screening, owner, merchant, staff, county_regulator, city_regulator, admin_user
):
    d = _declaration_in(State.SCREENING_FAILED, merchant, owner)
    url = reverse("declaration-detail", args=[d.pk])
    assert "REPORT" not in page_text(client_for(owner).get(url))
    stub_screening[d.pk] = f"run-{d.pk}"
    for user in (owner, staff):
        text = page_text(client_for(user).get(url))
        assert f"REPORT run-{d.pk} FOR merchant" in text
        assert "Read below which checks failed and why." in text
    for user in (county_regulator, city_regulator, admin_user):
        assert f"REPORT run-{d.pk} FOR regulator" in page_text(client_for(user).get(url))


def test_review_deadline_reviewer_and_flags_on_the_detail_page(
    owner, merchant, county_regulator, city_regulator
):
    d = _declaration_in(
        State.UNDER_REVIEW,
        merchant,
        owner,
        review_due=date(2026, 10, 16),
        is_overdue=True,
        flagged=True,
        reviewer=county_regulator,
        claimed_at=timezone.now(),
    )
    url = reverse("declaration-detail", args=[d.pk])
    text = page_text(client_for(owner).get(url))
    assert "Review due by" in text and "2026-10-16" in text and "overdue" in text
    assert "10 working days after submission" in text
    assert "Reviewer" in text and "reg-xihu" in text
    assert "Flagged" not in text
    regulator_text = page_text(client_for(city_regulator).get(url))
    assert "Flagged" in regulator_text and "reg-xihu" in regulator_text


def test_screening_incomplete_is_flagged_for_regulators(owner, merchant, county_regulator):
    d = _declaration_in(
        State.PENDING_REVIEW, merchant, owner, flagged=True, screening_incomplete=True
    )
    url = reverse("declaration-detail", args=[d.pk])
    regulator_text = page_text(client_for(county_regulator).get(url))
    assert "Screening incomplete" in regulator_text
    assert "Not yet taken up by a regulator." in regulator_text
    assert "Screening incomplete" not in page_text(client_for(owner).get(url))


# A stand-in for the review page, so the shortcut is tested whether or not review/ has it.
urlpatterns = [
    path("review/stand-in/<int:pk>/", lambda request, pk: HttpResponse(), name="review-detail"),
    path("", include("config.urls")),
]


def test_reviewers_get_a_shortcut_to_the_review_page(
    settings, owner, merchant, county_regulator, admin_user
):
    settings.ROOT_URLCONF = __name__
    coordinator = UserFactory(username="coord", role=User.Role.COORDINATOR, region=region("330106"))
    d = _declaration_in(State.PENDING_REVIEW, merchant, owner)
    url = reverse("declaration-detail", args=[d.pk])
    shortcut = reverse("review-detail", args=[d.pk])
    for user in (county_regulator, admin_user):
        assert f'href="{shortcut}"' in client_for(user).get(url).content.decode()
    for user in (owner, coordinator):
        assert shortcut not in client_for(user).get(url).content.decode()


def test_decided_declaration_names_who_decided(owner, merchant, county_regulator):
    d = _declaration_in(
        State.APPROVED,
        merchant,
        owner,
        review_due=date(2026, 10, 16),
        reviewer=county_regulator,
        decided_at=timezone.now(),
    )
    text = page_text(client_for(owner).get(reverse("declaration-detail", args=[d.pk])))
    assert "Decided by" in text and "reg-xihu" in text
    assert "Review due by" not in text


# Declarations


def test_declaration_create_edit_upload_submit_withdraw(
    owner, merchant, django_capture_on_commit_callbacks
):
    client = client_for(owner)
    no_return = scheme("no-reason-return")
    response = client.post(
        reverse("declaration-create", args=[merchant.pk]), {"scheme": no_return.pk}
    )
    declaration = Declaration.objects.get(merchant=merchant)
    assert response.url == reverse("declaration-edit", args=[declaration.pk])
    assert declaration.state == State.DRAFT and declaration.created_by == owner

    edit_page = page_text(client.get(reverse("declaration-edit", args=[declaration.pk])))
    assert 'name="return_days"' in edit_page and 'type="file"' in edit_page

    commitments = list(no_return.commitments.all())
    mandatory = list(no_return.required_documents.filter(is_mandatory=True))
    data: dict[str, Any] = {
        "commitments": [c.pk for c in commitments],
        "return_days": "15",
        "goods_covered": "全部商品",
        "goods_excluded": "定制商品",
        "cross_store_returns": "on",
    }
    for required in mandatory:
        data[f"document_{required.pk}"] = pdf_upload(f"{required.code}.pdf")
    response = client.post(reverse("declaration-edit", args=[declaration.pk]), data)
    assert response.status_code == 302
    declaration.refresh_from_db()
    assert declaration.details == {
        "return_days": 15,
        "goods_covered": "全部商品",
        "goods_excluded": "定制商品",
        "cross_store_returns": True,
    }
    assert set(declaration.accepted_commitments.all()) == set(commitments)
    assert declaration.documents.count() == len(mandatory)

    detail = page_text(client.get(reverse("declaration-detail", args=[declaration.pk])))
    assert "Everything required is in place" in detail
    assert reverse("declaration-submit", args=[declaration.pk]) in detail

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("declaration-submit", args=[declaration.pk]))
    declaration.refresh_from_db()
    assert declaration.state == State.PENDING_REVIEW
    response = client.get(reverse("declaration-detail", args=[declaration.pk]))
    assert any("The declaration is submitted" in m for m in messages_of(response))
    detail = page_text(response)
    assert reverse("declaration-edit", args=[declaration.pk]) not in detail
    assert "Screening" in detail and "Pending review" in detail

    client.post(reverse("declaration-withdraw", args=[declaration.pk]), {"reason": "暂停营业装修"})
    declaration.refresh_from_db()
    assert declaration.state == State.WITHDRAWN
    last = declaration.events.order_by("-id").first()
    assert (last.from_state, last.to_state, last.reason, last.actor) == (
        State.PENDING_REVIEW,
        State.WITHDRAWN,
        "暂停营业装修",
        owner,
    )


def test_declaration_detail_shows_timeline_commitments_documents_and_missing(
    owner, declaration, document
):
    text = page_text(client_for(owner).get(reverse("declaration-detail", args=[declaration.pk])))
    assert "Still missing before you can submit" in text
    assert "Commitment not accepted" in text
    assert document.original_name in text
    assert reverse("declaration-document", args=[declaration.pk, document.pk]) in text
    assert "alice" in text and "Draft" in text


def test_staff_member_can_declare(staff, merchant):
    response = client_for(staff).post(
        reverse("declaration-create", args=[merchant.pk]), {"scheme": scheme("assured-unit").pk}
    )
    assert response.status_code == 302
    assert Declaration.objects.get(merchant=merchant).created_by == staff


def _bad_upload_cases() -> list[Any]:
    text_pdf = SimpleUploadedFile("licence.pdf", b"just some text, not a PDF", "application/pdf")
    too_big = SimpleUploadedFile(
        "big.pdf", PDF_BYTES + b"0" * (10 * 1024 * 1024 + 1 - len(PDF_BYTES)), "application/pdf"
    )
    return [
        pytest.param(text_pdf, "is not a PDF, JPEG or PNG file", id="text-named-pdf"),
        pytest.param(too_big, "the limit is 10.0", id="over-10-mb"),
    ]


@pytest.mark.parametrize(("upload", "message"), _bad_upload_cases())
def test_bad_upload_leaves_nothing_half_saved(owner, declaration, upload, message):
    fill_declaration(declaration)
    DeclarationDocument.objects.all().delete()
    declaration.refresh_from_db()
    before = (declaration.details, declaration.updated_at)
    accepted = set(declaration.accepted_commitments.values_list("pk", flat=True))
    audit_count = AuditEntry.objects.count()
    required = declaration.scheme.required_documents.order_by("order")
    good, bad = required[0], required[1]

    response = client_for(owner).post(
        reverse("declaration-edit", args=[declaration.pk]),
        {
            "commitments": [],
            f"document_{good.pk}": png_upload(),
            f"document_{bad.pk}": upload,
        },
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors[f"document_{bad.pk}"])
    assert message in errors
    assert message in page_text(response)
    assert not DeclarationDocument.objects.exists()
    declaration.refresh_from_db()
    assert (declaration.details, declaration.updated_at) == before
    assert set(declaration.accepted_commitments.values_list("pk", flat=True)) == accepted
    assert AuditEntry.objects.count() == audit_count


def test_return_window_below_seven_days_is_refused_on_the_field(owner, merchant):
    d = DeclarationFactory(merchant=merchant, created_by=owner, scheme=scheme("no-reason-return"))
    response = client_for(owner).post(
        reverse("declaration-edit", args=[d.pk]), {"return_days": "3", "goods_covered": "x"}
    )
    assert "at least 7 days" in " ".join(response.context["form"].errors["return_days"])
    d.refresh_from_db()
    assert d.details == {}


def test_district_members_by_uscc(owner, merchant, other_merchant):
    d = DeclarationFactory(merchant=merchant, created_by=owner, scheme=scheme("assured-district"))
    third = MerchantFactory()
    client = client_for(owner)
    unregistered = build_uscc("330106", 99_999_999)
    response = client.post(
        reverse("declaration-edit", args=[d.pk]),
        {"member_usccs": f"{other_merchant.uscc}\n{unregistered}\n"},
    )
    errors = " ".join(response.context["form"].errors["member_usccs"])
    assert "No merchant is registered with these codes" in errors and unregistered in errors
    response = client.post(reverse("declaration-edit", args=[d.pk]), {"member_usccs": "12345\n"})
    assert "has 18 characters" in " ".join(response.context["form"].errors["member_usccs"])
    assert not d.member_merchants.exists()

    response = client.post(
        reverse("declaration-edit", args=[d.pk]),
        {"member_usccs": f"{other_merchant.uscc}\n {third.uscc.lower()} \n"},
    )
    assert response.status_code == 302
    assert set(d.member_merchants.all()) == {other_merchant, third}


def test_factory_and_financial_outlet_fields(owner, merchant):
    client = client_for(owner)
    factory_decl = DeclarationFactory(
        merchant=merchant, created_by=owner, scheme=scheme("assured-factory")
    )
    client.post(
        reverse("declaration-edit", args=[factory_decl.pk]),
        {"production_licence": "SC12345", "product_categories": "茶叶"},
    )
    factory_decl.refresh_from_db()
    assert factory_decl.details == {"production_licence": "SC12345", "product_categories": "茶叶"}
    outlet = DeclarationFactory(
        merchant=merchant, created_by=owner, scheme=scheme("assured-financial-outlet")
    )
    client.post(
        reverse("declaration-edit", args=[outlet.pk]),
        {"institution": "某银行", "outlet": "西湖支行"},
    )
    outlet.refresh_from_db()
    assert outlet.details == {"institution": "某银行", "outlet": "西湖支行"}


def test_submit_with_a_missing_commitment_is_refused(owner, declaration):
    from merchants.services.declarations import declaration_update

    fill_declaration(declaration)
    commitments = list(declaration.scheme.commitments.all())
    declaration_update(actor=owner, declaration=declaration, commitments=commitments[1:])
    response = client_for(owner).post(
        reverse("declaration-submit", args=[declaration.pk]), follow=True
    )
    assert any(
        f"Commitment not accepted: {commitments[0].display_name}" in m
        for m in messages_of(response)
    )
    declaration.refresh_from_db()
    assert declaration.state == State.DRAFT


def test_second_open_declaration_is_refused(owner, merchant, declaration):
    response = client_for(owner).post(
        reverse("declaration-create", args=[merchant.pk]), {"scheme": declaration.scheme.pk}
    )
    assert response.status_code == 200
    assert "already has an open declaration for this scheme" in " ".join(
        response.context["form"].errors["scheme"]
    )
    assert Declaration.objects.filter(merchant=merchant).count() == 1


def test_submitted_declaration_cannot_be_edited(owner, merchant):
    d = DeclarationFactory(merchant=merchant, created_by=owner, state=State.PENDING_REVIEW)
    response = client_for(owner).get(reverse("declaration-edit", args=[d.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("declaration-detail", args=[d.pk])


def test_owner_removes_a_document(owner, declaration, document):
    response = client_for(owner).post(
        reverse("declaration-document-remove", args=[declaration.pk, document.pk])
    )
    assert response.status_code == 302
    assert not DeclarationDocument.objects.filter(pk=document.pk).exists()


def test_document_download_is_scoped(owner, declaration, document, county_regulator):
    url = reverse("declaration-document", args=[declaration.pk, document.pk])
    for user in (owner, county_regulator):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF_BYTES
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"]
    assert Client().get(url).status_code == 302


def test_regulator_sees_declaration_read_only(county_regulator, owner, declaration):
    fill_declaration(declaration)
    client = client_for(county_regulator)
    text = page_text(client.get(reverse("declaration-detail", args=[declaration.pk])))
    assert reverse("declaration-submit", args=[declaration.pk]) not in text
    assert reverse("declaration-edit", args=[declaration.pk]) not in text
    assert client.post(reverse("declaration-submit", args=[declaration.pk])).status_code == 404
    declaration.refresh_from_db()
    assert declaration.state == State.DRAFT


# Outsiders: every page of alice's merchant is a 404 for bob and the Binjiang regulator.

MERCHANT_PAGES = [
    ("merchant-detail", "get"),
    ("merchant-edit", "get"),
    ("merchant-edit", "post"),
    ("merchant-staff", "get"),
    ("merchant-staff", "post"),
    ("invitation-revoke", "post"),
    ("membership-remove", "post"),
    ("declaration-create", "get"),
    ("declaration-create", "post"),
    ("declaration-detail", "get"),
    ("declaration-edit", "get"),
    ("declaration-edit", "post"),
    ("declaration-submit", "post"),
    ("declaration-withdraw", "post"),
    ("declaration-document", "get"),
    ("declaration-document-remove", "post"),
]


def _url_for(name: str, merchant: Merchant, declaration: Declaration, document: Any) -> str:
    if name == "invitation-revoke":
        invitation = InvitationFactory(merchant=merchant, invited_by=declaration.created_by)
        return reverse(name, args=[merchant.pk, invitation.pk])
    if name == "membership-remove":
        membership = merchant.memberships.get()
        return reverse(name, args=[merchant.pk, membership.pk])
    if name.startswith("merchant-") or name == "declaration-create":
        return reverse(name, args=[merchant.pk])
    if name.startswith("declaration-document"):
        return reverse(name, args=[declaration.pk, document.pk])
    return reverse(name, args=[declaration.pk])


@pytest.mark.parametrize("outsider_name", ["other_owner", "other_county_regulator"])
@pytest.mark.parametrize(("name", "method"), MERCHANT_PAGES)
def test_outsider_gets_404(
    request, merchant, declaration, document, other_merchant, outsider_name, name, method
):
    outsider = request.getfixturevalue(outsider_name)
    url = _url_for(name, merchant, declaration, document)
    client = client_for(outsider)
    response = client.get(url) if method == "get" else client.post(url, {"scheme": 1})
    assert response.status_code == 404
    assert Membership.objects.filter(merchant=merchant).count() == 1
    assert DeclarationDocument.objects.filter(pk=document.pk).exists()
    declaration.refresh_from_db()
    assert declaration.state == State.DRAFT


@pytest.mark.parametrize("name", ["regulator-merchants", "regulator-declarations"])
@pytest.mark.parametrize("user_name", ["consumer", "owner"])
def test_outsider_gets_404_on_regulator_pages(request, merchant, name, user_name):
    user = request.getfixturevalue(user_name)
    assert client_for(user).get(reverse(name)).status_code == 404


def test_anonymous_is_sent_to_login(merchant, declaration):
    for url in (
        reverse("dashboard"),
        reverse("merchant-register"),
        reverse("merchant-detail", args=[merchant.pk]),
        reverse("declaration-detail", args=[declaration.pk]),
        reverse("regulator-merchants"),
    ):
        response = Client().get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


# Regulator lists


def test_regulator_merchant_list_is_scoped(
    merchant, county_regulator, city_regulator, other_county_regulator, admin_user
):
    binjiang = MerchantFactory(name="滨江电器", region=region("330108"))
    url = reverse("regulator-merchants")
    for user in (county_regulator, city_regulator, admin_user):
        text = page_text(client_for(user).get(url))
        assert merchant.name in text
        assert reverse("merchant-detail", args=[merchant.pk]) in text
    assert binjiang.name not in page_text(client_for(county_regulator).get(url))
    other = page_text(client_for(other_county_regulator).get(url))
    assert merchant.name not in other and binjiang.name in other


def test_regulator_merchant_list_filters(city_regulator, merchant):
    MerchantFactory(name="滨江电器", region=region("330108"), industry="catering")
    client = client_for(city_regulator)
    url = reverse("regulator-merchants")

    def names(params: dict[str, str]) -> set[str]:
        page = client.get(url, params).context["page"]
        return {m.name for m in page.object_list}

    assert names({"county": "330108"}) == {"滨江电器"}
    assert names({"industry": "retail"}) == {merchant.name}
    assert names({"q": "西湖"}) == {merchant.name}
    assert names({"q": merchant.uscc[:12].lower()}) == {merchant.name}
    # A county outside the regulator's subtree is not a choice.
    response = client.get(url, {"county": "330205"})
    assert "county" in response.context["form"].errors


def test_county_regulator_filter_offers_only_their_subtree(county_regulator, merchant):
    form = client_for(county_regulator).get(reverse("regulator-merchants")).context["form"]
    assert [code for code in form.fields["county"].counties] == ["330106"]


def test_regulator_declaration_list_is_scoped_and_filtered(
    declaration, county_regulator, city_regulator, other_county_regulator
):
    binjiang = DeclarationFactory(
        merchant=MerchantFactory(region=region("330108")),
        scheme=scheme("no-reason-return"),
        state=State.PENDING_REVIEW,
    )
    url = reverse("regulator-declarations")

    def pks(user: User, params: dict[str, Any] | None = None) -> set[int]:
        return {d.pk for d in client_for(user).get(url, params or {}).context["page"].object_list}

    assert pks(county_regulator) == {declaration.pk}
    assert pks(other_county_regulator) == {binjiang.pk}
    assert pks(city_regulator) == {declaration.pk, binjiang.pk}
    assert pks(city_regulator, {"state": "pending_review"}) == {binjiang.pk}
    assert pks(city_regulator, {"scheme": scheme("assured-unit").pk}) == {declaration.pk}
    assert pks(city_regulator, {"county": "330106"}) == {declaration.pk}
    text = page_text(client_for(county_regulator).get(url))
    assert reverse("declaration-detail", args=[declaration.pk]) in text


# Query counts: constant in the number of rows.


def _count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _merchant_with_declaration(owner: User, n: int) -> None:
    m = MerchantFactory(region=region("330106"))
    MembershipFactory(user=owner, merchant=m, role=Membership.Role.OWNER)
    reviewer = RegulatorFactory(username=f"reviewer-{n}")
    d = DeclarationFactory(merchant=m, created_by=owner, state=State.RETURNED, reviewer=reviewer)
    DeclarationEventFactory(declaration=d, actor=owner, to_state=State.DRAFT)
    DeclarationEventFactory(
        declaration=d, from_state=State.UNDER_REVIEW, to_state=State.RETURNED, reason=f"r{n}"
    )


def test_dashboard_query_count(owner, django_assert_max_num_queries):
    client = client_for(owner)
    url = reverse("dashboard")
    _merchant_with_declaration(owner, 0)
    few = _count_queries(client, url)
    assert few <= 8
    for n in range(1, 60):
        _merchant_with_declaration(owner, n)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert len(response.context["merchants"]) == 60
    assert "r59" in page_text(response) and "Decided by reviewer-59" in page_text(response)


def test_regulator_merchant_list_query_count(county_regulator, django_assert_max_num_queries):
    client = client_for(county_regulator)
    url = reverse("regulator-merchants")
    MerchantFactory(region=region("330106"))
    few = _count_queries(client, url)
    assert few <= 10
    MerchantFactory.create_batch(59, region=region("330106"))
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert response.context["page"].paginator.count == 60
    assert len(response.context["page"].object_list) == 50


def test_regulator_declaration_list_query_count(county_regulator, django_assert_max_num_queries):
    client = client_for(county_regulator)
    url = reverse("regulator-declarations")
    DeclarationFactory(merchant=MerchantFactory(region=region("330106")))
    few = _count_queries(client, url)
    assert few <= 12
    for _ in range(59):
        DeclarationFactory(merchant=MerchantFactory(region=region("330106")))
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert response.context["page"].paginator.count == 60
    assert len(response.context["page"].object_list) == 50
    with django_assert_max_num_queries(few):
        client.get(url, {"page": 2, "state": "draft"})


# No asset from outside the server


EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def test_no_page_references_an_external_asset(
    owner, merchant, declaration, document, county_regulator, consumer
):
    invitation = InvitationFactory(merchant=merchant, invited_by=owner)
    NotificationFactory(user=owner, merchant=merchant, link="/")
    pages: list[tuple[User | None, str]] = [
        (None, reverse("home")),
        (None, reverse("signup")),
        (None, reverse("login")),
        (None, reverse("password_reset")),
        (None, reverse("password_reset_done")),
        (None, reverse("password_reset_complete")),
        (None, reverse("password_reset_confirm", args=["MQ", "set-password"])),
        (consumer, reverse("dashboard")),
        (consumer, reverse("merchant-register")),
        (consumer, reverse("invitation-accept", args=[invitation.token])),
        (consumer, reverse("invitation-accept", args=["invalid"])),
        (owner, reverse("home")),
        (owner, reverse("dashboard")),
        (owner, reverse("merchant-detail", args=[merchant.pk])),
        (owner, reverse("merchant-edit", args=[merchant.pk])),
        (owner, reverse("merchant-staff", args=[merchant.pk])),
        (owner, reverse("declaration-create", args=[merchant.pk])),
        (owner, reverse("declaration-detail", args=[declaration.pk])),
        (owner, reverse("declaration-edit", args=[declaration.pk])),
        (owner, reverse("inbox")),
        (county_regulator, reverse("regulator-merchants")),
        (county_regulator, reverse("regulator-declarations")),
        (county_regulator, reverse("declaration-detail", args=[declaration.pk])),
        (county_regulator, reverse("merchant-detail", args=[99999])),
    ]
    for user, url in pages:
        response = client_for(user).get(url, follow=True)
        assert response.status_code in (200, 404), url
        content = response.content.decode()
        assert not EXTERNAL.search(content), url
        assert "<style" not in content and " style=" not in content, url
        assert "<script>" not in content, url


def test_document_photo_is_stored_and_served_without_exif(owner, declaration, county_regulator):
    """Issue 14, finding 11: a photo of a document loses its EXIF (GPS); a PDF stays as sent."""
    from merchants.services.declarations import declaration_attach_document
    from tests.factories import assert_no_metadata, gps_jpeg_bytes

    document = declaration_attach_document(
        actor=owner,
        declaration=declaration,
        required_document=declaration.scheme.required_documents.first(),
        upload=SimpleUploadedFile("licence.jpg", gps_jpeg_bytes(), content_type="image/jpeg"),
    )
    assert document.content_type == "image/jpeg"
    url = reverse("declaration-document", args=[declaration.pk, document.pk])
    for user in (owner, county_regulator):
        response = client_for(user).get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        served = b"".join(response.streaming_content)
        assert_no_metadata(served)
        assert len(served) == document.size
