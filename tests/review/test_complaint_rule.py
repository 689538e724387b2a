"""Screening counts the merchant's complaints (issue 15, point 8): open accepted complaints and
those of the last 90 days against per-scheme thresholds, from the platform's own complaints."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from complaints.models import ComplaintState as C
from merchants.models import DeclarationState as S
from merchants.sources import get_source
from review.models import ScreeningRuleSetting
from review.services import screening as svc
from tests.factories import ComplaintFactory, MerchantFactory
from tests.review.test_screening import complete, draft, outcomes, registry, submit  # noqa: F401

pytestmark = pytest.mark.django_db

RULE = "complaints_under_thresholds"


def complaints(merchant, n: int, state: str = C.WITH_MERCHANT, days_ago: int = 5) -> None:
    for _ in range(n):
        complaint = ComplaintFactory(merchant=merchant, state=state)
        complaint.created_at = timezone.now() - timedelta(days=days_ago)
        complaint.save(update_fields=["created_at"])


def check(declaration):
    return svc.screening_run_latest(declaration=declaration).checks.get(rule=RULE)


def test_a_merchant_without_complaints_passes(draft, owner, submit):  # noqa: F811
    registry(draft.merchant)
    submit(draft, owner)
    assert draft.state == S.PENDING_REVIEW and not draft.flagged
    result = check(draft)
    assert result.outcome == "pass" and result.data["open"] == 0 and result.data["recent"] == 0
    assert "0 complaints in the last 90 days (at most 10)" in result.reason_en
    assert "90" in result.reason_zh


def test_too_many_open_complaints_warn_the_reviewer(draft, owner, submit):  # noqa: F811
    registry(draft.merchant)
    complaints(draft.merchant, 4)
    submit(draft, owner)
    assert draft.state == S.PENDING_REVIEW and draft.flagged
    result = check(draft)
    assert result.outcome == "warn" and result.data["open"] == 4
    assert "4 accepted complaints are still open (at most 3)" in result.reason_en
    assert "The reviewer will look at the complaints." in result.reason_en
    assert result.reason_zh.startswith("4 件已受理的投诉尚未办结（至多 3 件）。")  # noqa: RUF001
    with translation.override("zh-hans"):
        assert result.reason == result.reason_zh


def test_declined_withdrawn_old_and_unaccepted_complaints_do_not_count():
    merchant = MerchantFactory()
    complaints(merchant, 3, state=C.DECLINED)
    complaints(merchant, 3, state=C.WITHDRAWN)
    complaints(merchant, 2, state=C.SUBMITTED)  # lodged, not yet accepted: recent, not open
    complaints(merchant, 2, state=C.SETTLED, days_ago=120)  # outside the window, closed
    complaints(merchant, 1, state=C.MEDIATION, days_ago=120)  # outside the window, still open
    since = timezone.localdate() - timedelta(days=90)
    counts = get_source("complaints").counts_bulk([merchant.uscc, "none"], since)
    assert (counts[merchant.uscc].open, counts[merchant.uscc].recent) == (1, 2)
    assert (counts["none"].open, counts["none"].recent) == (0, 0)


def test_the_scheme_sets_the_window_the_thresholds_and_a_fail(draft, owner, submit):  # noqa: F811
    registry(draft.merchant)
    complaints(draft.merchant, 2, state=C.SETTLED, days_ago=20)
    ScreeningRuleSetting.objects.filter(scheme=draft.scheme, rule=RULE).update(
        on_breach="fail", params={"days": 30, "recent_max": 1}
    )
    submit(draft, owner)
    assert draft.state == S.SCREENING_FAILED
    assert "2 complaints in the last 30 days (at most 1)" in draft.events.last().reason_text


def test_every_scheme_lists_the_rule_and_bad_parameters_are_refused(draft):  # noqa: F811
    setting = ScreeningRuleSetting.objects.get(scheme=draft.scheme, rule=RULE)
    assert setting.enabled and setting.params == {}
    setting.params = {"days": "ninety"}
    with pytest.raises(Exception, match="must look like its default"):
        setting.full_clean()
    setting.params = {"open_max": -1}
    with pytest.raises(Exception, match="cannot be negative"):
        setting.full_clean()
