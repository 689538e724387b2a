# ruff: noqa: RUF001
"""A regulator's work list: each provider's items and counts, scoped to the region and the
person's abilities, each a link that opens; the home page, the page, the API; the daily digest
(one per opted-in regulator with work, none twice a day, in the reader's language)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from common.messages import render
from complaints.models import ComplaintState
from config.celery import app as celery_app
from config.schedules import SCHEDULES
from merchants.models import Declaration, Notification, Pool, User
from merchants.services.worklist import worklist_digest_send
from merchants.worklist import WORKLIST_LIMIT, WorkItem, bounded_count, worklist_items
from ratings.models import Appeal, Evaluation, EvaluationPolicy, WarningRectification
from review.models import Campaign, InspectionState
from review.services.patrols import patrol_record
from tests.conftest import api, client_for
from tests.factories import (
    AppealFactory,
    CampaignFactory,
    ComplaintFactory,
    DeclarationFactory,
    InspectionFactory,
    MerchantFactory,
    PoolChangeFactory,
    RegulatorFactory,
    StandingFactory,
    UserFactory,
    region,
)


def counts(user: User) -> dict[str, int]:
    return {item.kind: item.count for item in worklist_items(user=user, all_items=True)}


def today():
    return timezone.localdate()


@pytest.fixture
def binjiang_merchant(db):
    return MerchantFactory(name="滨江超市", region=region("330108"))


@pytest.fixture
def complaints(merchant, binjiang_merchant):
    """Xihu: two new (one past its decision date), one overdue with the merchant, one closed;
    Binjiang: one new, and one transferred from Binjiang to Xihu waiting for Xihu."""
    ComplaintFactory(merchant=merchant, accept_due=today() + timedelta(days=2))
    ComplaintFactory(merchant=merchant, accept_due=today() - timedelta(days=1))
    ComplaintFactory(merchant=merchant, state=ComplaintState.WITH_MERCHANT, is_overdue=True)
    ComplaintFactory(merchant=merchant, state=ComplaintState.SETTLED, is_overdue=True)
    ComplaintFactory(merchant=binjiang_merchant)
    ComplaintFactory(
        merchant=None,
        region=region("330108"),
        business_name="无名小店",
        state=ComplaintState.TRANSFER_PENDING,
        transfer_to=region("330106"),
    )


# Complaints


def test_complaint_items_count_new_overdue_and_transfers_in_the_county(
    complaints, county_regulator, other_county_regulator, city_regulator
):
    xihu = counts(county_regulator)
    assert (xihu["complaints.new"], xihu["complaints.overdue"]) == (2, 1)
    assert xihu["complaints.transfers"] == 1  # sent to Xihu: Xihu accepts it
    binjiang = counts(other_county_regulator)
    assert binjiang["complaints.new"] == 1  # never Xihu's
    assert binjiang["complaints.overdue"] == 0
    assert binjiang["complaints.transfers"] == 0  # Binjiang sent it: nothing to accept
    city = counts(city_regulator)
    assert (city["complaints.new"], city["complaints.transfers"]) == (3, 1)


def test_a_regulator_who_does_not_handle_complaints_has_no_complaint_items(complaints):
    reviewer = RegulatorFactory(username="reviewer-only", can_handle_complaints=False)
    assert not any(kind.startswith("complaints.") for kind in counts(reviewer))


# Declarations, campaigns, visits, unscheduled visits


def test_review_items_count_pending_and_overdue_declarations(
    merchant, binjiang_merchant, county_regulator, other_county_regulator
):
    S = Declaration.State
    xihu_merchants = [merchant, *MerchantFactory.create_batch(2, region=region("330106"))]
    for m, state, due in zip(
        xihu_merchants, (S.PENDING_REVIEW, S.UNDER_REVIEW, S.APPROVED), (5, -1, -9), strict=True
    ):
        DeclarationFactory(merchant=m, state=state, review_due=today() + timedelta(days=due))
    DeclarationFactory(merchant=binjiang_merchant, state=S.PENDING_REVIEW)
    xihu = counts(county_regulator)
    assert (xihu["review.pending"], xihu["review.overdue"]) == (1, 1)
    assert counts(other_county_regulator)["review.pending"] == 1
    assert counts(other_county_regulator)["review.overdue"] == 0
    not_reviewer = RegulatorFactory(username="handler-only", can_review=False)
    assert "review.pending" not in counts(not_reviewer)


def test_campaign_items_are_for_supervisors_of_the_campaigns_region(county_regulator):
    xihu = region("330106")
    CampaignFactory(region=xihu, state=Campaign.State.DRAWN, due_date=today() - timedelta(1))
    CampaignFactory(region=xihu, state=Campaign.State.DRAWN, due_date=today() + timedelta(3))
    CampaignFactory(region=xihu, state=Campaign.State.DRAWN, due_date=today() + timedelta(30))
    CampaignFactory(region=xihu, state=Campaign.State.CLOSED, due_date=today() - timedelta(9))
    CampaignFactory(region=region("330108"), state=Campaign.State.DRAWN, due_date=today())
    assert "review.campaigns_due" not in counts(county_regulator)  # not a supervisor
    supervisor = RegulatorFactory(username="sup-xihu", can_supervise=True)
    items = counts(supervisor)
    assert (items["review.campaigns_overdue"], items["review.campaigns_due"]) == (1, 1)


def test_visit_items_count_the_inspectors_own_visits(county_regulator, merchant):
    InspectionFactory(
        merchant=merchant, inspector=county_regulator, due_date=today() - timedelta(1)
    )
    InspectionFactory(
        merchant=merchant, inspector=county_regulator, due_date=today() + timedelta(2)
    )
    InspectionFactory(
        merchant=merchant,
        inspector=county_regulator,
        state=InspectionState.RECTIFICATION_SUBMITTED,
        result="rectify",
    )
    InspectionFactory(merchant=merchant, due_date=today() - timedelta(1))  # someone else's
    items = counts(county_regulator)
    assert (items["review.visits_overdue"], items["review.visits_due"]) == (1, 1)
    assert items["review.rectifications"] == 1
    not_inspector = RegulatorFactory(username="no-visits", can_inspect=False)
    assert "review.visits_due" not in counts(not_inspector)


def test_unscheduled_visits_of_the_past_week_in_the_region(
    merchant, binjiang_merchant, county_regulator, other_county_regulator
):
    coordinator = UserFactory(
        username="coord-xihu", role=User.Role.COORDINATOR, region=region("330106")
    )
    for days in (0, 3, 20):
        patrol_record(
            actor=coordinator,
            merchant=merchant,
            visited_on=today() - timedelta(days=days),
            findings="价目表缺失。",
        )
    assert counts(county_regulator)["review.patrols"] == 2
    assert counts(other_county_regulator)["review.patrols"] == 0


# Pools: warnings, rectification reports, appeals, complaint thresholds


def test_ratings_items(
    merchant, binjiang_merchant, owner, county_regulator, other_county_regulator
):
    now = timezone.now()
    policy = EvaluationPolicy.current()
    evaluation = Evaluation.objects.create(
        merchant=merchant, policy=policy, score=55, triggers=["complaints_recent"]
    )
    StandingFactory(
        merchant=merchant,
        pool=Pool.WARNING,
        since=now - timedelta(days=2),
        rectification_due=today() - timedelta(days=1),
        last_evaluation=evaluation,
    )
    warning = PoolChangeFactory(merchant=merchant, created_at=now - timedelta(days=1))
    WarningRectification.objects.create(
        merchant=merchant, warning=warning, report="已整改。", submitted_by=owner
    )
    AppealFactory(merchant=merchant, decision=warning, submitted_by=owner)
    late = PoolChangeFactory(merchant=merchant, created_at=now - timedelta(days=20))
    AppealFactory(
        merchant=merchant, decision=late, submitted_by=owner, decide_by=today() - timedelta(1)
    )
    AppealFactory(
        merchant=merchant,
        decision=PoolChangeFactory(merchant=merchant),
        submitted_by=owner,
        state=Appeal.State.UPHELD,
    )
    # A Binjiang merchant warned long ago for its score: neither new nor about complaints.
    StandingFactory(
        merchant=binjiang_merchant,
        pool=Pool.WARNING,
        since=now - timedelta(days=30),
        rectification_due=today() - timedelta(days=3),
        last_evaluation=Evaluation.objects.create(
            merchant=binjiang_merchant, policy=policy, score=40, triggers=["score_below"]
        ),
    )
    xihu = counts(county_regulator)
    assert xihu["ratings.warnings_past_due"] == 1
    assert xihu["ratings.rectifications"] == 1
    assert (xihu["ratings.appeals"], xihu["ratings.appeals_overdue"]) == (2, 1)
    assert xihu["ratings.complaint_thresholds"] == 1
    binjiang = counts(other_county_regulator)
    assert binjiang["ratings.warnings_past_due"] == 1
    assert binjiang["ratings.complaint_thresholds"] == 0
    assert binjiang["ratings.appeals"] == 0


# Bounded counts


def test_counts_stop_after_the_limit(merchant):
    ComplaintFactory.create_batch(5, merchant=merchant)
    from complaints.models import Complaint

    assert bounded_count(Complaint.objects.all(), limit=3) == 4
    assert bounded_count(Complaint.objects.all(), limit=10) == 5
    item = WorkItem(kind="x", label="New", count=WORKLIST_LIMIT + 1, url="/")
    assert (item.is_capped, item.count_text) == (True, f"{WORKLIST_LIMIT}+")
    assert WorkItem(kind="x", label="New", count=WORKLIST_LIMIT, url="/").count_text == "100"


def test_a_count_reads_a_limited_subquery(
    merchant, county_regulator, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        worklist_items(user=county_regulator)
    counted = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counted and all(f"LIMIT {WORKLIST_LIMIT + 1}" in sql for sql in counted)
    with django_assert_max_num_queries(20):
        worklist_items(user=county_regulator)


# The pages and the API


@pytest.fixture
def supervisor(db) -> User:
    return RegulatorFactory(username="all-abilities", can_supervise=True)


def test_every_link_opens_for_its_regulator(complaints, supervisor):
    items = worklist_items(user=supervisor, all_items=True)
    kinds = {item.kind.split(".")[0] for item in items}
    assert kinds == {"complaints", "review", "ratings", "supervision"}
    client = client_for(supervisor)
    for item in items:
        assert client.get(item.url).status_code == 200, item.url


def test_the_home_page_shows_the_work_waiting_as_links(complaints, county_regulator):
    page = client_for(county_regulator).get(reverse("home")).content.decode()
    assert "Your work list" in page
    assert "New complaints waiting for a decision" in page
    assert f'href="{reverse("complaint-queue")}?tab=new"' in page
    assert "Complaints past their deadline" in page
    assert "Appeals to decide" not in page  # none waits: not on the home page


def test_the_home_page_of_others_has_no_work_list(owner, consumer):
    assert "Your work list" not in client_for(owner).get(reverse("home")).content.decode()
    assert "Your work list" not in client_for(consumer).get(reverse("home")).content.decode()
    assert "Your work list" not in client_for(None).get(reverse("home")).content.decode()


def test_the_home_page_with_nothing_waiting(county_regulator):
    page = client_for(county_regulator).get(reverse("home")).content.decode()
    assert "Nothing waits for you." in page


def test_the_home_page_reads_a_bounded_number_of_queries(
    complaints, supervisor, django_assert_max_num_queries
):
    client = client_for(supervisor)
    with django_assert_max_num_queries(35):
        assert client.get(reverse("home")).status_code == 200


def test_the_worklist_page_lists_the_empty_kinds_quietly(complaints, county_regulator):
    response = client_for(county_regulator).get(reverse("worklist"))
    page = response.content.decode()
    assert response.status_code == 200
    waiting, quiet = page.split("Nothing waiting")
    assert "New complaints waiting for a decision" in waiting
    assert "Appeals to decide" in quiet


def test_the_worklist_page_is_for_regulators_only(owner, consumer):
    assert client_for(owner).get(reverse("worklist")).status_code == 404
    assert client_for(consumer).get(reverse("worklist")).status_code == 404
    assert client_for(None).get(reverse("worklist")).status_code == 302


def test_the_page_in_chinese(complaints, county_regulator):
    county_regulator.language = "zh-hans"
    county_regulator.save(update_fields=["language"])
    page = client_for(county_regulator).get(reverse("worklist"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = page.content.decode()
    assert "待办事项" in text and "待受理的新投诉" in text


def test_the_api_lists_every_kind_with_its_count(complaints, county_regulator):
    response = api(county_regulator).get("/api/v1/worklist/")
    assert response.status_code == 200
    body = response.json()
    assert body["limit"] == WORKLIST_LIMIT
    by_kind = {item["kind"]: item for item in body["items"]}
    assert by_kind["complaints.new"]["count"] == 2
    assert by_kind["complaints.new"]["url"] == f"{reverse('complaint-queue')}?tab=new"
    assert by_kind["complaints.new"]["label"] == "New complaints waiting for a decision"
    assert by_kind["complaints.overdue"]["overdue"] is True
    assert body["items"][0]["overdue"] is True  # overdue work first


def test_the_api_is_for_regulators_only(owner):
    assert api(owner).get("/api/v1/worklist/").status_code == 404
    assert api(None).get("/api/v1/worklist/").status_code == 401


# The daily digest


def test_the_digest_goes_once_to_each_opted_in_regulator_with_work(
    complaints,
    county_regulator,
    other_county_regulator,
    city_regulator,
    django_capture_on_commit_callbacks,
):
    city_regulator.worklist_digest = False
    city_regulator.save(update_fields=["worklist_digest"])
    idle = RegulatorFactory(username="reg-idle", region=region("330109"))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert worklist_digest_send() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert worklist_digest_send() == 0  # the second run the same day sends nothing more
    told = set(
        Notification.objects.filter(key__startswith="worklist-digest:").values_list(
            "user__username", flat=True
        )
    )
    assert told == {county_regulator.username, other_county_regulator.username}
    assert idle.username not in told
    assert len(mail.outbox) == 2
    xihu = Notification.objects.get(user=county_regulator)
    assert xihu.link == reverse("worklist")
    body = render(xihu.body_message, "en")
    assert "Complaints past their deadline: 1" in body
    assert "New complaints waiting for a decision: 2" in body
    assert "Appeals to decide" not in body  # no work: no line
    inbox = client_for(county_regulator).get(reverse("inbox")).content.decode()
    assert "Your work list for" in inbox and "New complaints waiting for a decision: 2" in inbox


def test_the_digest_is_written_in_the_readers_language(
    complaints, county_regulator, django_capture_on_commit_callbacks
):
    county_regulator.language = "zh-hans"
    county_regulator.save(update_fields=["language"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        worklist_digest_send()
    message = next(m for m in mail.outbox if m.to == [county_regulator.email])
    assert "待办事项" in message.subject
    assert "待受理的新投诉：2" in message.body
    assert "已超期的投诉：1" in message.body


def test_a_platform_admin_sees_the_whole_province(complaints, admin_user):
    items = counts(admin_user)
    assert (items["complaints.new"], items["complaints.transfers"]) == (3, 1)
    assert "review.visits_due" not in items  # an admin inspects nothing


def test_the_digest_skips_people_who_are_not_regulators(complaints, owner, admin_user):
    worklist_digest_send()
    assert not Notification.objects.filter(user__in=[owner, admin_user]).exists()


def test_the_digest_is_scheduled_daily_at_ten_past_eight():
    entry = next(e for e in SCHEDULES if e.name == "work list digest")
    assert entry.crontab == {"minute": "10", "hour": "8"}
    celery_app.loader.import_default_modules()
    assert entry.task in celery_app.tasks


@pytest.mark.django_db
def test_the_task_sends_the_digest(complaints, county_regulator):
    from merchants.tasks import worklist_digest

    assert worklist_digest.delay().get() >= 1
    assert Notification.objects.filter(user=county_regulator).count() == 1


# The setting


def test_regulators_choose_the_digest_on_their_settings_page(county_regulator):
    client = client_for(county_regulator)
    page = client.get(reverse("account-settings")).content.decode()
    assert 'name="worklist_digest"' in page and "checked" in page
    client.post(reverse("account-settings"), {"language": "en", "complaint_notices": "each"})
    county_regulator.refresh_from_db()
    assert county_regulator.worklist_digest is False  # unticked
    client.post(
        reverse("account-settings"),
        {"language": "", "complaint_notices": "each", "worklist_digest": "on"},
    )
    county_regulator.refresh_from_db()
    assert county_regulator.worklist_digest is True


def test_others_are_not_offered_the_digest(owner):
    page = client_for(owner).get(reverse("account-settings")).content.decode()
    assert 'name="worklist_digest"' not in page
    client_for(owner).post(reverse("account-settings"), {"language": "en", "worklist_digest": "on"})
    owner.refresh_from_db()
    assert owner.worklist_digest is True  # unchanged, and never used for a merchant operator
