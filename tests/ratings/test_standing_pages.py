"""The merchant's standing pages: the list of its merchants, one merchant's standing explained,
history with appeals, files; who may see them; queries bounded whatever the history's length.

The helpers here (placed, warned, long_history) are shared with the API and action tests.
"""

import html
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from merchants.models import Pool, User
from ratings.models import (
    Appeal,
    EvaluationRun,
    PoolChange,
    RatingFile,
    Standing,
    WarningRectification,
)
from ratings.services import runs
from ratings.services.appeals import appeal_decide, appeal_file
from ratings.services.pools import standing_move
from ratings.services.warnings import warning_rectification_submit
from tests.conftest import client_for
from tests.factories import (
    AppealFactory,
    ComplaintFactory,
    MembershipFactory,
    MerchantFactory,
    pdf_upload,
)

pytestmark = pytest.mark.django_db


# Shared helpers


def placed(merchant, pool: str = Pool.CULTIVATION, *, stars: int = 0) -> Standing:
    """Move a merchant into cultivation (or star-rated, with stars) the way the review does."""
    steps = [
        (Pool.SELECTION, "screening_passed", "The declaration passed the automatic screening."),
        (Pool.CULTIVATION, "declaration_approved", "The declaration was approved."),
    ]
    if pool == Pool.STAR_RATED:
        steps.append((Pool.STAR_RATED, "observation_passed", "Observation period over."))
    for to, code, reason in steps:
        standing_move(
            merchant=merchant,
            to=to,
            reason_code=code,
            reason=reason,
            stars=stars if to == Pool.STAR_RATED else 0,
        )
    return Standing.objects.get(merchant=merchant)


def accepted_complaints(merchant, count: int, days_ago: int = 5) -> None:
    when = timezone.now() - timedelta(days=days_ago)
    for _ in range(count):
        ComplaintFactory(
            merchant=merchant, created_at=when, accepted_at=when, state="with_merchant"
        )


def warned(merchant) -> PoolChange:
    """A cultivated merchant with three complaints accepted this week: the run warns it.
    Score: complaints 30 - 9, inspections 30, compliance 25, commitments 5 (returns honoured)
    = 81."""
    placed(merchant)
    accepted_complaints(merchant, 3)
    runs.evaluation_run(kind=EvaluationRun.Kind.MANUAL)
    change = PoolChange.objects.filter(merchant=merchant).order_by("-created_at", "-id").first()
    assert (change.to_pool, change.reason_code) == (Pool.WARNING, "warning")
    return change


def _file(merchant, owner, **owner_of) -> RatingFile:
    return RatingFile.objects.create(
        merchant=merchant,
        file="ratings/evidence.pdf",
        original_name="evidence.pdf",
        content_type="application/pdf",
        size=1234,
        uploaded_by=owner,
        **owner_of,
    )


def long_history(merchant, owner, regulator, cycles: int) -> None:
    """Warnings and returns, each warning with a checked report and a decided appeal, both
    with a file: a history of 2 + 2 * cycles changes."""
    placed(merchant)
    now = timezone.now()
    for i in range(cycles):
        _standing, warning = standing_move(
            merchant=merchant, to=Pool.WARNING, reason_code="warning", reason=f"Warning {i}."
        )
        report = WarningRectification.objects.create(
            merchant=merchant,
            warning=warning,
            report=f"Fixed {i}.",
            submitted_by=owner,
            decision="accepted",
            decided_by=regulator,
            decided_at=now,
        )
        _file(merchant, owner, rectification=report)
        appeal = AppealFactory(
            merchant=merchant,
            decision=warning,
            statement=f"Our reply {i}.",
            submitted_by=owner,
            state=Appeal.State.UPHELD,
            outcome_reason="It stands.",
            decided_by=regulator,
            decided_at=now,
        )
        _file(merchant, owner, appeal=appeal)
        standing_move(
            merchant=merchant,
            to=Pool.CULTIVATION,
            reason_code="warning_cleared",
            reason="Rectification accepted.",
            actor=regulator,
        )


def text(response) -> str:
    return html.unescape(response.content.decode())


def standing_url(merchant) -> str:
    return reverse("standing-merchant", args=[merchant.pk])


# The standing page


def test_member_sees_why_the_merchant_is_warned_and_what_to_do(owner, merchant):
    warning = warned(merchant)
    response = client_for(owner).get(standing_url(merchant))
    assert response.status_code == 200
    page = text(response)
    due = Standing.objects.get(merchant=merchant).rectification_due
    assert "Warning pool" in page
    assert "81" in page and "/100" in page
    # Why: the trigger, then each component's lines.
    assert "3 complaints accepted in the last 30 days (warning at 3)." in page
    assert "Complaints" in page and "21/30" in page
    assert "\u22129" in page and "3 accepted complaints in 90 days" in page
    assert "Commitments" in page and "5/15" in page
    assert "no approved declaration yet" in page
    # What to do: rectify by the date, with the form; the warning can be appealed.
    assert f"Rectify the warning by {due:%Y-%m-%d}" in page
    assert reverse("standing-rectify", args=[merchant.pk]) in page
    assert reverse("standing-appeal", args=[merchant.pk, warning.pk]) in page
    assert "Prevent complaints: each accepted complaint takes 3 points off for 90 days." in page
    assert "4 more points for ★★★" in page  # 81: two stars' band reached, three at 85
    # History, who and when; the evaluation and the policy it used.
    assert warning.reason in page and "Evaluation run" in page
    assert "The declaration was approved." in page
    assert "policy version 1" in page


def test_a_star_rated_merchant_shows_its_stars_in_words_too(owner, merchant):
    placed(merchant, Pool.STAR_RATED, stars=3)
    page = text(client_for(owner).get(standing_url(merchant)))
    assert "Star-rated pool" in page
    assert "★★★" in page and "3 stars of 5" in page
    assert "Not evaluated yet" in page


def test_a_merchant_outside_the_programme_is_told_how_to_enter(owner, merchant):
    response = client_for(owner).get(standing_url(merchant))
    assert response.status_code == 200
    page = text(response)
    assert "Not in the programme yet" in page
    assert reverse("declaration-create", args=[merchant.pk]) in page
    assert "History" not in page


def test_an_exited_merchant_is_told_when_it_may_declare_again(owner, merchant):
    placed(merchant)
    reentry = timezone.localdate() + timedelta(days=365)
    standing_move(
        merchant=merchant,
        to=Pool.EXITED,
        reason_code="not_rectified",
        reason="Not rectified in time.",
        changes={"reentry_after": reentry},
    )
    page = text(client_for(owner).get(standing_url(merchant)))
    assert "Exited" in page
    assert f"The merchant may declare again from {reentry:%Y-%m-%d}." in page
    assert "Not rectified in time." in page


def test_outsiders_get_404_and_a_regulator_in_scope_goes_to_the_regulator_page(
    merchant, other_owner, other_county_regulator, county_regulator, consumer
):
    warned(merchant)
    url = standing_url(merchant)
    for outsider in (other_owner, other_county_regulator, consumer):
        assert client_for(outsider).get(url).status_code == 404
    response = client_for(county_regulator).get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("pool-merchant", args=[merchant.pk])
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))


def test_the_appeal_and_the_reply_are_shown_under_the_decision(owner, merchant, county_regulator):
    warning = warned(merchant)
    appeal = appeal_file(
        actor=owner,
        decision=warning,
        statement="The three complaints were about one delivery, settled the same day.",
        files=[pdf_upload("receipts.pdf")],
    )
    appeal_decide(
        actor=county_regulator,
        appeal=appeal,
        overturn=False,
        reason="Three accepted complaints in 30 days is the line.",
    )
    page = text(client_for(owner).get(standing_url(merchant)))
    reason_at = page.index(warning.reason)
    statement_at = page.index("The three complaints were about one delivery")
    outcome_at = page.index("Three accepted complaints in 30 days is the line.")
    assert reason_at < statement_at < outcome_at
    assert "Decision upheld" in page
    file = RatingFile.objects.get(appeal=appeal)
    assert reverse("rating-file", args=[file.pk]) in page and "receipts.pdf" in page


def test_a_waiting_report_is_shown_with_the_task_and_no_second_form(owner, merchant):
    warned(merchant)
    warning_rectification_submit(
        actor=owner, merchant=merchant, report="Retrained the delivery staff."
    )
    page = text(client_for(owner).get(standing_url(merchant)))
    assert "Retrained the delivery staff." in page
    assert "The report is waiting for the regulator's check." in page
    assert reverse("standing-rectify", args=[merchant.pk]) not in page


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_queries_do_not_grow_with_the_history(owner, merchant, county_regulator):
    short = MerchantFactory()
    MembershipFactory(user=owner, merchant=short)
    long_history(short, owner, county_regulator, cycles=1)
    long_history(merchant, owner, county_regulator, cycles=30)
    client = client_for(owner)
    client.get(standing_url(short))  # warm the session
    assert _count_queries(client, standing_url(short)) == _count_queries(
        client, standing_url(merchant)
    )


def test_the_long_history_page_stays_under_the_query_budget(
    owner, merchant, county_regulator, django_assert_max_num_queries
):
    long_history(merchant, owner, county_regulator, cycles=40)
    client = client_for(owner)
    with django_assert_max_num_queries(15):
        response = client.get(standing_url(merchant))
    page = text(response)
    assert "Our reply 39." in page and "Fixed 0." in page
    assert page.count("standing-appeal-upheld") == 40


# The list


def test_the_list_shows_each_merchant_with_pool_stars_and_score(
    owner, merchant, other_merchant, django_assert_max_num_queries
):
    placed(merchant, Pool.STAR_RATED, stars=3)
    Standing.objects.filter(merchant=merchant).update(score=87)
    second = MerchantFactory(name="龙井小馆")
    MembershipFactory(user=owner, merchant=second)
    for _ in range(5):
        MembershipFactory(user=owner, merchant=placed(MerchantFactory(), Pool.CULTIVATION).merchant)
    client = client_for(owner)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("standing-list"))
    page = text(response)
    assert response.status_code == 200
    assert merchant.name in page and "Star-rated pool" in page
    assert "3 stars of 5" in page and "87" in page
    assert "龙井小馆" in page and "Not in the programme" in page
    assert page.count("Cultivation pool") == 5
    assert standing_url(merchant) in page
    assert other_merchant.name not in page


def test_the_list_for_someone_without_merchants_and_for_anonymous(consumer):
    page = text(client_for(consumer).get(reverse("standing-list")))
    assert "You do not work for any merchant yet" in page
    anonymous = client_for(None).get(reverse("standing-list"))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))


def test_the_merchant_page_links_to_the_standing(owner, merchant):
    page = text(client_for(owner).get(reverse("merchant-detail", args=[merchant.pk])))
    assert standing_url(merchant) in page


# Files


def test_files_for_the_merchant_and_the_regulators_in_scope_only(
    owner,
    merchant,
    other_owner,
    county_regulator,
    city_regulator,
    other_county_regulator,
    consumer,
):
    warned(merchant)
    report = warning_rectification_submit(
        actor=owner, merchant=merchant, report="Done.", files=[pdf_upload("proof.pdf")]
    )
    file = RatingFile.objects.get(rectification=report)
    url = reverse("rating-file", args=[file.pk])
    for user in (owner, county_regulator, city_regulator):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert "proof.pdf" in response["Content-Disposition"]
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    for outsider in (other_owner, other_county_regulator, consumer):
        assert client_for(outsider).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302


def test_a_regulator_role_without_a_membership_cannot_act_as_the_merchant(
    merchant, county_regulator
):
    assert county_regulator.role == User.Role.REGULATOR
    warned(merchant)
    response = client_for(county_regulator).post(
        reverse("standing-rectify", args=[merchant.pk]), {"report": "x"}
    )
    assert response.status_code == 404
