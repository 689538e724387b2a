"""The public store page /s/<code>/: what it shows, what it never shows, and its cache."""

import re
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint, ComplaintState
from complaints.services.complaints import complaint_accept, complaint_submit
from merchants.models import Declaration, Permit, RegistryRecord
from merchants.services.declarations import (
    declaration_approve,
    declaration_claim,
    declaration_revoke,
)
from merchants.services.merchants import merchant_update
from merchants.services.records import records_import
from review.models import Campaign, Inspection, InspectionMethod
from review.services.inspections import inspection_record
from storefront import views
from storefront.views import ANONYMOUS_TOKEN, store_page_content
from tests.conftest import client_for
from tests.factories import (
    CampaignFactory,
    DeclarationFactory,
    InspectionFactory,
    MerchantFactory,
    PermitFactory,
    RegistryRecordFactory,
    RegulatorFactory,
    UserFactory,
    region,
    scheme,
)

CONSUMER_NAME = "王小明"
CONSUMER_PHONE = "13912345678"
SECRET_NOTES = "inspector-only note: owner seemed nervous"
SECRET_FINDINGS = "prices missing on shelf 3"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def page_url(merchant) -> str:
    return reverse("store-page", args=[merchant.public_code])


def get_page(merchant, user=None) -> str:
    response = client_for(user).get(page_url(merchant))
    assert response.status_code == 200
    return response.content.decode()


def article(html: str) -> str:
    """The cached part of the page (the layout around it carries a per-request CSRF token)."""
    return html[html.index("<article") : html.index("</article>")]


def approved(merchant, scheme_code="assured-unit", **kwargs) -> Declaration:
    declaration = DeclarationFactory(
        merchant=merchant,
        scheme=scheme(scheme_code),
        state=Declaration.State.APPROVED,
        decided_at=timezone.now(),
        **kwargs,
    )
    declaration.accepted_commitments.set(declaration.scheme.commitments.all())
    return declaration


def inspector_for(county: str = "330106"):
    return RegulatorFactory(region=region(county), can_inspect=True)


def answers_for(inspection: Inspection, answer: str = "yes") -> dict[str, str]:
    return {item["code"]: answer for item in inspection.checklist}


# What the page shows


def test_page_shows_public_facts(merchant):
    PermitFactory(merchant=merchant, number="JY-VALID-1", valid_until=date(2035, 1, 1))
    PermitFactory(merchant=merchant, number="JY-OLD-2", valid_until=date(2021, 6, 30))
    RegistryRecordFactory(uscc=merchant.uscc, credit_level=RegistryRecord.Credit.B)

    html = get_page(merchant)

    assert merchant.name in html
    assert merchant.uscc in html
    assert merchant.address in html
    assert "Xihu" in html or "西湖区" in html
    assert f'href="tel:{merchant.contact_phone}"' in html
    assert "valid from 2020-01-01 until 2040-01-01" in html
    assert "JY-VALID-1" in html and "valid until 2035-01-01" in html
    # The expired permit is marked as such; the valid one is not.
    expired_item = html.split("JY-OLD-2")[0].rsplit("<li", 1)[1]
    assert 'class="is-expired"' in expired_item
    assert html.count("badge-expired-strong") == 1
    assert "B — fair" in html
    assert "No inspections recorded in the last 12 months." in html
    complaint_link = reverse("complaint-new") + f"?merchant={merchant.public_code}&amp;channel=qr"
    assert f'href="{complaint_link}"' in html
    assert "Lodge a complaint" in html


def test_expired_business_licence_is_marked(merchant):
    merchant.licence_valid_until = timezone.localdate() - timedelta(days=1)
    merchant.save()
    html = get_page(merchant)
    assert "badge-expired-strong" in html


def test_lodge_a_complaint_preselects_the_merchant(merchant):
    response = client_for(None).get(reverse("complaint-new"), {"merchant": merchant.public_code})
    assert response.status_code == 200
    assert response.context["merchant"] == merchant


def test_schemes_and_commitments_in_plain_words(merchant):
    approved(
        merchant,
        "no-reason-return",
        details={
            "return_days": 7,
            "goods_covered": "服装、鞋帽",
            "goods_excluded": "内衣",
            "cross_store_returns": True,
        },
    )
    approved(merchant, "assured-unit")

    html = get_page(merchant)

    assert "7-day no-reason returns, also at our other stores" in html
    assert "Goods covered: 服装、鞋帽" in html
    assert "Not covered: 内衣" in html
    assert "Mark prices clearly; no price fraud" in html
    assert "Assured consumption unit" in html
    assert "No-reason-return commitment unit" in html
    assert html.count('class="store-seal"') == 2


def test_returns_only_at_this_store(merchant):
    approved(
        merchant,
        "no-reason-return",
        details={"return_days": 15, "goods_covered": "家电", "cross_store_returns": False},
    )
    html = get_page(merchant)
    assert "15-day no-reason returns at this store" in html
    assert "other stores" not in html


def test_chinese_browser_gets_chinese_page(merchant):
    approved(merchant, "assured-unit")
    response = client_for(None).get(page_url(merchant), HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = response.content.decode()
    assert "放心消费单位" in html
    assert "明码标价" in html
    english = client_for(None).get(page_url(merchant), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Mark prices clearly; no price fraud" in english


def test_unknown_code_is_404(db):
    response = client_for(None).get(reverse("store-page", args=["no-such-code-123"]))
    assert response.status_code == 404


def test_page_shows_complaint_figures_only_when_there_are_some(merchant):
    assert 'id="store-complaints"' not in get_page(merchant)
    for state in (ComplaintState.SETTLED, ComplaintState.WITH_MERCHANT):
        Complaint.objects.create(
            merchant=merchant,
            region=merchant.region,
            category="quality",
            state=state,
            description="描述",
            wanted_outcome="退款",
            complainant_name=CONSUMER_NAME,
            complainant_phone=CONSUMER_PHONE,
            accepted_at=timezone.now(),
        )
    cache.clear()
    html = get_page(merchant)
    assert 'id="store-complaints"' in html
    figures = html.split('id="store-complaints"')[1]
    assert "Received</dt><dd>2</dd>" in figures
    assert "Settled</dt><dd>1</dd>" in figures
    assert "50%" in figures


# What the page never shows


@pytest.mark.django_db
def test_page_and_api_never_show_private_data(merchant, owner, county_regulator):
    approved(merchant, "assured-unit")
    DeclarationFactory(merchant=merchant, scheme=scheme("no-reason-return"))  # a draft
    DeclarationFactory(
        merchant=merchant,
        scheme=scheme("assured-factory"),
        state=Declaration.State.PENDING_REVIEW,
    )
    complaint_submit(
        merchant=merchant,
        category="quality",
        description="The tea was stale and the staff refused a refund.",
        wanted_outcome="A refund",
        complainant_name=CONSUMER_NAME,
        complainant_phone=CONSUMER_PHONE,
        complainant_email="wang@example.com",
    )
    inspector = inspector_for()
    inspector.first_name, inspector.last_name = "Zhao", "Inspector"
    inspector.save()
    visit = InspectionFactory(merchant=merchant, inspector=inspector)
    inspection_record(
        actor=inspector,
        inspection=visit,
        answers=answers_for(visit),
        result="rectify",
        notes=SECRET_NOTES,
        findings=SECRET_FINDINGS,
    )
    covert_campaign = CampaignFactory(method=InspectionMethod.COVERT, state=Campaign.State.DRAWN)
    InspectionFactory(merchant=merchant, campaign=covert_campaign, inspector=inspector)

    html = get_page(merchant)
    api = client_for(None).get(reverse("api-public-merchant-detail", args=[merchant.public_code]))
    assert api.status_code == 200
    body = api.content.decode()

    for text in (html, body):
        for secret in (
            CONSUMER_NAME,
            CONSUMER_PHONE,
            "wang@example.com",
            "stale",
            SECRET_NOTES,
            SECRET_FINDINGS,
            inspector.username,
            "Zhao",
            owner.username,
            owner.email,
            merchant.legal_representative,
            "No-reason-return commitment unit",  # draft
            "Assured factory",  # pending review
            "Covert inspection",  # scheduled, not yet recorded
            county_regulator.username,
        ):
            assert secret not in text, secret
    # The recorded visit shows: date, method and result.
    assert "On-site inspection" in html and "Rectify" in html
    assert [v["method"] for v in api.json()["supervision"]] == ["on_site"]
    assert [s["code"] for s in api.json()["schemes"]] == ["assured-unit"]


# The cache


def test_cached_page_makes_no_query(merchant, django_assert_num_queries):
    approved(merchant)
    PermitFactory(merchant=merchant)
    first = get_page(merchant)
    with django_assert_num_queries(0):
        second = get_page(merchant)
    assert article(first) == article(second)
    assert merchant.name in article(second)


def test_cache_miss_is_three_queries_at_most(
    merchant, json_features_known, django_assert_max_num_queries
):
    for code in ("assured-unit", "no-reason-return", "assured-factory"):
        approved(merchant, code, details={"return_days": 7})
    PermitFactory.create_batch(5, merchant=merchant)
    for _ in range(3):
        InspectionFactory(merchant=merchant, visited_at=timezone.now(), result="pass")
    with django_assert_max_num_queries(3):
        get_page(merchant)


def test_logged_in_visitor_never_gets_someone_elses_layout(merchant, owner, consumer):
    get_page(merchant, consumer)
    html = get_page(merchant, owner)
    assert "alice" in html
    assert "carol" not in html


def _csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_anonymous_page_is_cached_whole_with_each_visitors_own_token(
    merchant, owner, django_assert_num_queries
):
    """Visitors without a session share one cached page; each still gets a CSRF token that
    works with their own cookie, and a signed-in visitor never gets the shared page."""
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first_html = first.get(page_url(merchant)).content.decode()
    with django_assert_num_queries(0):
        second_html = second.get(page_url(merchant)).content.decode()
    assert ANONYMOUS_TOKEN not in first_html + second_html
    assert _csrf_token(first_html) != _csrf_token(second_html)
    for client, html in ((first, first_html), (second, second_html)):
        switched = client.post(
            reverse("set_language"),
            {
                "language": "zh-hans",
                "next": page_url(merchant),
                "csrfmiddlewaretoken": _csrf_token(html),
            },
        )
        assert switched.status_code == 302
    assert "alice" in get_page(merchant, owner)
    assert "alice" not in Client().get(page_url(merchant)).content.decode()


def test_plain_visits_layout_is_the_layout_rendered_for_the_page(merchant):
    """A plain visit's page comes from a layout rendered once per language with marks for the
    title, body and address: it is what the template renders for that page, whatever the
    name holds and for every store after the first."""
    other = MerchantFactory(name='<b>"Tom & Jerry\'s"</b> store-page-body-mark')
    for language in ("en", "zh-hans"):
        for store in (merchant, other, merchant):
            cache.clear()
            response = Client().get(page_url(store), HTTP_ACCEPT_LANGUAGE=language)
            html = response.content.decode()
            content = store_page_content(store.public_code) | {"csrf_token": _csrf_token(html)}
            assert html == render_to_string(
                "storefront/page.html", content, request=response.wsgi_request
            )
            assert f'value="{page_url(store)}"' in html
            if store == other:
                assert "<title>&lt;b&gt;&quot;Tom &amp; Jerry&#x27;s&quot;&lt;/b&gt;" in html
        assert len(views._layouts[language]) == 7  # rendered once, split at its three marks


def test_permit_change_shows_on_next_request(merchant, owner, django_capture_on_commit_callbacks):
    assert "JY-NEW-777" not in get_page(merchant)
    with django_capture_on_commit_callbacks(execute=True):
        merchant_update(
            actor=owner,
            merchant=merchant,
            permits=[
                {
                    "permit_type": Permit.Type.FOOD_BUSINESS,
                    "number": "JY-NEW-777",
                    "valid_until": date(2031, 1, 1),
                }
            ],
            address="新地址 88 号",
        )
    html = get_page(merchant)
    assert "JY-NEW-777" in html
    assert "新地址 88 号" in html


def test_declaration_approved_then_revoked_shows(
    merchant, county_regulator, django_capture_on_commit_callbacks
):
    county_regulator.can_review = True
    county_regulator.save()
    declaration = DeclarationFactory(
        merchant=merchant, state=Declaration.State.PENDING_REVIEW, submitted_at=timezone.now()
    )
    assert "Assured consumption unit" not in get_page(merchant)
    with django_capture_on_commit_callbacks(execute=True):
        declaration_claim(actor=county_regulator, declaration=declaration)
        declaration_approve(actor=county_regulator, declaration=declaration)
    assert "Assured consumption unit" in get_page(merchant)
    with django_capture_on_commit_callbacks(execute=True):
        declaration_revoke(actor=county_regulator, declaration=declaration, reason="Fraud")
    assert "Assured consumption unit" not in get_page(merchant)


def test_complaint_accepted_shows(merchant, county_regulator, django_capture_on_commit_callbacks):
    county_regulator.can_handle_complaints = True
    county_regulator.save()
    with django_capture_on_commit_callbacks(execute=True):
        complaint = complaint_submit(
            merchant=merchant,
            category="quality",
            description="Stale tea",
            wanted_outcome="Refund",
            complainant_name=CONSUMER_NAME,
            complainant_phone=CONSUMER_PHONE,
        )
    html = get_page(merchant)
    assert "Received</dt><dd>1</dd>" in html
    assert "Resolution rate" not in html
    with django_capture_on_commit_callbacks(execute=True):
        complaint_accept(actor=county_regulator, complaint=complaint)
    html = get_page(merchant)
    assert "Resolution rate</dt><dd>0%</dd>" in html


def test_inspection_recorded_shows(merchant, django_capture_on_commit_callbacks):
    inspector = inspector_for()
    visit = InspectionFactory(merchant=merchant, inspector=inspector)
    assert "No inspections recorded" in get_page(merchant)
    with django_capture_on_commit_callbacks(execute=True):
        inspection_record(
            actor=inspector, inspection=visit, answers=answers_for(visit), result="pass"
        )
    html = get_page(merchant)
    assert "No inspections recorded" not in html
    assert "On-site inspection" in html
    assert "store-verdict-pass" in html


def test_registry_import_shows(merchant, admin_user, django_capture_on_commit_callbacks):
    RegistryRecordFactory(uscc=merchant.uscc, record_id="REG-1", credit_level="A")
    assert "A — good" in get_page(merchant)
    row = {
        "uscc": merchant.uscc,
        "record_id": "REG-1",
        "as_of": timezone.localdate().isoformat(),
        "entity_status": "active",
        "licence_valid_until": "2040-01-01",
        "on_abnormal_list": "false",
        "on_dishonest_list": "false",
        "credit_level": "C",
    }
    with django_capture_on_commit_callbacks(execute=True):
        report = records_import(source="registry", rows=[(1, row)], actor=admin_user)
    assert report.updated == 1, report.errors
    html = get_page(merchant)
    assert "C — poor" in html
    assert "A — good" not in html


def test_admin_permit_edit_shows(merchant, admin_user, django_capture_on_commit_callbacks):
    permit = PermitFactory(merchant=merchant, number="JY-ADMIN-1")
    assert "JY-ADMIN-1" in get_page(merchant)
    client = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:merchants_permit_change", args=[permit.pk]),
            {
                "merchant": merchant.pk,
                "permit_type": Permit.Type.FOOD_BUSINESS,
                "number": "JY-ADMIN-2",
                "valid_until": "2033-03-03",
            },
        )
    assert response.status_code == 302
    html = get_page(merchant)
    assert "JY-ADMIN-2" in html and "JY-ADMIN-1" not in html


def test_other_merchants_page_is_untouched(
    merchant, other_merchant, owner, django_capture_on_commit_callbacks, django_assert_num_queries
):
    get_page(other_merchant)
    with django_capture_on_commit_callbacks(execute=True):
        merchant_update(actor=owner, merchant=merchant, address="别处 1 号")
    with django_assert_num_queries(0):
        get_page(other_merchant)


def test_page_is_public_for_every_role(merchant, other_owner, other_county_regulator):
    for user in (None, other_owner, other_county_regulator, UserFactory()):
        assert merchant.name in get_page(merchant, user)


def test_entries_end_by_midnight_and_live_minutes_in_a_per_process_cache():
    from storefront import views as store_views

    locmem = store_views._max_age("django.core.cache.backends.locmem.LocMemCache")
    assert 0 < locmem <= store_views.STORE_PAGE_MAX_AGE_PER_PROCESS
    redis = store_views._max_age("django.core.cache.backends.redis.RedisCache")
    assert redis <= min(store_views.STORE_PAGE_MAX_AGE, store_views._seconds_to_midnight())


def test_overlong_code_is_404_without_a_query(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client_for(None).get(reverse("store-page", args=["x" * 200]))
    assert response.status_code == 404


def test_registry_feed_push_shows(merchant, django_capture_on_commit_callbacks):
    from django.contrib.auth.models import Permission
    from rest_framework.test import APIClient

    from merchants.models import User

    feed = UserFactory(username="feed-registry", role=User.Role.ADMIN)
    feed.user_permissions.add(Permission.objects.get(codename="push_feed"))
    client = APIClient()
    client.force_authenticate(feed)
    assert 'id="store-credit"' not in get_page(merchant)
    record = {
        "uscc": merchant.uscc,
        "record_id": "QY-FEED-1",
        "as_of": timezone.localdate().isoformat(),
        "entity_status": "active",
        "licence_valid_until": None,
        "on_abnormal_list": False,
        "on_dishonest_list": False,
        "credit_level": "D",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/feeds/registry/", [record], format="json")
    assert response.status_code == 200, response.content
    assert "D — bad" in get_page(merchant)
