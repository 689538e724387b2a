"""Public disclosure: figures against a hand-built data set, roll-up, threshold, immutability after
publication, merchants' preview (flag and reply by members only), public pages and CSV."""

import csv
import io
import json
from datetime import date, datetime, time

import pytest
from django.utils import timezone

from common.errors import DomainError
from complaints.models import (
    Complaint,
    DisclosureDate,
    DisclosureMerchantRow,
    DisclosureRegionRow,
    DisclosureSettings,
    DisclosureSnapshot,
)
from complaints.models import ComplaintState as C
from complaints.services import disclosure as svc
from tests.conftest import client_for
from tests.factories import region

pytestmark = pytest.mark.django_db

CONSUMER_NAME = "王小明"
CONSUMER_PHONE = "13912345678"
# The seeded 3·15 date of 2026 covers complaints submitted from 17 February to 14 March.
DAY = date(2026, 3, 1)


def _at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _complaint(
    county: str,
    category: str,
    state: str,
    *,
    merchant=None,
    created: datetime | None = None,
    accepted: bool = True,
    closed: date | None = None,
    due: date | None = date(2026, 4, 1),
    overdue: bool = False,
    rating: int | None = None,
) -> Complaint:
    return Complaint.objects.create(
        merchant=merchant,
        business_name="" if merchant else "路边小店",
        region=region(county),
        category=category,
        state=state,
        description="描述",
        wanted_outcome="退款",
        complainant_name=CONSUMER_NAME,
        complainant_phone=CONSUMER_PHONE,
        created_at=created or _at(DAY),
        accepted_at=_at(DAY, 15) if accepted else None,
        closed_at=_at(closed) if closed else None,
        close_due=due if accepted else None,
        is_overdue=overdue,
        rating=rating,
    )


@pytest.fixture
def disclosure_date() -> DisclosureDate:
    return DisclosureDate.objects.get(date=date(2026, 3, 15))


@pytest.fixture
def data_set(merchant, other_merchant) -> None:
    """18 complaints in the period (3 counties, 2 cities) and 2 just outside it."""
    # Xihu, alice's merchant, quality: 7 received, 5 accepted, 2 settled.
    _complaint("330106", "quality", C.SETTLED, merchant=merchant, closed=date(2026, 3, 5), rating=5)
    _complaint(
        "330106",
        "quality",
        C.SETTLED,
        merchant=merchant,
        closed=date(2026, 3, 10),
        due=date(2026, 3, 8),
        rating=3,
    )
    _complaint("330106", "quality", C.WITH_MERCHANT, merchant=merchant)
    _complaint("330106", "quality", C.MEDIATION, merchant=merchant, overdue=True)
    _complaint(
        "330106",
        "quality",
        C.MEDIATION_FAILED,
        merchant=merchant,
        closed=date(2026, 3, 12),
        rating=1,
    )
    _complaint(
        "330106", "quality", C.DECLINED, merchant=merchant, accepted=False, closed=date(2026, 3, 2)
    )
    late_evening = _at(date(2026, 3, 14), 23, 30)  # local time: still inside the period
    _complaint(
        "330106", "quality", C.SUBMITTED, merchant=merchant, accepted=False, created=late_evening
    )
    # Xihu, bob's merchant (4 accepted: under the threshold) and a business off the platform.
    for _ in range(4):
        _complaint("330106", "price", C.WITH_MERCHANT, merchant=other_merchant)
    _complaint("330106", "price", C.SUBMITTED, accepted=False)
    # Binjiang (Hangzhou), quality.
    _complaint("330108", "quality", C.SETTLED, closed=date(2026, 3, 6), rating=4)
    _complaint("330108", "quality", C.WITH_MERCHANT)
    _complaint("330108", "quality", C.WITHDRAWN, closed=date(2026, 3, 3))
    # Haishu (Ningbo), safety.
    _complaint("330203", "safety", C.SETTLED, closed=date(2026, 3, 9))
    _complaint("330203", "safety", C.SUBMITTED, accepted=False)
    _complaint("330203", "safety", C.DECLINED, accepted=False, closed=date(2026, 3, 2))
    # Outside the period: the evening before it starts, and the publication day itself.
    _complaint("330106", "quality", C.SETTLED, created=_at(date(2026, 2, 16), 23, 59))
    _complaint("330106", "quality", C.SETTLED, created=_at(date(2026, 3, 15), 0, 1))


def _row(snapshot, code: str, category: str = "") -> DisclosureRegionRow:
    return snapshot.region_rows.get(region_id=code, category=category)


def _counts(row) -> tuple[int, ...]:
    return (row.received, row.accepted, row.resolved, row.timed, row.on_time, row.rated)


def _publish(disclosure_date: DisclosureDate) -> DisclosureSnapshot:
    snapshot = svc.disclosure_build(disclosure_date=disclosure_date)
    return svc.disclosure_publish(snapshot=snapshot)


# Figures


def test_seeded_dates_cover_the_period_since_the_previous_date():
    spring = DisclosureDate.objects.get(date=date(2027, 2, 6))
    assert (spring.period_start, spring.period_end) == (date(2026, 10, 1), date(2027, 2, 5))
    names = set(DisclosureDate.objects.filter(date__year=2026).values_list("name", flat=True))
    assert len(names) == 4 and DisclosureSettings.load().merchant_threshold == 5


def test_county_figures_match_the_hand_counts(data_set, disclosure_date):
    snapshot = svc.disclosure_build(disclosure_date=disclosure_date)
    assert snapshot.state == DisclosureSnapshot.State.DRAFT
    xihu_quality = _row(snapshot, "330106", "quality")
    # received, accepted, settled, closed-or-overdue, closed on time, rated
    assert _counts(xihu_quality) == (7, 5, 2, 4, 2, 3)
    assert str(xihu_quality.resolution_rate) == "0.4000"
    assert str(xihu_quality.on_time_rate) == "0.5000"
    assert str(xihu_quality.satisfaction) == "3.00"
    assert str(xihu_quality.acceptance_rate) == "0.7143"
    assert _counts(_row(snapshot, "330106", "price")) == (5, 4, 0, 0, 0, 0)
    assert _row(snapshot, "330106", "price").on_time_rate is None
    assert _counts(_row(snapshot, "330106")) == (12, 9, 2, 4, 2, 3)
    assert _counts(_row(snapshot, "330108", "quality")) == (3, 3, 1, 2, 2, 1)
    assert _counts(_row(snapshot, "330203", "safety")) == (3, 1, 1, 1, 1, 0)
    assert not snapshot.region_rows.filter(region_id="330203", category="quality").exists()


def test_counties_roll_up_to_cities_and_the_province(data_set, disclosure_date):
    snapshot = svc.disclosure_build(disclosure_date=disclosure_date)
    hangzhou_quality = _row(snapshot, "330100", "quality")
    assert hangzhou_quality.level == "city"
    assert _counts(hangzhou_quality) == (10, 8, 3, 6, 4, 4)
    assert str(hangzhou_quality.satisfaction) == "3.25"
    assert _counts(_row(snapshot, "330100")) == (15, 12, 3, 6, 4, 4)
    assert _counts(_row(snapshot, "330200")) == (3, 1, 1, 1, 1, 0)
    province = _row(snapshot, "330000")
    assert province.level == "province"
    assert _counts(province) == (18, 13, 4, 7, 5, 4)
    assert str(province.resolution_rate) == "0.3077"
    assert str(province.acceptance_rate) == "0.7222"
    assert _counts(_row(snapshot, "330000", "safety")) == (3, 1, 1, 1, 1, 0)


def test_only_merchants_at_the_threshold_are_named(data_set, disclosure_date, merchant):
    snapshot = svc.disclosure_build(disclosure_date=disclosure_date)
    rows = list(snapshot.merchant_rows.all())
    assert [r.merchant_id for r in rows] == [merchant.pk]
    assert _counts(rows[0]) == (7, 5, 2, 4, 2, 3) and rows[0].merchant_name == "西湖茶楼"

    DisclosureSettings.objects.filter(pk=1).update(merchant_threshold=4)
    snapshot = svc.disclosure_build(disclosure_date=disclosure_date)
    assert snapshot.merchant_threshold == 4
    assert sorted(snapshot.merchant_rows.values_list("accepted", flat=True)) == [4, 5]


def test_build_uses_a_handful_of_queries(data_set, disclosure_date, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        svc.disclosure_build(disclosure_date=disclosure_date)


def test_rebuilding_a_preview_replaces_rows_and_keeps_what_the_merchant_said(
    data_set, disclosure_date, merchant, owner
):
    snapshot = svc.disclosure_open_preview(
        snapshot=svc.disclosure_build(disclosure_date=disclosure_date)
    )
    row = snapshot.merchant_rows.get()
    svc.disclosure_reply(actor=owner, row=row, text="已全部联系消费者处理。")
    _complaint("330106", "quality", C.WITH_MERCHANT, merchant=merchant)
    again = svc.disclosure_build(disclosure_date=disclosure_date)
    assert again.pk == snapshot.pk and again.state == DisclosureSnapshot.State.PREVIEW
    assert DisclosureSnapshot.objects.count() == 1
    assert _counts(_row(again, "330106", "quality"))[:2] == (8, 6)
    assert snapshot.region_rows.filter(region_id="330106", category="quality").count() == 1
    assert again.merchant_rows.get().merchant_reply == "已全部联系消费者处理。"


# Immutability


def test_a_published_snapshot_never_changes(data_set, disclosure_date, merchant, owner):
    snapshot = svc.disclosure_open_preview(
        snapshot=svc.disclosure_build(disclosure_date=disclosure_date)
    )
    row = snapshot.merchant_rows.get()
    snapshot = svc.disclosure_publish(snapshot=snapshot)
    assert snapshot.is_published and snapshot.published_at is not None
    before = list(DisclosureRegionRow.objects.values_list("region_id", "category", "received"))

    _complaint("330106", "quality", C.SETTLED, merchant=merchant, closed=date(2026, 3, 6))
    with pytest.raises(DomainError, match="published"):
        svc.disclosure_build(disclosure_date=disclosure_date)
    with pytest.raises(DomainError, match="published"):
        svc.disclosure_publish(snapshot=snapshot)
    with pytest.raises(DomainError, match="only while the disclosure is in preview"):
        svc.disclosure_flag(actor=owner, row=row, comment="数字不对")
    with pytest.raises(DomainError, match="only while the disclosure is in preview"):
        svc.disclosure_reply(actor=owner, row=row, text="回复")
    DisclosureDate.objects.exclude(pk=disclosure_date.pk).update(is_active=False)
    assert svc.disclosure_run(date(2026, 3, 15)) == {"previews": 0, "published": 0, "skipped": 0}

    after = list(DisclosureRegionRow.objects.values_list("region_id", "category", "received"))
    assert after == before
    row.refresh_from_db()
    assert row.received == 7 and not row.merchant_flag and row.merchant_reply == ""


def test_rows_have_no_update_path(data_set, disclosure_date):
    snapshot = _publish(disclosure_date)
    region_row = snapshot.region_rows.first()
    merchant_row = snapshot.merchant_rows.get()
    region_row.received = 0
    with pytest.raises(ValueError, match="written once"):
        region_row.save()
    merchant_row.merchant_reply = "偷偷改"
    with pytest.raises(ValueError, match="written once"):
        merchant_row.save()
    assert DisclosureRegionRow.objects.update(received=0) == 0
    assert DisclosureMerchantRow.objects.filter(pk=merchant_row.pk).update(merchant_reply="x") == 0
    DisclosureRegionRow.objects.all().delete()
    assert snapshot.region_rows.count() > 0
    snapshot.state = DisclosureSnapshot.State.DRAFT
    with pytest.raises(ValueError, match="cannot change"):
        snapshot.save()
    assert DisclosureSnapshot.objects.get().is_published


# The beat job


def test_run_opens_the_preview_five_working_days_ahead_then_publishes(data_set, disclosure_date):
    opens = svc.preview_opens(disclosure_date.date)
    assert opens == date(2026, 3, 9)  # Mon 9 → Fri 13 March are the five working days before
    DisclosureDate.objects.exclude(pk=disclosure_date.pk).update(is_active=False)
    assert svc.disclosure_run(date(2026, 3, 6)) == {"previews": 0, "published": 0, "skipped": 0}
    assert svc.disclosure_run(opens) == {"previews": 1, "published": 0, "skipped": 0}
    assert svc.disclosure_run(opens) == {"previews": 0, "published": 0, "skipped": 0}
    assert DisclosureSnapshot.objects.get().state == DisclosureSnapshot.State.PREVIEW
    assert svc.disclosure_run(date(2026, 3, 15)) == {"previews": 0, "published": 1, "skipped": 0}
    assert svc.disclosure_run(date(2026, 3, 15)) == {"previews": 0, "published": 0, "skipped": 0}
    assert DisclosureSnapshot.objects.get().is_published


# Merchants: flag and reply


@pytest.fixture
def preview(data_set, disclosure_date) -> DisclosureSnapshot:
    DisclosureSettings.objects.filter(pk=1).update(merchant_threshold=4)
    return svc.disclosure_open_preview(
        snapshot=svc.disclosure_build(disclosure_date=disclosure_date)
    )


def test_a_member_flags_and_replies(preview, merchant, owner):
    row = preview.merchant_rows.get(merchant=merchant)
    row = svc.disclosure_flag(actor=owner, row=row, comment="第2件已于3月9日解决")
    row = svc.disclosure_reply(actor=owner, row=row, text="我们已改进售后流程。")
    assert row.merchant_flag and row.flag_comment == "第2件已于3月9日解决"
    assert row.merchant_reply == "我们已改进售后流程。"
    with pytest.raises(DomainError, match="Say what is wrong"):
        svc.disclosure_flag(actor=owner, row=row, comment="  ")


def test_another_merchants_owner_is_refused(preview, merchant, other_owner, county_regulator):
    row = preview.merchant_rows.get(merchant=merchant)
    for outsider in (other_owner, county_regulator):
        with pytest.raises(DomainError, match="Only the merchant's people"):
            svc.disclosure_reply(actor=outsider, row=row, text="捣乱")
    row.refresh_from_db()
    assert row.merchant_reply == ""


def test_preview_page_shows_only_own_rows_and_outsiders_get_404(
    preview, merchant, other_merchant, owner, other_owner, django_assert_max_num_queries
):
    mine = preview.merchant_rows.get(merchant=merchant)
    theirs = preview.merchant_rows.get(merchant=other_merchant)
    alice = client_for(owner)
    with django_assert_max_num_queries(8):
        page = alice.get("/disclosures/preview/")
    assert page.status_code == 200
    assert "西湖茶楼" in page.text and "湖滨百货" not in page.text
    assert CONSUMER_PHONE not in page.text and CONSUMER_NAME not in page.text

    bob = client_for(other_owner)
    assert bob.post(f"/disclosures/preview/{mine.pk}/reply/", {"text": "x"}).status_code == 404
    assert bob.post(f"/disclosures/preview/{mine.pk}/flag/", {"comment": "x"}).status_code == 404
    mine.refresh_from_db()
    assert mine.merchant_reply == "" and not mine.merchant_flag

    response = bob.post(f"/disclosures/preview/{theirs.pk}/reply/", {"text": "欢迎监督"})
    assert response.status_code == 302
    response = bob.post(f"/disclosures/preview/{theirs.pk}/flag/", {"comment": "有一件重复"})
    theirs.refresh_from_db()
    assert theirs.merchant_reply == "欢迎监督" and theirs.flag_comment == "有一件重复"
    assert client_for(None).get("/disclosures/preview/").status_code == 302


# Public pages and CSV


def test_only_published_snapshots_are_public(preview):
    client = client_for(None)
    assert client.get(f"/disclosures/{preview.pk}/").status_code == 404
    assert client.get(f"/disclosures/{preview.pk}.csv").status_code == 404
    assert str(preview.disclosure_date.date) not in client.get("/disclosures/").text


def test_public_pages_show_figures_and_replies_without_personal_data(
    preview, merchant, owner, django_assert_max_num_queries
):
    row = preview.merchant_rows.get(merchant=merchant)
    svc.disclosure_reply(actor=owner, row=row, text="已整改,欢迎监督。")
    snapshot = svc.disclosure_publish(snapshot=preview)
    client = client_for(None)
    with django_assert_max_num_queries(6):
        listing = client.get("/disclosures/")
    assert f"/disclosures/{snapshot.pk}/" in listing.text
    with django_assert_max_num_queries(8):
        page = client.get(f"/disclosures/{snapshot.pk}/?level=county")
    assert page.status_code == 200
    # Region names in the reader's language (English here).
    assert "Xihu District" in page.text and "Haishu District" in page.text
    assert "西湖茶楼" in page.text and "已整改,欢迎监督。" in page.text
    for secret in (CONSUMER_PHONE, CONSUMER_NAME, merchant.contact_phone, "描述"):
        assert secret not in page.text
    hangzhou = client.get(f"/disclosures/{snapshot.pk}/?level=county&region=330100").text
    assert 'Region">Xihu District<' in hangzhou and 'Region">Haishu District<' not in hangzhou
    cities = client.get(f"/disclosures/{snapshot.pk}/").text
    assert 'Region">Hangzhou City<' in cities and 'Region">Xihu District<' not in cities
    chinese = client.get(f"/disclosures/{snapshot.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").text
    assert ">杭州市<" in chinese and "Hangzhou City" not in chinese


def test_csv_holds_regions_and_merchants_and_no_personal_data(preview, merchant, owner):
    row = preview.merchant_rows.get(merchant=merchant)
    svc.disclosure_reply(actor=owner, row=row, text="已整改")
    snapshot = svc.disclosure_publish(snapshot=preview)
    response = client_for(None).get(f"/disclosures/{snapshot.pk}.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "disclosure-2026-03-15.csv" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("section,region code,region,level,category,received")
    assert (
        "region,330000,Zhejiang Province,province,all categories,18,13,4,72.2,30.8,71.4,3.25"
        in (lines)
    )
    assert "region,330106,Xihu District,county,Quality,7,5,2,71.4,40.0,50.0,3.00" in lines
    assert "merchant,330106,西湖茶楼,,已整改,7,5,2,71.4,40.0,50.0,3.00" in lines
    for secret in (CONSUMER_PHONE, CONSUMER_NAME, merchant.contact_phone, "描述"):
        assert secret not in text


def test_merchant_table_is_paginated(preview, monkeypatch):
    from complaints.views import disclosure as disclosure_views

    monkeypatch.setattr(disclosure_views, "MERCHANTS_PER_PAGE", 1)
    snapshot = svc.disclosure_publish(snapshot=preview)
    client = client_for(None)
    first = client.get(f"/disclosures/{snapshot.pk}/").text
    second = client.get(f"/disclosures/{snapshot.pk}/?page=2").text
    assert "西湖茶楼" in first and "湖滨百货" not in first and "Page 1 of 2" in first
    assert "湖滨百货" in second and "西湖茶楼" not in second


# API


def test_api_preview_flag_and_reply_for_members_only(preview, merchant, owner, other_owner):
    from rest_framework.test import APIClient

    row = preview.merchant_rows.get(merchant=merchant)
    member, outsider = APIClient(), APIClient()
    member.force_authenticate(owner)
    outsider.force_authenticate(other_owner)
    listed = member.get("/api/v1/complaints/disclosure-preview/").json()["results"]
    assert [r["id"] for r in listed] == [row.pk]
    theirs = outsider.get("/api/v1/complaints/disclosure-preview/").json()["results"]
    assert row.pk not in [r["id"] for r in theirs]
    url = f"/api/v1/complaints/disclosure-preview/{row.pk}/"
    assert outsider.post(url + "flag/", {"comment": "错"}, format="json").status_code == 404
    flagged = member.post(url + "flag/", {"comment": "第2件已解决"}, format="json")
    assert flagged.status_code == 200
    replied = member.post(url + "reply/", {"text": "已改进"}, format="json")
    assert replied.json()["merchant_reply"] == "已改进"
    assert APIClient().get("/api/v1/complaints/disclosure-preview/").status_code == 401


def test_api_lists_published_disclosures_only_without_personal_data(
    preview, merchant, owner, disclosure_date
):
    from rest_framework.test import APIClient

    client = APIClient()
    assert client.get("/api/v1/complaints/disclosures/").json()["results"] == []
    row = preview.merchant_rows.get(merchant=merchant)
    svc.disclosure_reply(actor=owner, row=row, text="欢迎监督")
    snapshot = svc.disclosure_publish(snapshot=preview)
    listed = client.get("/api/v1/complaints/disclosures/").json()["results"]
    assert [s["id"] for s in listed] == [snapshot.pk]
    regions = client.get(f"/api/v1/complaints/disclosures/{snapshot.pk}/regions/?level=province")
    assert regions.status_code == 200 and len(regions.json()) == 1
    merchants = client.get(f"/api/v1/complaints/disclosures/{snapshot.pk}/merchants/").json()
    assert merchants["results"][0]["merchant_reply"] == "欢迎监督"
    text = json.dumps(merchants, ensure_ascii=False) + regions.content.decode()
    assert "flag_comment" not in text and "phone" not in text


def test_figures_are_filtered_to_a_region_and_below(preview):
    from rest_framework.test import APIClient

    snapshot = svc.disclosure_publish(snapshot=preview)
    client = APIClient()
    base = f"/api/v1/complaints/disclosures/{snapshot.pk}"
    hangzhou = client.get(f"{base}/regions/?within=3301&level=county").json()
    assert {row["region"] for row in hangzhou} == {"330106", "330108"}
    province = client.get(f"{base}/regions/?within=33&level=city").json()
    assert {row["region"] for row in province} == {"330100", "330200"}
    xihu = client.get(f"{base}/merchants/?within=330106").json()["results"]
    assert {row["merchant_name"] for row in xihu} == {"西湖茶楼", "湖滨百货"}
    assert client.get(f"{base}/merchants/?within=3302").json()["results"] == []
    # A prefix that names no region has nothing within it.
    assert client.get(f"{base}/regions/?within=99").json() == []
    page = client_for(None).get(f"/disclosures/{snapshot.pk}/?level=county&region=330200")
    counties = [row.region_id for row in page.context["region_rows"]]
    assert counties == ["330203"]
    assert list(page.context["page"].object_list) == []


def test_regulators_of_the_region_read_the_merchants_objections(
    preview, merchant, owner, county_regulator, other_county_regulator, consumer
):
    from tests.conftest import client_for

    row = preview.merchant_rows.get(merchant=merchant)
    svc.disclosure_flag(actor=owner, row=row, comment="第3件重复登记")
    url = "/disclosures/flags/"
    assert "第3件重复登记" in client_for(county_regulator).get(url).content.decode()
    assert "第3件重复登记" not in client_for(other_county_regulator).get(url).content.decode()
    assert client_for(consumer).get(url).status_code == 404


def test_publication_rebuilds_the_preview_and_keeps_the_merchants_words(
    data_set, disclosure_date, merchant, owner
):
    DisclosureDate.objects.exclude(pk=disclosure_date.pk).update(is_active=False)
    DisclosureSettings.objects.filter(pk=1).update(merchant_threshold=1)
    svc.disclosure_run(svc.preview_opens(disclosure_date.date))
    snapshot = DisclosureSnapshot.objects.get()
    before = snapshot.merchant_rows.get(merchant=merchant)
    svc.disclosure_reply(actor=owner, row=before, text="已全部处理")
    _complaint("330106", "price", "settled", merchant=merchant, closed=date(2026, 3, 2))
    svc.disclosure_run(disclosure_date.date)
    after = DisclosureSnapshot.objects.get().merchant_rows.get(merchant=merchant)
    assert after.received == before.received + 1
    assert after.merchant_reply == "已全部处理"


def test_csv_neutralises_formulas_in_names_and_replies(preview, merchant, owner):
    """Issue 14, finding 8: a merchant's name and reply stay text in a spreadsheet."""
    preview.merchant_rows.filter(merchant=merchant).update(
        merchant_name='=HYPERLINK("http://x","y")'
    )
    row = preview.merchant_rows.get(merchant=merchant)
    svc.disclosure_reply(actor=owner, row=row, text="@SUM(1+1)")
    snapshot = svc.disclosure_publish(snapshot=preview)
    response = client_for(None).get(f"/disclosures/{snapshot.pk}.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    ours = next(r for r in rows if r and r[0] == "merchant" and "HYPERLINK" in r[2])
    assert ours[2] == '\'=HYPERLINK("http://x","y")' and ours[4] == "'@SUM(1+1)"
    assert ours[5] == "7"  # numbers stay numbers
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)
