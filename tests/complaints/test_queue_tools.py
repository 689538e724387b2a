"""Issue 15, point 6: the regulator's queue tools. Search by number, phone, name and business;
filters by channel, category, county and date; CSV and XLSX exports of the filtered list
(formula-safe, masked where the viewer may not see the phone, scoped, bounded, audited) on the
page and the API; a printable case file."""

# ruff: noqa: RUF001

import csv
import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint, ComplaintEvent
from complaints.selectors import exports
from complaints.services import complaints as svc
from merchants.models import AuditEntry
from tests.conftest import api, client_for
from tests.factories import (
    ComplaintFactory,
    MerchantFactory,
    UserFactory,
    pdf_upload,
    png_upload,
    region,
)

pytestmark = pytest.mark.django_db

QUEUE = "/complaints/queue/"
CSV_URL = "/complaints/queue/export.csv"
XLSX_URL = "/complaints/queue/export.xlsx"
API_LIST = "/api/v1/complaints/"
API_CSV = "/api/v1/complaints/export/csv/"
API_XLSX = "/api/v1/complaints/export/xlsx/"
FORMULA = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture(autouse=True)
def _no_intake_limits(settings):
    settings.COMPLAINT_INTAKE_LIMITS = {"hour": 10_000, "day": 10_000}


def _at(complaint: Complaint, day: str, hour: int = 10) -> Complaint:
    """The complaint submitted at `hour` o'clock local time on `day`."""
    moment = timezone.make_aware(datetime.fromisoformat(day).replace(hour=hour))
    Complaint.objects.filter(pk=complaint.pk).update(created_at=moment)
    complaint.refresh_from_db()
    return complaint


@pytest.fixture
def cast(merchant, other_merchant):
    """Four complaints in Xihu, told apart by every key, and one in Binjiang."""
    tea = ComplaintFactory(
        merchant=merchant,
        complainant_name="刘晓梅",
        complainant_phone="13812341234",
        category="refund_refused",
        channel="web",
    )
    store = ComplaintFactory(
        merchant=other_merchant,
        complainant_name="王建国",
        complainant_phone="13900001111",
        category="quality",
        channel="hotline",
    )
    stall = ComplaintFactory(
        merchant=None,
        region=region("330106"),
        business_name="河坊街无名小吃摊",
        complainant_name="陈静",
        complainant_phone="057187654321",
        category="price",
        channel="station",
    )
    hostile = ComplaintFactory(
        merchant=None,
        region=region("330106"),
        business_name="@SUM(A1:A9)",
        complainant_name=FORMULA,
        complainant_phone="13700007777",
        category="other",
        channel="letter",
    )
    binjiang = ComplaintFactory(
        merchant=MerchantFactory(name="滨江数码城", region=region("330108")),
        complainant_name="赵六",
        complainant_phone="13600006666",
        category="quality",
        channel="walk_in",
    )
    _at(tea, "2026-03-02")
    _at(store, "2026-03-10")
    _at(stall, "2026-03-15", hour=23)
    _at(hostile, "2026-03-20")
    _at(binjiang, "2026-03-12")
    return {"tea": tea, "store": store, "stall": stall, "hostile": hostile, "binjiang": binjiang}


def _listed(client, query: str = "") -> list[int]:
    response = client.get(f"{QUEUE}?tab=new&{query}")
    assert response.status_code == 200
    return sorted(c.pk for c, _ in response.context["rows"])


def _pks(*complaints: Complaint) -> list[int]:
    return sorted(c.pk for c in complaints)


# Search: one box, each key


def test_search_by_complaint_number_whole_and_its_beginning(cast, county_regulator):
    client = client_for(county_regulator)
    tea = cast["tea"]
    assert tea.number.startswith("330106-")
    assert _listed(client, f"q={tea.number}") == [tea.pk]
    assert _listed(client, f"q=+{tea.number}+") == [tea.pk]  # spaces around it
    assert _listed(client, f"q={tea.number.replace('-', '')}") == [tea.pk]
    # The county and year: all of Xihu's; the Binjiang one is outside this regulator's reach.
    xihu = _pks(cast["tea"], cast["store"], cast["stall"], cast["hostile"])
    assert _listed(client, f"q={tea.number[:11]}") == xihu
    assert _listed(client, "q=330106-2019") == []
    unnumbered = ComplaintFactory(merchant=tea.merchant, number="")
    assert _listed(client, f"q=%23{unnumbered.pk}") == [unnumbered.pk]


def test_search_by_phone_in_any_writing_matches_exactly(cast, county_regulator):
    client = client_for(county_regulator)
    for typed in ("13812341234", "138 1234 1234", "+86 138-1234-1234", "0086 13812341234"):
        assert _listed(client, f"q={typed}".replace("+", "%2B")) == [cast["tea"].pk], typed
    assert _listed(client, "q=0571-87654321") == [cast["stall"].pk]
    # Part of a phone is no phone: nothing, not every complaint whose phone contains it.
    assert _listed(client, "q=1234") == []
    assert _listed(client, "q=13600006666") == []  # Binjiang's caller, out of reach


def test_search_by_consumer_name_merchant_name_and_unregistered_business(cast, county_regulator):
    client = client_for(county_regulator)
    assert _listed(client, "q=晓梅") == [cast["tea"].pk]
    assert _listed(client, "q=湖滨百货") == [cast["store"].pk]  # the merchant's name
    assert _listed(client, "q=小吃摊") == [cast["stall"].pk]  # a business not on the platform
    assert _listed(client, "q=西湖茶") == [cast["tea"].pk]
    assert _listed(client, "q=滨江数码") == []  # another county's merchant


def test_search_counts_every_tab_under_the_search(cast, county_regulator):
    response = client_for(county_regulator).get(f"{QUEUE}?q=王建国")
    counts = {value: count for value, _, count, _ in response.context["tabs"]}
    assert counts == {
        "new": 1,
        "mine": 0,
        "mediation": 0,
        "overdue": 0,
        "closed": 0,
        "transfers": 0,
    }
    assert cast["store"].number in response.content.decode()
    assert cast["tea"].number not in response.content.decode()


# Filters


def test_filter_by_channel_category_and_county(cast, city_regulator, county_regulator):
    client = client_for(county_regulator)
    assert _listed(client, "channel=hotline") == [cast["store"].pk]
    assert _listed(client, "channel=station") == [cast["stall"].pk]
    assert _listed(client, "category=price") == [cast["stall"].pk]
    assert _listed(client, "category=quality") == [cast["store"].pk]
    city = client_for(city_regulator)
    assert _listed(city, "county=330108") == [cast["binjiang"].pk]
    assert _listed(city, "county=330108&channel=walk_in&q=赵六") == [cast["binjiang"].pk]
    assert _listed(city, "county=330108&channel=web") == []


def test_filter_by_submitted_dates_in_local_days_both_included(cast, county_regulator):
    client = client_for(county_regulator)
    tea, store, stall, hostile = cast["tea"], cast["store"], cast["stall"], cast["hostile"]
    assert _listed(client, "submitted_from=2026-03-10") == _pks(store, stall, hostile)
    assert _listed(client, "submitted_to=2026-03-10") == _pks(tea, store)
    # 23:00 on 15 March in Hangzhou is 15:00 UTC: still the 15th.
    assert _listed(client, "submitted_from=2026-03-15&submitted_to=2026-03-15") == [stall.pk]
    assert _listed(client, "submitted_from=2026-03-16&submitted_to=2026-03-19") == []


@pytest.mark.parametrize(
    ("query", "field", "english", "chinese"),
    [
        (
            "submitted_from=2026-03-20&submitted_to=2026-03-01",
            "submitted_to",
            "The end date is before the start date.",
            "结束日期早于开始日期。",
        ),
        ("channel=fax", "channel", "Choose a channel from the list.", "请从列表中选择渠道。"),
        (
            "submitted_from=15/03/2026",
            "submitted_from",
            "Enter a date such as 2026-03-15.",
            "请输入日期，例如 2026-03-15。",
        ),
        (
            "submitted_to=0001-01-01",
            "submitted_to",
            "Choose a date between 2000 and 2100.",
            "请选择 2000 年至 2100 年之间的日期。",
        ),
    ],
)
def test_bad_filters_get_a_clear_error_in_the_readers_language(
    cast, county_regulator, query, field, english, chinese
):
    client = client_for(county_regulator)
    response = client.get(f"{QUEUE}?{query}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [english]
    assert english in response.content.decode()
    # No download of an unfiltered list is offered while the filters are wrong.
    assert CSV_URL not in response.content.decode()
    zh = client.get(f"{QUEUE}?{query}", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert chinese in zh.content.decode()


def test_search_longer_than_the_box_is_refused(county_regulator, cast):
    response = client_for(county_regulator).get(f"{QUEUE}?q={'x' * 101}")
    assert "q" in response.context["form"].errors


# The export on the page


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="complaints-')
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _xlsx(response) -> list[list]:
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    data = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate  # no formula anywhere
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _column(table: list[list], name: str) -> list:
    index = table[0].index(name)
    return [row[index] for row in table[1:]]


def test_page_offers_both_downloads_of_the_tab_with_its_filters(cast, county_regulator):
    html = (
        client_for(county_regulator)
        .get(f"{QUEUE}?tab=new&channel=hotline&page=1")
        .content.decode()
        .replace("&amp;", "&")
    )
    assert f"{CSV_URL}?tab=new&channel=hotline" in html
    assert f"{XLSX_URL}?tab=new&channel=hotline" in html
    assert "page=1" not in html.split(CSV_URL)[1].split('"')[0]
    assert "at most 50,000 rows" in html


def test_csv_export_holds_the_filtered_tab_with_full_phones_for_the_handler(cast, county_regulator):
    store = cast["store"]
    due = timezone.localdate() + timedelta(days=5)
    Complaint.objects.filter(pk=store.pk).update(accept_due=due)
    response = client_for(county_regulator).get(f"{CSV_URL}?tab=new&q=王建国")
    table = _csv(response)
    assert table[0][:5] == ["Complaint number", "Submitted", "Channel", "Category", "State"]
    assert len(table) == 2
    row = dict(zip(table[0], table[1], strict=True))
    assert row == row | {
        "Complaint number": store.number,
        "Submitted": "2026-03-10 10:00:00",
        "Channel": "Hotline (12315)",
        "Category": "Quality",
        "State": "Submitted",
        "County code": "330106",
        "Business": "湖滨百货",
        "Consumer": "王建国",
        "Phone": "13900001111",
        "Overdue": "No",
    }
    assert row["Decision due"] == due.isoformat() and row["Handling due"] == ""
    # A deadline passed: the row says so, as the queue's red rows do.
    Complaint.objects.filter(pk=store.pk).update(accept_due=date(2026, 3, 19))
    response = client_for(county_regulator).get(f"{CSV_URL}?tab=new&q=王建国")
    assert _column(_csv(response), "Overdue") == ["Yes"]


def test_exports_are_formula_safe_in_csv_and_xlsx(cast, county_regulator):
    client = client_for(county_regulator)
    table = _csv(client.get(f"{CSV_URL}?channel=letter"))
    assert _column(table, "Consumer") == ["'" + FORMULA]
    assert _column(table, "Business") == ["'@SUM(A1:A9)"]
    sheet = _xlsx(client.get(f"{XLSX_URL}?channel=letter"))
    assert _column(sheet, "Consumer") == ["'" + FORMULA]
    assert _column(sheet, "Business") == ["'@SUM(A1:A9)"]


def test_xlsx_export_reads_back_with_dates_as_dates(cast, county_regulator):
    sheet = _xlsx(client_for(county_regulator).get(f"{XLSX_URL}?tab=new"))
    numbers = _column(sheet, "Complaint number")
    # The queue's order: the decision deadline first.
    expected = [
        c.number
        for c in sorted(
            (cast["tea"], cast["store"], cast["stall"], cast["hostile"]),
            key=lambda c: (c.accept_due, c.pk),
        )
    ]
    assert numbers == expected
    row = sheet[1 + numbers.index(cast["stall"].number)]
    values = dict(zip(sheet[0], row, strict=True))
    assert values["Submitted"] == datetime(2026, 3, 15, 23, 0)
    assert values["Phone"] == "057187654321"  # text, not a number that loses its 0
    assert values["Business"] == "河坊街无名小吃摊"


def test_export_is_in_the_readers_language(cast, county_regulator):
    response = client_for(county_regulator).get(
        f"{CSV_URL}?channel=hotline", HTTP_ACCEPT_LANGUAGE="zh-CN"
    )
    table = _csv(response)
    assert table[0][0] == "投诉编号"
    assert "热线（12315）" in table[1]


def test_a_county_regulator_never_exports_another_countys_complaints(
    cast, county_regulator, other_county_regulator, city_regulator
):
    binjiang = cast["binjiang"].number
    for url in (CSV_URL, f"{CSV_URL}?tab=new", f"{CSV_URL}?q={binjiang}"):
        numbers = _column(_csv(client_for(county_regulator).get(url)), "Complaint number")
        assert binjiang not in numbers, url
    # Asking for Binjiang by county is a form error: nothing exported, back to the queue.
    response = client_for(county_regulator).get(f"{CSV_URL}?county=330108")
    assert response.status_code == 302 and response.url == f"{QUEUE}?county=330108"
    # Binjiang's regulator gets Binjiang's only, and the city both counties.
    other = _column(_csv(client_for(other_county_regulator).get(CSV_URL)), "Complaint number")
    assert other == [binjiang]
    city = _column(_xlsx(client_for(city_regulator).get(XLSX_URL)), "Complaint number")
    assert binjiang in city and cast["tea"].number in city


@pytest.mark.parametrize("url", [CSV_URL, XLSX_URL])
@pytest.mark.parametrize("outsider", ["owner", "consumer", "other_owner"])
def test_outsiders_get_404_for_the_exports(request, cast, url, outsider):
    response = client_for(request.getfixturevalue(outsider)).get(url)
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="complaint.export").exists()


def test_a_regulator_without_the_complaint_capability_gets_404(cast, county_regulator):
    county_regulator.can_handle_complaints = False
    county_regulator.save(update_fields=["can_handle_complaints"])
    client = client_for(county_regulator)
    assert client.get(CSV_URL).status_code == 404
    assert client.get(XLSX_URL).status_code == 404


def test_export_is_audited_with_its_criteria_and_row_count(cast, county_regulator):
    client = client_for(county_regulator)
    b"".join(client.get(f"{CSV_URL}?tab=new&category=quality&q=王").streaming_content)
    b"".join(client.get(f"{XLSX_URL}?tab=closed").streaming_content)
    csv_entry, xlsx_entry = AuditEntry.objects.filter(action="complaint.export").order_by("pk")
    assert csv_entry.actor == county_regulator
    assert csv_entry.data == {
        "format": "csv",
        "source": "queue",
        "criteria": {"tab": "new", "category": "quality", "q": "王"},
        "rows": 1,
        "total": 1,
        "truncated": False,
    }
    assert xlsx_entry.data["format"] == "xlsx" and xlsx_entry.data["rows"] == 0


def test_bad_filters_export_nothing(cast, county_regulator):
    response = client_for(county_regulator).get(
        f"{XLSX_URL}?submitted_from=2026-03-20&submitted_to=2026-03-01"
    )
    assert response.status_code == 302
    assert response.url.startswith(QUEUE)
    assert not AuditEntry.objects.filter(action="complaint.export").exists()


def test_export_is_bounded_and_the_page_says_so(cast, county_regulator, monkeypatch):
    monkeypatch.setattr(exports, "EXPORT_LIMIT", 2)
    monkeypatch.setattr("complaints.views.desks.EXPORT_LIMIT", 2)
    client = client_for(county_regulator)
    page = client.get(f"{QUEUE}?tab=new").content.decode()
    assert "a download holds its first 2 rows" in page
    assert len(_csv(client.get(f"{CSV_URL}?tab=new"))) == 1 + 2
    entry = AuditEntry.objects.get(action="complaint.export")
    assert entry.data | {"criteria": None} == {
        "format": "csv",
        "source": "queue",
        "criteria": None,
        "rows": 2,
        "total": 4,
        "truncated": True,
    }
    page = client.get(f"{QUEUE}?tab=new&channel=web").content.decode()
    assert "a download holds its first" not in page


def test_export_query_count_is_constant(merchant, county_regulator, django_assert_max_num_queries):
    handler = UserFactory(username="handler-name", first_name="建华", last_name="周")
    for i in range(60):
        ComplaintFactory(merchant=merchant, complainant_phone=f"139{i:08d}", handler=handler)
    ComplaintFactory(merchant=None, region=region("330106"), business_name="无照摊位")
    client = client_for(county_regulator)
    with django_assert_max_num_queries(12):
        table = _csv(client.get(f"{CSV_URL}?tab=new"))
    assert len(table) == 1 + 61
    with django_assert_max_num_queries(12):
        sheet = _xlsx(client.get(f"{XLSX_URL}?tab=new"))
    assert len(sheet) == 1 + 61


def test_control_characters_do_not_break_the_xlsx(merchant, county_regulator):
    ComplaintFactory(merchant=merchant, complainant_name="李\x0b四\x01")
    sheet = _xlsx(client_for(county_regulator).get(XLSX_URL))
    assert _column(sheet, "Consumer") == ["李四"]


# The API: the same search and filters, and the exports


def test_api_list_searches_by_each_key_and_filters(cast, county_regulator):
    client = api(county_regulator)

    def listed(**params) -> list[int]:
        response = client.get(API_LIST, params)
        assert response.status_code == 200, response.content
        return sorted(row["id"] for row in response.json()["results"])

    tea, store, stall = cast["tea"], cast["store"], cast["stall"]
    assert listed(q=tea.number) == [tea.pk]
    assert listed(q=tea.number[:11]) == _pks(tea, store, stall, cast["hostile"])
    assert listed(q="+86 138 1234 1234") == [tea.pk]
    assert listed(q="晓梅") == [tea.pk]
    assert listed(q="湖滨百货") == [store.pk]
    assert listed(q="小吃摊") == [stall.pk]
    assert listed(channel="station") == [stall.pk]
    assert listed(category="refund_refused") == [tea.pk]
    assert listed(submitted_from="2026-03-15", submitted_to="2026-03-15") == [stall.pk]
    assert listed(q="赵六") == []  # Binjiang's, out of reach


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"submitted_from": "2026-03-20", "submitted_to": "2026-03-01"}, "submitted_to"),
        ({"channel": "fax"}, "channel"),
        ({"submitted_from": "yesterday"}, "submitted_from"),
        ({"submitted_to": "9999-12-31"}, "submitted_to"),
        ({"q": "x" * 101}, "q"),
    ],
)
@pytest.mark.parametrize("url", [API_LIST, API_CSV, API_XLSX])
def test_api_bad_filters_are_a_400_naming_the_field(county_regulator, url, params, field):
    response = api(county_regulator).get(url, params)
    assert response.status_code == 400
    assert field in response.json()
    assert not AuditEntry.objects.filter(action="complaint.export").exists()


def test_api_date_order_error_in_chinese(county_regulator):
    client = api(county_regulator)
    response = client.get(
        API_LIST,
        {"submitted_from": "2026-03-20", "submitted_to": "2026-03-01"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.json()["submitted_to"] == ["结束日期早于开始日期。"]


def test_api_export_masks_the_phone_for_the_merchants_people(cast, owner, county_regulator):
    # Accepted: the merchant's people see a complaint from then on.
    svc.complaint_accept(actor=county_regulator, complaint=cast["tea"])
    table = _csv(api(owner).get(API_CSV))
    # alice's merchant's complaint only, its phone masked; the regulator sees it whole.
    assert _column(table, "Complaint number") == [cast["tea"].number]
    assert _column(table, "Phone") == ["*******1234"]
    sheet = _xlsx(api(owner).get(API_XLSX))
    assert _column(sheet, "Phone") == ["*******1234"]
    regulator = _csv(api(county_regulator).get(API_CSV, {"q": cast["tea"].number}))
    assert _column(regulator, "Phone") == ["13812341234"]


def test_api_phone_search_does_not_tell_the_merchant_whose_phone_it_is(
    cast, owner, county_regulator
):
    svc.complaint_accept(actor=county_regulator, complaint=cast["tea"])
    client = api(owner)
    assert client.get(API_LIST, {"q": "13812341234"}).json()["results"] == []
    assert client.get(API_LIST, {"q": "刘晓梅"}).json()["count"] == 1  # names they see anyway


def test_api_export_of_a_consumer_holds_their_own_complaints_with_their_phone(merchant, consumer):
    own = ComplaintFactory(merchant=merchant, consumer=consumer, complainant_phone="13512345678")
    ComplaintFactory(merchant=merchant, complainant_phone="13512340000")
    table = _csv(api(consumer).get(API_CSV))
    assert _column(table, "Complaint number") == [own.number]
    assert _column(table, "Phone") == ["13512345678"]
    assert api(consumer).get(API_LIST, {"q": "13512345678"}).json()["count"] == 1
    assert api(consumer).get(API_LIST, {"q": "13512340000"}).json()["count"] == 0


def test_api_export_is_scoped_and_audited(cast, other_county_regulator):
    table = _csv(api(other_county_regulator).get(API_CSV, {"county": "330106"}))
    assert table[1:] == []
    table = _csv(api(other_county_regulator).get(API_CSV, {"channel": "walk_in"}))
    assert _column(table, "Complaint number") == [cast["binjiang"].number]
    entries = AuditEntry.objects.filter(action="complaint.export").order_by("pk")
    assert [e.data["source"] for e in entries] == ["api", "api"]
    assert entries[0].data["criteria"] == {"county": "330106"}
    assert entries[1].data["criteria"] == {"channel": "walk_in"}
    assert entries[1].data["rows"] == 1


def test_api_exports_need_an_account(cast):
    assert api(None).get(API_CSV).status_code == 401
    assert api(None).get(API_XLSX).status_code == 401


# The case file


@pytest.fixture
def case(merchant, county_regulator) -> Complaint:
    complaint = svc.complaint_submit(
        merchant=merchant,
        category="refund_refused",
        description="购买的茶叶未拆封，七日内要求退货被拒绝。",
        wanted_outcome="退货退款",
        complainant_name="刘女士",
        complainant_phone="13812341234",
        complainant_email="liu@example.com",
        consent_to_contact=True,
        evidence=[pdf_upload("receipt.pdf"), png_upload("shelf.png")],
        channel="web",
    )
    svc.complaint_claim(actor=county_regulator, complaint=complaint)
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    svc.complaint_message(
        complaint=complaint,
        role=ComplaintEvent.Role.REGULATOR,
        text="请商家三日内答复",
        actor=county_regulator,
    )
    complaint.refresh_from_db()
    return complaint


def test_case_file_holds_the_facts_timeline_and_evidence(case, county_regulator):
    url = reverse("complaint-queue-case-file", args=[case.pk])
    response = client_for(county_regulator).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    for fact in (
        case.number,
        "西湖茶楼",
        case.merchant.uscc,
        "购买的茶叶未拆封，七日内要求退货被拒绝。",
        "退货退款",
        "刘女士",
        "13812341234",
        "liu@example.com",
        "Consents to be contacted.",
        "Web form",
        "Refund or return refused",
        case.accept_due.isoformat(),
        case.close_due.isoformat(),
    ):
        assert fact in html, fact
    # The timeline: every event, with the system's message in the reader's language and the
    # words people wrote.
    events = list(case.events.all())
    # Submitted, claimed, accepted, passed to the merchant, a message.
    assert len(events) == 5
    claimed = events[1]
    assert claimed.message_text == "reg-xihu handles this complaint."
    assert claimed.message_text in html
    assert "请商家三日内答复" in html
    assert "Submitted → Accepted" in html and "Accepted → With the merchant" in html
    # The evidence list: name, type, size and date of each file.
    for item in case.evidence.all():
        assert item.original_name in html
        assert item.content_type in html
        assert (
            item.uploaded_at.astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%d %H:%M")
            in html
        )
    assert "application/pdf" in html and "image/png" in html
    # Printable with the strict CSP: a stylesheet and a script file, nothing inline.
    assert "/static/css/case-file.css" in html and "/static/js/print-button.js" in html
    assert "style=" not in html and "<style" not in html and "onclick" not in html
    assert "<script>" not in html
    entry = AuditEntry.objects.get(action="complaint.case_file")
    assert entry.actor == county_regulator and entry.data["number"] == case.number


def test_case_file_in_chinese(case, county_regulator):
    url = reverse("complaint-queue-case-file", args=[case.pk])
    html = client_for(county_regulator).get(url, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert f"投诉案卷 {case.number}" in html
    assert "办理与期限" in html and "请商家三日内答复" in html
    assert "reg-xihu 承办该投诉。" in html  # the timeline's message, rendered for the reader


def test_case_file_is_linked_from_the_complaint_page(case, county_regulator):
    page = client_for(county_regulator).get(reverse("complaint-queue-detail", args=[case.pk]))
    assert reverse("complaint-queue-case-file", args=[case.pk]) in page.content.decode()


def test_case_file_of_an_unregistered_business(county_regulator):
    complaint = svc.complaint_submit(
        merchant=None,
        region=region("330106"),
        business_name="河坊街无名小吃摊",
        business_address="河坊街 88 号",
        category="price",
        description="标价 10 元结账 30 元",
        wanted_outcome="退还差价",
        complainant_name="陈静",
        complainant_phone="13812340000",
    )
    url = reverse("complaint-queue-case-file", args=[complaint.pk])
    html = client_for(county_regulator).get(url).content.decode()
    assert "河坊街无名小吃摊" in html and "河坊街 88 号" in html and "not on the platform" in html
    assert "No evidence files." in html


@pytest.mark.parametrize("outsider", ["other_county_regulator", "owner", "other_owner", "consumer"])
def test_outsider_gets_404_for_the_case_file(request, case, outsider):
    url = reverse("complaint-queue-case-file", args=[case.pk])
    response = client_for(request.getfixturevalue(outsider)).get(url)
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="complaint.case_file").exists()


def test_case_file_of_a_complaint_that_does_not_exist_is_404(county_regulator):
    url = reverse("complaint-queue-case-file", args=[999_999])
    assert client_for(county_regulator).get(url).status_code == 404


def test_anonymous_is_sent_to_log_in(case):
    for url in (CSV_URL, XLSX_URL, reverse("complaint-queue-case-file", args=[case.pk])):
        response = client_for(None).get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


def test_city_regulator_and_admin_see_the_case_file(case, city_regulator, admin_user):
    url = reverse("complaint-queue-case-file", args=[case.pk])
    for user in (city_regulator, admin_user):
        response = client_for(user).get(url)
        assert response.status_code == 200 and case.number in response.content.decode()


def test_case_file_marks_an_overdue_complaint(case, county_regulator):
    Complaint.objects.filter(pk=case.pk).update(close_due=timezone.localdate() - timedelta(days=1))
    url = reverse("complaint-queue-case-file", args=[case.pk])
    html = client_for(county_regulator).get(url).content.decode()
    assert "badge-overdue" in html


def test_api_overdue_takes_only_true_or_false(county_regulator):
    client = api(county_regulator)
    for good in ("true", "false"):
        assert client.get(API_LIST, {"overdue": good}).status_code == 200
    for bad in ("abc", "1", ""):
        for url in (API_LIST, API_CSV):
            response = client.get(url, {"overdue": bad})
            assert response.status_code == 400, (url, bad)
            assert "overdue" in response.json()


def test_api_refuses_a_filter_given_twice_or_an_empty_choice(county_regulator):
    """Read as the last value or as absent, either would export a list nobody asked for. Free
    text may be empty (`q=`); a choice or a date may not."""
    client = api(county_regulator)
    for query in (
        "category=quality&category=price",
        "overdue=true&overdue=false",
        "county=330106&county=330108",
        "q=a&q=b",
        "category=",
        "channel=",
        "submitted_from=",
        "submitted_to=",
    ):
        for url in (API_LIST, API_CSV):
            response = client.get(f"{url}?{query}")
            assert response.status_code == 400, (url, query)
            assert query.split("=")[0] in response.json()
    assert client.get(f"{API_CSV}?category=quality&state=submitted&state=direct").status_code == 200
    assert client.get(f"{API_CSV}?q=&county=&submitted_from=2026-01-01").status_code == 200
