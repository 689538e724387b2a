"""The quality-control pages: campaigns, the inspector's pages, the merchant's side."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from merchants.models import Merchant, User
from review.models import Campaign, Inspection, InspectionMethod
from review.services.campaigns import campaign_draw, draw_run
from review.services.inspections import inspection_record, rectification_submit
from tests.conftest import client_for
from tests.factories import (
    CampaignFactory,
    InspectionFactory,
    MembershipFactory,
    MerchantFactory,
    RegulatorFactory,
    UserFactory,
    approved_merchants,
    checklist,
    png_upload,
    region,
    scheme,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor(city_regulator) -> User:
    city_regulator.can_supervise = True
    city_regulator.save(update_fields=["can_supervise"])
    return city_regulator


@pytest.fixture
def xihu_campaign(supervisor) -> Campaign:
    return CampaignFactory(created_by=supervisor, region=region("330106"), sample_size=3)


@pytest.fixture
def drawn(xihu_campaign, supervisor, county_regulator) -> Campaign:
    approved_merchants(6)
    campaign_draw(actor=supervisor, campaign=xihu_campaign, seed="fixed-seed")
    xihu_campaign.refresh_from_db()
    return xihu_campaign


@pytest.fixture
def coordinator(db) -> User:
    return UserFactory(username="coord", role=User.Role.COORDINATOR, region=region("330106"))


def _answers(inspection: Inspection, **no: str) -> dict[str, str]:
    answers = {f"item-{item['code']}": "yes" for item in inspection.checklist}
    answers.update({f"item-{code}": "no" for code in no})
    return answers


def _failed(inspection: Inspection, inspector: User) -> Inspection:
    answers = {item["code"]: "yes" for item in inspection.checklist} | {"prices-marked": "no"}
    return inspection_record(
        actor=inspector,
        inspection=inspection,
        answers=answers,
        result="rectify",
        findings="Mark every price.",
        notes="INTERNAL: owner argued.",
        photos=[png_upload("shelf.png")],
    )


def _campaign_form(**changes: object) -> dict[str, object]:
    return {
        "name": "Xihu autumn check",
        "region": "330106",
        "schemes": [scheme("assured-unit").pk],
        "method": "on_site",
        "checklist": checklist().pk,
        "sample_size": "",
        "sample_percent": "5",
        "inspectors_per_visit": "2",
        "exclude_recent_days": "90",
        "due_date": (timezone.localdate() + timedelta(days=20)).isoformat(),
    } | changes


# Campaigns


def test_supervisor_defines_a_campaign_with_a_percentage(supervisor):
    response = client_for(supervisor).post(reverse("campaign-list"), _campaign_form())
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("campaign-detail", args=[campaign.pk])
    assert str(campaign.sample_ratio) == "0.0500" and campaign.sample_size is None
    assert list(campaign.schemes.values_list("code", flat=True)) == ["assured-unit"]
    assert campaign.created_by == supervisor and campaign.state == Campaign.State.DRAFT


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"sample_size": "10"}, "Give a sample size or a percentage"),
        ({"sample_percent": ""}, "Give a sample size or a percentage"),
        ({"region": "330200"}, "Select a valid choice"),
        ({"due_date": "2020-01-01"}, "The due date must be after today."),
        ({"inspectors_per_visit": "9"}, "less than or equal to 5"),
    ],
)
def test_campaign_form_errors_are_shown(supervisor, changes, message):
    response = client_for(supervisor).post(reverse("campaign-list"), _campaign_form(**changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Campaign.objects.exists()


def test_campaign_list_defaults_leave_out_days_from_the_setting(supervisor):
    from review.models import QualityControlSetting

    QualityControlSetting.objects.update_or_create(pk=1, defaults={"exclude_recent_days": 33})
    response = client_for(supervisor).get(reverse("campaign-list"))
    assert response.context["form"]["exclude_recent_days"].value() == 33


def test_regulator_without_supervision_sees_but_cannot_act(xihu_campaign, county_regulator):
    client = client_for(county_regulator)
    listing = client.get(reverse("campaign-list")).content.decode()
    assert xihu_campaign.name in listing and "New campaign" not in listing
    detail = client.get(reverse("campaign-detail", args=[xihu_campaign.pk])).content.decode()
    assert "Draw the sample" not in detail
    response = client.post(reverse("campaign-list"), _campaign_form(), follow=True)
    assert not Campaign.objects.exclude(pk=xihu_campaign.pk).exists()
    assert "Only a supervisor can define a campaign." in response.content.decode()
    approved_merchants(2)
    response = client.post(reverse("campaign-draw", args=[xihu_campaign.pk]), follow=True)
    assert "Only a supervisor can draw this campaign." in response.content.decode()
    xihu_campaign.refresh_from_db()
    assert xihu_campaign.state == Campaign.State.DRAFT


def test_draw_close_and_the_drawn_page(xihu_campaign, supervisor, county_regulator):
    approved_merchants(6)
    client = client_for(supervisor)
    page = client.get(reverse("campaign-detail", args=[xihu_campaign.pk])).content.decode()
    assert "Draw the sample" in page and "Verify the draw" not in page
    response = client.post(reverse("campaign-draw", args=[xihu_campaign.pk]), follow=True)
    page = response.content.decode()
    xihu_campaign.refresh_from_db()
    assert xihu_campaign.state == Campaign.State.DRAWN
    assert xihu_campaign.seed in page and xihu_campaign.population_digest in page
    assert "sha256-min-keys-v1" in page and "6 merchants in scope" in page
    for inspection in xihu_campaign.inspections.select_related("merchant"):
        assert inspection.merchant.name in page
    response = client.post(reverse("campaign-close", args=[xihu_campaign.pk]), follow=True)
    assert "The campaign is closed" in response.content.decode()
    assert set(xihu_campaign.inspections.values_list("state", flat=True)) == {"cancelled"}


def test_verify_the_draw_shows_the_result(drawn, county_regulator):
    page = client_for(county_regulator).get(reverse("campaign-verify", args=[drawn.pk]))
    assert "The draw is verified" in page.content.decode()
    drawn.inspections.first().assignments.update(
        inspector=RegulatorFactory(username="tampered", region=region("330106"))
    )
    page = client_for(county_regulator).get(reverse("campaign-verify", args=[drawn.pk]))
    assert "does NOT match" in page.content.decode()


def test_verify_a_draft_says_it_is_not_drawn(xihu_campaign, supervisor):
    response = client_for(supervisor).get(
        reverse("campaign-verify", args=[xihu_campaign.pk]), follow=True
    )
    assert "has not been drawn yet" in response.content.decode()


def test_csv_export_has_the_seed_and_one_row_per_visit(drawn, county_regulator):
    response = client_for(county_regulator).get(reverse("campaign-export-csv", args=[drawn.pk]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = {row[0]: row[1] for row in rows if row[0].startswith("#")}
    assert header["# seed"] == "fixed-seed"
    assert header["# algorithm"] == "sha256-min-keys-v1"
    assert header["# population_digest"] == drawn.population_digest
    table = [row for row in rows if not row[0].startswith("#")]
    assert table[0][:3] == ["order", "merchant_id", "uscc"]
    assert [int(r[1]) for r in table[1:]] == list(
        drawn.inspections.order_by("draw_order").values_list("merchant_id", flat=True)
    )


def test_json_export_lets_anyone_rerun_the_draw(drawn, county_regulator):
    response = client_for(county_regulator).get(reverse("campaign-export-json", args=[drawn.pk]))
    data = json.loads(response.content)
    assert data["seed"] == "fixed-seed" and data["population"] == drawn.population
    rerun = draw_run(
        drawn, seed=data["seed"], population=data["population"], pool=data["inspector_pool"]
    )
    assert [(v.merchant_id, v.inspector_ids) for v in rerun.visits] == [
        (v["merchant_id"], v["inspector_ids"]) for v in data["visits"]
    ]


def test_exports_of_a_draft_are_404(xihu_campaign, supervisor):
    client = client_for(supervisor)
    assert client.get(reverse("campaign-export-csv", args=[xihu_campaign.pk])).status_code == 404
    assert client.get(reverse("campaign-export-json", args=[xihu_campaign.pk])).status_code == 404


@pytest.mark.parametrize("who", ["consumer", "owner", "coordinator", "other_county_regulator"])
def test_outsiders_get_404_on_campaign_pages(who, drawn, request):
    client = client_for(request.getfixturevalue(who))
    for name in (
        "campaign-detail",
        "campaign-verify",
        "campaign-export-csv",
        "campaign-export-json",
    ):
        assert client.get(reverse(name, args=[drawn.pk])).status_code == 404, name
    for name in ("campaign-draw", "campaign-close"):
        assert client.post(reverse(name, args=[drawn.pk])).status_code == 404, name
    if who != "other_county_regulator":
        assert client.get(reverse("campaign-list")).status_code == 404
    else:
        assert drawn.name not in client.get(reverse("campaign-list")).content.decode()


def test_anonymous_is_sent_to_log_in(drawn):
    response = client_for(None).get(reverse("campaign-detail", args=[drawn.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_campaign_list_query_count_is_constant(supervisor, django_assert_max_num_queries):
    for _ in range(15):
        campaign = CampaignFactory(created_by=supervisor, region=region("330106"))
        campaign.schemes.set([scheme("assured-unit"), scheme("no-reason-return")])
    client = client_for(supervisor)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("campaign-list"))
    page = response.content.decode()
    assert len(response.context["page"].object_list) == 15
    assert page.count("No-reason") >= 15 or page.count("无理由") >= 15


def test_campaign_visits_query_count_is_constant(supervisor, django_assert_max_num_queries):
    RegulatorFactory.create_batch(3, region=region("330106"))
    approved_merchants(40)
    campaign = CampaignFactory(
        created_by=supervisor, region=region("330106"), sample_size=40, inspectors_per_visit=2
    )
    campaign_draw(actor=supervisor, campaign=campaign)
    client = client_for(supervisor)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("campaign-detail", args=[campaign.pk]))
    assert len(response.context["page"].object_list) == 40


# Inspectors


def test_my_inspections_open_first_with_merchant_details(
    county_regulator, merchant, other_merchant
):
    done = InspectionFactory(merchant=other_merchant, inspector=county_regulator)
    _failed(done, county_regulator)
    Inspection.objects.filter(pk=done.pk).update(state="closed")
    covert = InspectionFactory(
        merchant=merchant,
        inspector=county_regulator,
        method=InspectionMethod.COVERT,
        due_date=timezone.localdate() + timedelta(days=3),
    )
    response = client_for(county_regulator).get(reverse("inspection-assignments"))
    page = response.content.decode()
    assert [i.pk for i in response.context["page"].object_list] == [covert.pk, done.pk]
    assert merchant.name in page and merchant.address in page and merchant.contact_phone in page
    assert "Covert" in page


def test_assignments_query_count_is_constant(county_regulator, django_assert_max_num_queries):
    campaign = CampaignFactory()
    for m in MerchantFactory.create_batch(30):
        InspectionFactory(campaign=campaign, merchant=m, inspector=county_regulator)
    client = client_for(county_regulator)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("inspection-assignments"))
    assert len(response.context["page"].object_list) == 30


def test_my_inspections_pages_walk_the_list_once(county_regulator, django_assert_num_queries):
    """Keys first, counted from the assignments: page after page gives the visits open first,
    earliest due first, each once, in the same queries on the second page."""
    campaign = CampaignFactory()
    for n, m in enumerate(MerchantFactory.create_batch(70)):
        visit = InspectionFactory(
            campaign=campaign,
            merchant=m,
            inspector=county_regulator,
            due_date=timezone.localdate() + timedelta(days=n % 11),
        )
        if n % 3 == 0:
            Inspection.objects.filter(pk=visit.pk).update(state="cancelled")
    expected = sorted(
        Inspection.objects.filter(assignments__inspector=county_regulator),
        key=lambda i: (i.state == "cancelled", i.due_date, i.draw_order, i.pk),
    )
    client = client_for(county_regulator)
    first = client.get(reverse("inspection-assignments"))
    # Session, user, the count, the page's keys, its rows, the unread inbox.
    with django_assert_num_queries(6):
        second = client.get(reverse("inspection-assignments"), {"page": 2})
    assert first.context["page"].paginator.count == 70
    seen = [i.pk for i in first.context["page"].object_list + second.context["page"].object_list]
    assert seen == [i.pk for i in expected]


def test_record_page_shows_errors_and_keeps_the_form(merchant, county_regulator):
    inspection = InspectionFactory(merchant=merchant, inspector=county_regulator)
    client = client_for(county_regulator)
    page = client.get(reverse("inspection-record", args=[inspection.pk])).content.decode()
    assert 'capture="environment"' in page and 'accept="image/*"' in page
    assert page.count('type="radio"') == 3 * len(inspection.checklist) + 3
    data = _answers(inspection, **{"no-counterfeits": "no"}) | {"result": "pass"}
    response = client.post(reverse("inspection-record", args=[inspection.pk]), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "A critical item is not met (No counterfeit or shoddy goods found)" in page
    assert 'value="no" required id' not in page  # items are not HTML-required
    assert 'name="item-no-counterfeits" value="no"' in page
    assert 'value="no" checked' in page or "checked" in page
    del data["item-prices-marked"]
    data["result"] = "fail"
    response = client.post(reverse("inspection-record", args=[inspection.pk]), data)
    assert "1 left" in response.content.decode()
    inspection.refresh_from_db()
    assert inspection.state == Inspection.State.SCHEDULED


def test_record_on_the_page(merchant, county_regulator, owner):
    inspection = InspectionFactory(merchant=merchant, inspector=county_regulator)
    client = client_for(county_regulator)
    data = _answers(inspection, **{"prices-marked": "no"}) | {
        "result": "rectify",
        "findings": "Mark every price.",
        "notes": "Owner argued.",
        "photos": [png_upload("a.png"), png_upload("b.png")],
    }
    response = client.post(reverse("inspection-record", args=[inspection.pk]), data, follow=True)
    page = response.content.decode()
    inspection.refresh_from_db()
    assert inspection.state == Inspection.State.RECTIFYING and inspection.files.count() == 2
    assert "The visit is recorded" in page and "Mark every price." in page
    assert "Owner argued." in page and "a.png" in page


def test_regulator_in_scope_sees_a_visit_but_only_its_inspectors_record(
    merchant, county_regulator, city_regulator
):
    inspection = InspectionFactory(merchant=merchant, inspector=county_regulator)
    client = client_for(city_regulator)
    page = client.get(reverse("inspection-record", args=[inspection.pk])).content.decode()
    assert "Record the visit" not in page and "Only the inspectors assigned" in page
    data = _answers(inspection) | {"result": "pass"}
    response = client.post(reverse("inspection-record", args=[inspection.pk]), data, follow=True)
    assert "Only an inspector assigned to this visit can record it." in response.content.decode()
    inspection.refresh_from_db()
    assert inspection.state == Inspection.State.SCHEDULED


def test_cross_inspector_from_another_county_reaches_the_visit(merchant, other_county_regulator):
    inspection = InspectionFactory(merchant=merchant, inspector=other_county_regulator)
    client = client_for(other_county_regulator)
    assert client.get(reverse("inspection-record", args=[inspection.pk])).status_code == 200


def test_accept_and_reject_on_the_page(merchant, county_regulator, owner):
    inspection = _failed(
        InspectionFactory(merchant=merchant, inspector=county_regulator), county_regulator
    )
    rectification_submit(actor=owner, inspection=inspection, report="Prices marked.")
    client = client_for(county_regulator)
    response = client.post(reverse("inspection-reject", args=[inspection.pk]), {"reason": ""})
    assert response.status_code == 400
    assert "Say why the rectification is not enough." in response.content.decode()
    client.post(reverse("inspection-reject", args=[inspection.pk]), {"reason": "No photo."})
    inspection.refresh_from_db()
    assert inspection.state == Inspection.State.RECTIFYING
    rectification_submit(actor=owner, inspection=inspection, report="Photo attached.")
    response = client.post(reverse("inspection-accept", args=[inspection.pk]), {}, follow=True)
    inspection.refresh_from_db()
    assert inspection.state == Inspection.State.CLOSED
    assert "Rectification accepted" in response.content.decode()


@pytest.mark.parametrize("who", ["consumer", "owner", "other_owner", "other_county_regulator"])
def test_outsiders_get_404_on_inspection_pages(who, merchant, county_regulator, request):
    inspection = _failed(
        InspectionFactory(merchant=merchant, inspector=county_regulator), county_regulator
    )
    photo = inspection.files.get()
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("inspection-record", args=[inspection.pk])).status_code == 404
    for name in ("inspection-accept", "inspection-reject"):
        assert client.post(reverse(name, args=[inspection.pk]), {"reason": "x"}).status_code == 404
    url = reverse("inspection-file", args=[inspection.pk, photo.pk])
    assert client.get(url).status_code == 404
    if who in ("consumer", "owner", "other_owner"):
        assert client.get(reverse("inspection-assignments")).status_code == 404


def test_photos_download_for_the_inspector_and_regulators_in_scope(
    merchant, county_regulator, city_regulator, coordinator, owner
):
    inspection = _failed(
        InspectionFactory(merchant=merchant, inspector=county_regulator), county_regulator
    )
    photo = inspection.files.get()
    url = reverse("inspection-file", args=[inspection.pk, photo.pk])
    for user in (county_regulator, city_regulator):
        response = client_for(user).get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
    # A coordinator not assigned, and the merchant (through its own route), do not get it.
    assert client_for(coordinator).get(url).status_code == 404
    merchant_url = reverse("merchant-inspection-file", args=[inspection.pk, photo.pk])
    assert client_for(owner).get(merchant_url).status_code == 404


# The merchant's side


def test_merchant_sees_result_items_findings_and_deadline_without_internals(
    merchant, county_regulator, owner
):
    county_regulator.first_name, county_regulator.last_name = "敏", "吴"
    county_regulator.save()
    inspection = _failed(
        InspectionFactory(merchant=merchant, inspector=county_regulator), county_regulator
    )
    page = (
        client_for(owner)
        .get(reverse("merchant-inspection-detail", args=[inspection.pk]))
        .content.decode()
    )
    assert "Prices of goods and services clearly marked" in page
    assert "Mark every price." in page
    assert inspection.rectification_due.strftime("%Y-%m-%d") in page
    assert "Report your rectification" in page
    for secret in ("INTERNAL: owner argued.", "reg-xihu", "吴敏", "shelf.png"):
        assert secret not in page


def test_merchant_submits_a_rectification_and_downloads_its_files(
    merchant, county_regulator, owner, other_owner
):
    inspection = _failed(
        InspectionFactory(merchant=merchant, inspector=county_regulator), county_regulator
    )
    client = client_for(owner)
    url = reverse("merchant-inspection-rectify", args=[inspection.pk])
    response = client.post(url, {"report": ""})
    assert (
        response.status_code == 400 and "Describe what was put right." in response.content.decode()
    )
    response = client.post(
        url, {"report": "All prices marked.", "files": [png_upload("tags.png")]}, follow=True
    )
    inspection.refresh_from_db()
    assert inspection.state == Inspection.State.RECTIFICATION_SUBMITTED
    assert "All prices marked." in response.content.decode()
    evidence = inspection.files.get(kind="rectification")
    file_url = reverse("merchant-inspection-file", args=[inspection.pk, evidence.pk])
    assert client.get(file_url).status_code == 200
    assert client_for(other_owner).get(file_url).status_code == 404
    # The inspector downloads it too.
    staff_url = reverse("inspection-file", args=[inspection.pk, evidence.pk])
    assert client_for(county_regulator).get(staff_url).status_code == 200


def test_covert_visit_is_invisible_to_the_merchant_until_recorded(
    merchant, county_regulator, owner
):
    covert = InspectionFactory(
        merchant=merchant, inspector=county_regulator, method=InspectionMethod.COVERT
    )
    open_visit = InspectionFactory(merchant=merchant, inspector=county_regulator)
    client = client_for(owner)
    listing = client.get(reverse("merchant-inspections"))
    assert [i.pk for i in listing.context["page"].object_list] == [open_visit.pk]
    detail = reverse("merchant-inspection-detail", args=[covert.pk])
    assert client.get(detail).status_code == 404
    _failed(covert, county_regulator)
    listing = client.get(reverse("merchant-inspections"))
    assert covert.pk in [i.pk for i in listing.context["page"].object_list]
    assert client.get(detail).status_code == 200


def test_merchant_list_query_count_is_constant(owner, merchant, django_assert_max_num_queries):
    campaign = CampaignFactory()
    for _ in range(25):
        InspectionFactory(campaign=CampaignFactory(), merchant=merchant)
    InspectionFactory(campaign=campaign, merchant=MerchantFactory())  # someone else's
    client = client_for(owner)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("merchant-inspections"))
    assert len(response.context["page"].object_list) == 25


@pytest.mark.parametrize("who", ["consumer", "other_owner", "county_regulator"])
def test_outsiders_get_404_on_the_merchants_pages(who, merchant, county_regulator, request):
    inspection = _failed(
        InspectionFactory(merchant=merchant, inspector=county_regulator), county_regulator
    )
    client = client_for(request.getfixturevalue(who))
    assert (
        client.get(reverse("merchant-inspection-detail", args=[inspection.pk])).status_code == 404
    )
    response = client.post(
        reverse("merchant-inspection-rectify", args=[inspection.pk]), {"report": "x"}
    )
    assert response.status_code == 404
    if who != "other_owner":
        assert client.get(reverse("merchant-inspections")).status_code == 404


def test_a_member_of_the_merchant_staff_also_rectifies(merchant, county_regulator):
    staff = UserFactory(username="clerk", role=User.Role.MERCHANT)
    MembershipFactory(user=staff, merchant=merchant, role="staff")
    inspection = _failed(
        InspectionFactory(merchant=merchant, inspector=county_regulator), county_regulator
    )
    client_for(staff).post(
        reverse("merchant-inspection-rectify", args=[inspection.pk]), {"report": "Done."}
    )
    inspection.refresh_from_db()
    assert inspection.state == Inspection.State.RECTIFICATION_SUBMITTED


def test_navigation_links(county_regulator, owner, coordinator, consumer):
    home = reverse("home")
    regulator_nav = client_for(county_regulator).get(home).content.decode()
    assert reverse("campaign-list") in regulator_nav
    assert reverse("inspection-assignments") in regulator_nav
    assert reverse("inspection-assignments") in client_for(coordinator).get(home).content.decode()
    owner_nav = client_for(owner).get(home).content.decode()
    assert reverse("merchant-inspections") in owner_nav
    assert reverse("campaign-list") not in owner_nav
    assert reverse("merchant-inspections") not in client_for(consumer).get(home).content.decode()


def test_csv_export_neutralises_formulas(drawn, county_regulator):
    """Issue 14, finding 8: merchant names in the draw CSV are text, never formulas."""
    first, second = drawn.inspections.order_by("draw_order")[:2]
    Merchant.objects.filter(pk=first.merchant_id).update(name='=HYPERLINK("http://x","y")')
    Merchant.objects.filter(pk=second.merchant_id).update(name="@SUM(1+1)")
    response = client_for(county_regulator).get(reverse("campaign-export-csv", args=[drawn.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    names = [row[3] for row in rows if row and not row[0].startswith("#")][1:]
    assert names[:2] == ['\'=HYPERLINK("http://x","y")', "'@SUM(1+1)"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)
