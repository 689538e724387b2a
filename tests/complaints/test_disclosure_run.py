# ruff: noqa: RUF001  (the expected Chinese texts use Chinese punctuation on purpose)
"""The disclosure run over the calendar: a preview open for DISCLOSURE_PREVIEW_DAYS working days
before each publication, one publication per due period, past periods never published in a
batch; disclosure names in the reader's language."""

import logging
from datetime import date, timedelta

import pytest

from common import deadlines
from common.calendar import is_working_day
from complaints.models import DisclosureDate, DisclosureSnapshot
from complaints.services import disclosure as svc
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

Published = DisclosureSnapshot.State.PUBLISHED


def _days(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def test_a_preview_opens_n_working_days_ahead_and_publishes_exactly_once():
    target = DisclosureDate.objects.get(date=date(2027, 3, 15))
    opens = svc.preview_opens(target.date)
    window = [d for d in _days(opens, target.date - timedelta(days=1)) if is_working_day(d)]
    assert len(window) == deadlines.DISCLOSURE_PREVIEW_DAYS and window[0] == opens
    # Every day of the run from a fortnight before to a week after.
    seen = {"previews": [], "published": []}
    for day in _days(target.date - timedelta(days=14), target.date + timedelta(days=7)):
        counts = svc.disclosure_run(day)
        for name in seen:
            seen[name] += [day] * counts[name]
    assert seen == {"previews": [opens], "published": [target.date]}
    snapshot = DisclosureSnapshot.objects.get(disclosure_date=target)
    assert snapshot.state == Published and snapshot.preview_opened_on == opens
    assert snapshot.published_at.date() == target.date


def test_past_dates_are_skipped_not_published_in_a_batch(caplog):
    # A first run on a new installation, after several seeded dates have passed.
    with caplog.at_level(logging.WARNING, logger="complaints.services.disclosure"):
        counts = svc.disclosure_run(date(2026, 12, 1))
    assert counts == {"previews": 0, "published": 0, "skipped": 4}
    skipped = DisclosureDate.objects.filter(skipped_at__isnull=False)
    assert sorted(skipped.values_list("date", flat=True)) == [
        date(2026, 2, 17),
        date(2026, 3, 15),
        date(2026, 5, 1),
        date(2026, 10, 1),
    ]
    assert not DisclosureSnapshot.objects.filter(state=Published).exists()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 4 and "skipped" in warnings[0].getMessage()
    # Later runs leave them alone; the next date gets its full preview, then is published.
    caplog.clear()
    for day in _days(date(2026, 12, 2), date(2027, 2, 10)):
        svc.disclosure_run(day)
    assert not caplog.records
    published = DisclosureSnapshot.objects.filter(state=Published)
    assert [s.disclosure_date.date for s in published] == [date(2027, 2, 6)]


def test_a_late_preview_moves_the_publication_until_its_window_is_complete():
    DisclosureDate.objects.update(is_active=False)
    late = DisclosureDate.objects.create(
        name="年中公示",
        name_en="Mid-year",
        date=date(2027, 6, 8),
        period_start=date(2027, 5, 1),
        period_end=date(2027, 6, 7),
    )
    added = date(2027, 6, 4)  # a Friday: two working days before the date
    assert svc.disclosure_run(added)["previews"] == 1
    published_on = [
        d for d in _days(added, date(2027, 6, 30)) if svc.disclosure_run(d)["published"]
    ]
    assert len(published_on) == 1 and published_on[0] > late.date
    snapshot = late.snapshot
    working = [d for d in _days(added, published_on[0] - timedelta(days=1)) if is_working_day(d)]
    assert len(working) == deadlines.DISCLOSURE_PREVIEW_DAYS and snapshot.preview_opened_on == added


def test_previews_left_open_by_an_outage_publish_one_a_day():
    DisclosureDate.objects.exclude(date__in=[date(2026, 3, 15), date(2026, 5, 1)]).update(
        is_active=False
    )
    for when in (date(2026, 3, 15), date(2026, 5, 1)):
        target = DisclosureDate.objects.get(date=when)
        snapshot = svc.disclosure_build(disclosure_date=target)
        svc.disclosure_open_preview(snapshot=snapshot, today=svc.preview_opens(when))
    # The run was down from March to June.
    assert svc.disclosure_run(date(2026, 6, 1))["published"] == 1
    assert svc.disclosure_run(date(2026, 6, 1))["published"] == 0
    assert svc.disclosure_run(date(2026, 6, 2))["published"] == 1
    order = DisclosureSnapshot.objects.filter(state=Published).order_by("published_at")
    assert [s.disclosure_date.date for s in order] == [date(2026, 3, 15), date(2026, 5, 1)]


def test_disclosure_names_are_in_the_readers_language():
    national = DisclosureDate.objects.get(date=date(2026, 10, 1))
    assert (national.name, national.name_en) == ("国庆节", "National Day")
    snapshot = svc.disclosure_build(disclosure_date=national)
    svc.disclosure_publish(snapshot=svc.disclosure_open_preview(snapshot=snapshot))
    client = client_for(None)
    chinese = client.get(f"/disclosures/{snapshot.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").text
    assert "投诉公示：国庆节 2026-10-01" in chinese and "National Day" not in chinese
    english = client.get(f"/disclosures/{snapshot.pk}/", HTTP_ACCEPT_LANGUAGE="en").text
    assert "Complaint disclosure: National Day 2026-10-01" in english and "国庆节" not in english
    listing = client.get("/disclosures/", HTTP_ACCEPT_LANGUAGE="zh-hans").text
    assert "国庆节 2026-10-01" in listing
    api = client.get("/api/v1/complaints/disclosures/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert api.status_code == 200
    assert "国庆节" in api.text and "National Day" not in api.text
