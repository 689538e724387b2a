"""Review deadlines in working days on the Chinese official calendar, and the overdue sweep.

2026 National Day per chinese_calendar: Thursday 1 October to Wednesday 7 October are off;
Saturday 10 October is a make-up working day (调休上班); Sunday 11 October is off.
"""

from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from django.utils import timezone

from common.calendar import add_working_days, is_working_day
from merchants.models import Declaration
from merchants.services import declarations as declaration_services
from review.services.deadlines import declarations_mark_overdue
from tests.conftest import client_for
from tests.factories import DeclarationFactory, pdf_upload, scheme

S = Declaration.State


# The calendar the tests rely on, as the package states it.


def test_the_package_knows_the_2026_national_day_schedule():
    for day in range(1, 8):
        assert not chinese_calendar.is_workday(date(2026, 10, day))
    assert chinese_calendar.is_workday(date(2026, 10, 10))  # Saturday, make-up working day
    assert date(2026, 10, 10).weekday() == 5
    assert not chinese_calendar.is_workday(date(2026, 10, 11))


def test_is_working_day():
    assert is_working_day(date(2026, 9, 30))  # Wednesday before the holiday
    assert not is_working_day(date(2026, 10, 5))  # Monday inside the holiday
    assert is_working_day(date(2026, 10, 10))  # make-up Saturday
    assert not is_working_day(date(2026, 10, 17))  # an ordinary Saturday


# add_working_days


@pytest.mark.parametrize(
    "start, days, expected",
    [
        # The day before the holiday: the next working day is after it.
        (date(2026, 9, 30), 1, date(2026, 10, 8)),
        # Thursday 8 and Friday 9, then the make-up Saturday counts.
        (date(2026, 9, 30), 3, date(2026, 10, 10)),
        (date(2026, 10, 9), 1, date(2026, 10, 10)),
        # Ten working days from Monday 28 September: 29, 30, 8, 9, 10 (Sat), 12, 13, 14, 15, 16.
        (date(2026, 9, 28), 10, date(2026, 10, 16)),
        # Submitted on a holiday: counting starts from the first working day after it.
        (date(2026, 10, 3), 1, date(2026, 10, 8)),
        (date(2026, 10, 3), 10, date(2026, 10, 20)),
        # Zero days: the day itself.
        (date(2026, 10, 3), 0, date(2026, 10, 3)),
    ],
)
def test_add_working_days_across_national_day(start, days, expected):
    assert add_working_days(start, days) == expected


def test_without_the_make_up_day_the_deadline_would_be_a_working_day_later():
    weekdays_only = start = date(2026, 9, 28)
    remaining = 10
    while remaining:
        weekdays_only += timedelta(days=1)
        holiday = date(2026, 10, 1) <= weekdays_only <= date(2026, 10, 7)
        if weekdays_only.weekday() < 5 and not holiday:
            remaining -= 1
    assert weekdays_only == date(2026, 10, 19)
    assert add_working_days(start, 10) == date(2026, 10, 16)


def test_unknown_year_falls_back_to_weekdays():
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2031, 1, 6))
    assert is_working_day(date(2031, 1, 6))  # Monday
    assert not is_working_day(date(2031, 1, 4))  # Saturday
    # Friday 3 January 2031: the weekend is skipped, nothing else.
    assert add_working_days(date(2031, 1, 3), 1) == date(2031, 1, 6)
    assert add_working_days(date(2031, 1, 3), 10) == date(2031, 1, 17)


# review_due on submission


def _complete_draft(owner, merchant) -> Declaration:
    declaration = declaration_services.declaration_create(
        actor=owner, merchant=merchant, scheme=scheme("no-reason-return")
    )
    declaration_services.declaration_update(
        actor=owner,
        declaration=declaration,
        commitments=declaration.scheme.commitments.all(),
        details={"return_days": 7, "goods_covered": "茶叶"},
    )
    for doc in declaration.scheme.required_documents.filter(is_mandatory=True):
        declaration_services.declaration_attach_document(
            actor=owner, declaration=declaration, required_document=doc, upload=pdf_upload()
        )
    return declaration


def _at(monkeypatch, moment: datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.mark.django_db
def test_review_due_is_set_on_submit_and_reset_on_resubmit(owner, merchant, monkeypatch, settings):
    settings.REVIEW_DEADLINE_WORKING_DAYS = 10
    declaration = _complete_draft(owner, merchant)
    _at(monkeypatch, timezone.make_aware(datetime(2026, 9, 28, 15, 0)))
    declaration_services.declaration_submit(actor=owner, declaration=declaration)
    declaration.refresh_from_db()
    assert declaration.state == S.SUBMITTED
    assert declaration.review_due == date(2026, 10, 16)

    # Returned for amendment, late and flagged; the resubmission starts a fresh deadline.
    Declaration.objects.filter(pk=declaration.pk).update(
        state=S.RETURNED, is_overdue=True, flagged=True
    )
    _at(monkeypatch, timezone.make_aware(datetime(2026, 10, 9, 9, 0)))
    declaration_services.declaration_submit(actor=owner, declaration=declaration)
    declaration.refresh_from_db()
    # From Friday 9 October: 10 (Sat), 12, 13, 14, 15, 16, 19, 20, 21, 22.
    assert declaration.review_due == date(2026, 10, 22)
    assert declaration.is_overdue is False
    assert declaration.flagged is False


@pytest.mark.django_db
def test_deadline_follows_the_setting(owner, merchant, monkeypatch, settings):
    settings.REVIEW_DEADLINE_WORKING_DAYS = 3
    declaration = _complete_draft(owner, merchant)
    _at(monkeypatch, timezone.make_aware(datetime(2026, 9, 30, 23, 30)))
    declaration_services.declaration_submit(actor=owner, declaration=declaration)
    declaration.refresh_from_db()
    assert declaration.review_due == date(2026, 10, 10)


@pytest.mark.django_db
def test_submission_date_is_the_local_date(owner, merchant, monkeypatch, settings):
    """00:30 in Shanghai on 8 October is still 7 October in UTC; the local date counts."""
    settings.REVIEW_DEADLINE_WORKING_DAYS = 1
    declaration = _complete_draft(owner, merchant)
    _at(monkeypatch, timezone.make_aware(datetime(2026, 10, 8, 0, 30)))
    declaration_services.declaration_submit(actor=owner, declaration=declaration)
    declaration.refresh_from_db()
    assert declaration.review_due == date(2026, 10, 9)


# The overdue sweep


@pytest.fixture
def late_and_not(merchant, other_merchant) -> dict[str, Declaration]:
    today = date(2026, 10, 16)
    yesterday, tomorrow = today - timedelta(days=1), today + timedelta(days=1)

    def make(m, state, due, **fields) -> Declaration:
        return DeclarationFactory(merchant=m, state=state, review_due=due, **fields)

    return {
        "pending_late": make(merchant, S.PENDING_REVIEW, yesterday),
        "claimed_late": make(other_merchant, S.UNDER_REVIEW, yesterday),
        "due_today": make(merchant, S.PENDING_REVIEW, today, scheme=scheme("no-reason-return")),
        "due_tomorrow": make(
            other_merchant, S.UNDER_REVIEW, tomorrow, scheme=scheme("no-reason-return")
        ),
        "returned_late": make(merchant, S.RETURNED, yesterday, scheme=scheme("assured-factory")),
        "approved_late": make(
            other_merchant, S.APPROVED, yesterday, scheme=scheme("assured-factory")
        ),
        "no_due_date": make(merchant, S.PENDING_REVIEW, None, scheme=scheme("assured-district")),
    }


@pytest.mark.django_db
def test_mark_overdue_marks_exactly_the_late_open_ones(late_and_not):
    before = {name: d.updated_at for name, d in late_and_not.items()}
    assert declarations_mark_overdue(today=date(2026, 10, 16)) == 2
    marked = {name for name, d in late_and_not.items() if _reload(d).is_overdue}
    assert marked == {"pending_late", "claimed_late"}
    # The sweep does not count as a change of the declaration.
    assert {name: d.updated_at for name, d in late_and_not.items()} == before


@pytest.mark.django_db
def test_mark_overdue_is_idempotent(late_and_not, django_assert_num_queries):
    assert declarations_mark_overdue(today=date(2026, 10, 16)) == 2
    with django_assert_num_queries(1):
        assert declarations_mark_overdue(today=date(2026, 10, 16)) == 0
    # A day later, one more is late.
    assert declarations_mark_overdue(today=date(2026, 10, 17)) == 1
    assert _reload(late_and_not["due_today"]).is_overdue


@pytest.mark.django_db
def test_mark_overdue_defaults_to_today(merchant):
    late = DeclarationFactory(
        merchant=merchant,
        state=S.PENDING_REVIEW,
        review_due=timezone.localdate() - timedelta(days=1),
    )
    assert declarations_mark_overdue() == 1
    assert _reload(late).is_overdue


@pytest.mark.django_db
def test_a_decision_clears_the_overdue_flag(merchant, county_regulator):
    declaration = DeclarationFactory(
        merchant=merchant, state=S.PENDING_REVIEW, review_due=date(2026, 10, 1), is_overdue=True
    )
    declaration_services.declaration_claim(actor=county_regulator, declaration=declaration)
    assert _reload(declaration).is_overdue  # still late while claimed
    declaration_services.declaration_approve(actor=county_regulator, declaration=declaration)
    assert not _reload(declaration).is_overdue


@pytest.mark.django_db
def test_marked_declarations_are_in_the_overdue_queue(county_regulator, late_and_not):
    """The queue shows them late even before the sweep (by date), and after it (by flag)."""
    declarations_mark_overdue(today=date(2026, 10, 16))
    response = client_for(county_regulator).get("/review/", {"tab": "overdue"})
    shown = {d.pk for d in response.context["page"].object_list}
    assert {late_and_not["pending_late"].pk, late_and_not["claimed_late"].pk} <= shown
    assert late_and_not["returned_late"].pk not in shown
    assert late_and_not["approved_late"].pk not in shown


def _reload(declaration: Declaration) -> Declaration:
    declaration.refresh_from_db()
    return declaration
