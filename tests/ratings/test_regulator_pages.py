"""The regulator's pool pages: one merchant's page with its actions (check a rectification,
decide an appeal, exit), the queues, nominations and the runs, each scoped to the reach."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from merchants.models import Notification, Pool
from ratings.models import (
    Appeal,
    EvaluationRun,
    Nomination,
    PoolChange,
    Standing,
    WarningRectification,
)
from ratings.services import runs
from ratings.services.appeals import appeal_file
from ratings.services.pools import pool_exit
from ratings.services.warnings import warning_rectification_submit
from tests.conftest import client_for
from tests.factories import (
    MembershipFactory,
    MerchantFactory,
    RegistryRecordFactory,
    pdf_upload,
    region,
)
from tests.ratings.test_pool_browser import place, warn

pytestmark = pytest.mark.django_db


def page_of(user, merchant):
    return client_for(user).get(reverse("pool-merchant", args=[merchant.pk]))


@pytest.fixture
def starred(merchant):
    """alice's merchant, three stars, warned: a report with a file waits for the regulator."""
    place(merchant, Pool.STAR_RATED, stars=3, score=86)
    warn(merchant)
    return merchant


@pytest.fixture
def report(starred, owner) -> WarningRectification:
    return warning_rectification_submit(
        actor=owner, merchant=starred, report="Prices marked again.", files=[pdf_upload()]
    )


# One merchant


def test_page_shows_the_standing_and_the_report_to_check(report, county_regulator):
    response = page_of(county_regulator, report.merchant)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Prices marked again." in page
    assert "Warning pool" in page
    assert reverse("rating-file", args=[report.files.get().pk]) in page
    assert reverse("pool-rectification-decide", args=[report.merchant_id, report.pk]) in page
    assert response.context["standing_detail"]["standing"].pool == Pool.WARNING


def test_page_of_a_merchant_outside_the_programme(merchant, county_regulator):
    response = page_of(county_regulator, merchant)
    assert response.status_code == 200
    assert response.context["exit_form"] is None
    assert "not in the assured consumption programme" in response.content.decode()


@pytest.mark.parametrize(
    "who", ["consumer", "owner", "other_owner", "other_county_regulator", None]
)
def test_outsiders_get_404_on_the_merchant_page_and_its_actions(who, report, request):
    user = request.getfixturevalue(who) if who else None
    client = client_for(user)
    merchant = report.merchant
    expected = 302 if user is None else 404
    assert client.get(reverse("pool-merchant", args=[merchant.pk])).status_code == expected
    for url in (
        reverse("pool-rectification-decide", args=[merchant.pk, report.pk]),
        reverse("pool-exit", args=[merchant.pk]),
    ):
        response = client.post(url, {"accept": "yes", "reason": "x", "confirm": "on"})
        assert response.status_code == expected, url
    report.refresh_from_db()
    assert report.decision == ""
    assert Standing.objects.get(merchant=merchant).pool == Pool.WARNING


def test_city_regulator_and_admin_reach_the_merchant(report, city_regulator, admin_user):
    assert page_of(city_regulator, report.merchant).status_code == 200
    assert page_of(admin_user, report.merchant).status_code == 200


def test_accepting_the_rectification_brings_the_merchant_back(report, county_regulator):
    response = client_for(county_regulator).post(
        reverse("pool-rectification-decide", args=[report.merchant_id, report.pk]),
        {"accept": "yes", "reason": ""},
    )
    assert response.status_code == 302
    standing = Standing.objects.get(merchant=report.merchant)
    assert (standing.pool, standing.stars) == (Pool.STAR_RATED, 3)
    assert standing.warning_cleared_at is not None and standing.rectification_due is None
    change = PoolChange.objects.filter(merchant=report.merchant).first()
    assert (change.reason_code, change.from_pool, change.to_pool, change.to_stars) == (
        "warning_cleared",
        Pool.WARNING,
        Pool.STAR_RATED,
        3,
    )
    assert change.actor == county_regulator
    report.refresh_from_db()
    assert report.decision == WarningRectification.Decision.ACCEPTED


def test_not_enough_needs_remarks(report, county_regulator):
    client = client_for(county_regulator)
    url = reverse("pool-rectification-decide", args=[report.merchant_id, report.pk])
    response = client.post(url, {"accept": "no", "reason": "  "})
    assert response.status_code == 400
    assert "Say what is still missing." in response.content.decode()
    report.refresh_from_db()
    assert report.decision == ""
    response = client.post(url, {"accept": "no", "reason": "The price list is still missing."})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.decision == WarningRectification.Decision.REJECTED
    assert report.decision_reason == "The price list is still missing."
    assert Standing.objects.get(merchant=report.merchant).pool == Pool.WARNING
    assert Notification.objects.filter(
        key=f"warning-rectification-{report.pk}-decided", user=report.submitted_by
    ).exists()


def test_a_checked_report_cannot_be_checked_again(report, county_regulator, city_regulator):
    url = reverse("pool-rectification-decide", args=[report.merchant_id, report.pk])
    client_for(county_regulator).post(url, {"accept": "no", "reason": "Not yet."})
    response = client_for(city_regulator).post(url, {"accept": "yes"})
    assert response.status_code == 400
    assert "This report has been checked already." in response.content.decode()


def test_a_report_of_another_merchant_is_404(report, county_regulator, other_merchant):
    place(other_merchant, Pool.CULTIVATION)
    url = reverse("pool-rectification-decide", args=[other_merchant.pk, report.pk])
    assert client_for(county_regulator).post(url, {"accept": "yes"}).status_code == 404


def test_exit_needs_reason_and_confirmation(merchant, county_regulator):
    place(merchant, Pool.CULTIVATION)
    client = client_for(county_regulator)
    url = reverse("pool-exit", args=[merchant.pk])
    response = client.post(url, {"reason": "Counterfeit goods sold."})
    assert response.status_code == 400
    assert Standing.objects.get(merchant=merchant).pool == Pool.CULTIVATION
    response = client.post(url, {"reason": "Counterfeit goods sold.", "confirm": "on"})
    assert response.status_code == 302
    standing = Standing.objects.get(merchant=merchant)
    assert standing.pool == Pool.EXITED
    assert standing.reentry_after == timezone.localdate() + timedelta(days=365)
    change = PoolChange.objects.filter(merchant=merchant).first()
    assert (change.reason_code, change.message["params"]["reason"], change.actor) == (
        "exited_by_regulator",
        "Counterfeit goods sold.",
        county_regulator,
    )
    # Out already: the page offers no exit, and a second one is refused.
    assert page_of(county_regulator, merchant).context["exit_form"] is None
    response = client.post(url, {"reason": "Again.", "confirm": "on"})
    assert response.status_code == 400
    assert "This merchant is not in the programme." in response.content.decode()


@pytest.fixture
def exit_appealed(merchant, owner, county_regulator) -> Appeal:
    place(merchant, Pool.CULTIVATION)
    change = pool_exit(actor=county_regulator, merchant=merchant, reason="Counterfeit goods.")
    return appeal_file(actor=owner, decision=change, statement="The goods were genuine.")


def test_the_regulator_who_exited_cannot_decide_the_appeal(exit_appealed, county_regulator):
    response = page_of(county_regulator, exit_appealed.merchant)
    page = response.content.decode()
    assert "The goods were genuine." in page
    assert "You took this decision; another regulator decides the appeal." in page
    assert response.context["appeal_form"] is None
    response = client_for(county_regulator).post(
        reverse("pool-appeal-decide", args=[exit_appealed.merchant_id, exit_appealed.pk]),
        {"overturn": "yes", "reason": "I was wrong."},
    )
    assert response.status_code == 400
    assert "another regulator must decide the appeal" in response.content.decode()
    exit_appealed.refresh_from_db()
    assert exit_appealed.state == Appeal.State.PENDING


def test_another_regulator_overturns_the_exit(exit_appealed, city_regulator):
    assert page_of(city_regulator, exit_appealed.merchant).context["appeal_form"] is not None
    url = reverse("pool-appeal-decide", args=[exit_appealed.merchant_id, exit_appealed.pk])
    client = client_for(city_regulator)
    response = client.post(url, {"overturn": "yes", "reason": ""})
    assert response.status_code == 400
    response = client.post(url, {"overturn": "yes", "reason": "The test report shows genuine."})
    assert response.status_code == 302
    exit_appealed.refresh_from_db()
    assert exit_appealed.state == Appeal.State.OVERTURNED
    standing = Standing.objects.get(merchant=exit_appealed.merchant)
    assert standing.pool == Pool.CULTIVATION and standing.reentry_after is None


def test_another_regulator_upholds_the_exit(exit_appealed, city_regulator):
    response = client_for(city_regulator).post(
        reverse("pool-appeal-decide", args=[exit_appealed.merchant_id, exit_appealed.pk]),
        {"overturn": "no", "reason": "The inspection record stands."},
    )
    assert response.status_code == 302
    exit_appealed.refresh_from_db()
    assert exit_appealed.state == Appeal.State.UPHELD
    assert Standing.objects.get(merchant=exit_appealed.merchant).pool == Pool.EXITED


def test_outsider_cannot_decide_an_appeal(exit_appealed, other_county_regulator):
    response = client_for(other_county_regulator).post(
        reverse("pool-appeal-decide", args=[exit_appealed.merchant_id, exit_appealed.pk]),
        {"overturn": "yes", "reason": "x"},
    )
    assert response.status_code == 404


# Queues


def test_rectification_queue_oldest_first_overdue_marked(county_regulator, owner):
    first, second = (place(pool=Pool.CULTIVATION) for _ in range(2))
    for merchant in (first, second):
        MembershipFactory(user=owner, merchant=merchant)
        warn(merchant)
    older = warning_rectification_submit(actor=owner, merchant=second, report="First done.")
    WarningRectification.objects.filter(pk=older.pk).update(
        submitted_at=timezone.now() - timedelta(days=3)
    )
    warning_rectification_submit(actor=owner, merchant=first, report="Then this.")
    Standing.objects.filter(merchant=second).update(
        rectification_due=timezone.localdate() - timedelta(days=1)
    )
    silent = place(pool=Pool.CULTIVATION)
    warn(silent)
    Standing.objects.filter(merchant=silent).update(
        rectification_due=timezone.localdate() - timedelta(days=2)
    )
    elsewhere = place(pool=Pool.CULTIVATION, county="330108")
    MembershipFactory(user=owner, merchant=elsewhere)
    warn(elsewhere)
    warning_rectification_submit(actor=owner, merchant=elsewhere, report="Binjiang.")

    response = client_for(county_regulator).get(reverse("rectification-queue"))
    assert response.status_code == 200
    rows = list(response.context["page"].object_list)
    assert [r.merchant_id for r in rows] == [second.pk, first.pk]
    assert [r.is_overdue for r in rows] == [True, False]
    past_due = response.context["past_due"]
    assert [(s.merchant_id, s.report_waiting) for s in past_due] == [
        (silent.pk, False),
        (second.pk, True),
    ]
    assert "Overdue" in response.content.decode()


def test_appeal_queue_by_deadline_with_who_decides(county_regulator, city_regulator, owner):
    merchants = [place(pool=Pool.CULTIVATION) for _ in range(2)]
    appeals = []
    for merchant in merchants:
        MembershipFactory(user=owner, merchant=merchant)
        change = pool_exit(actor=county_regulator, merchant=merchant, reason="Serious.")
        appeals.append(appeal_file(actor=owner, decision=change, statement="No."))
    Appeal.objects.filter(pk=appeals[1].pk).update(
        decide_by=timezone.localdate() - timedelta(days=1)
    )
    response = client_for(county_regulator).get(reverse("appeal-queue"))
    rows = list(response.context["page"].object_list)
    assert [a.pk for a in rows] == [appeals[1].pk, appeals[0].pk]
    assert [a.overdue for a in rows] == [True, False]
    assert [a.may_decide for a in rows] == [False, False]
    assert "Another regulator: you took this decision" in response.content.decode()
    rows = client_for(city_regulator).get(reverse("appeal-queue")).context["page"].object_list
    assert all(a.may_decide for a in rows)


def test_queues_are_scoped(report, other_county_regulator):
    client = client_for(other_county_regulator)
    assert not client.get(reverse("rectification-queue")).context["page"].object_list
    assert not client.get(reverse("appeal-queue")).context["page"].object_list


@pytest.mark.parametrize("name", ["rectification-queue", "appeal-queue", "nomination-list"])
@pytest.mark.parametrize("who", ["consumer", "owner"])
def test_queues_are_404_for_non_regulators(name, who, request):
    assert client_for(request.getfixturevalue(who)).get(reverse(name)).status_code == 404


def test_queue_query_counts_are_bounded(county_regulator, owner, django_assert_max_num_queries):
    for _ in range(32):
        merchant = place(pool=Pool.CULTIVATION)
        MembershipFactory(user=owner, merchant=merchant)
        change = warn(merchant, actor=county_regulator)
        warning_rectification_submit(
            actor=owner, merchant=merchant, report="Done.", files=[pdf_upload()]
        )
        appeal_file(actor=owner, decision=change, statement="Unfair.")
    client = client_for(county_regulator)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("rectification-queue"))
    assert len(response.context["page"].object_list) == 32
    with django_assert_max_num_queries(10):
        response = client.get(reverse("appeal-queue"))
    assert len(response.context["page"].object_list) == 32


# Nominations


def test_nominate_a_registered_merchant(merchant, owner, county_regulator):
    RegistryRecordFactory(uscc=merchant.uscc)
    client = client_for(county_regulator)
    response = client.post(
        reverse("nomination-list"), {"uscc": merchant.uscc, "message": "Please declare."}
    )
    assert response.status_code == 302
    assert Standing.objects.get(merchant=merchant).pool == Pool.SELECTION
    page = client.get(reverse("nomination-list")).content.decode()
    assert merchant.name in page and "In the selection pool" in page


def test_nominate_an_unregistered_merchant_needs_name_and_county(county_regulator):
    record = RegistryRecordFactory()
    client = client_for(county_regulator)
    response = client.post(reverse("nomination-list"), {"uscc": record.uscc})
    assert response.status_code == 400
    assert "Give the merchant&#x27;s name." in response.content.decode()
    response = client.post(
        reverse("nomination-list"),
        {"uscc": record.uscc, "name": "新店", "county": "330106", "email": "shop@example.com"},
    )
    assert response.status_code == 302
    page = client.get(reverse("nomination-list")).content.decode()
    assert "新店" in page and "Invited: not registered yet" in page


def test_nomination_form_refuses_bad_codes_and_foreign_counties(county_regulator):
    client = client_for(county_regulator)
    response = client.post(reverse("nomination-list"), {"uscc": "123"})
    assert response.status_code == 400
    assert response.context["form"].errors["uscc"]
    record = RegistryRecordFactory()
    response = client.post(
        reverse("nomination-list"), {"uscc": record.uscc, "name": "x", "county": "330108"}
    )
    assert response.status_code == 400 and response.context["form"].errors["county"]
    assert not Nomination.objects.exists()


def test_nomination_list_shows_registered_merchants_elsewhere(
    county_regulator, other_county_regulator, django_assert_max_num_queries
):
    for _ in range(31):
        merchant = MerchantFactory()
        RegistryRecordFactory(uscc=merchant.uscc)
        client_for(county_regulator).post(reverse("nomination-list"), {"uscc": merchant.uscc})
    moved = Nomination.objects.first().merchant
    Standing.objects.filter(merchant=moved).update(pool=Pool.CULTIVATION)
    client = client_for(county_regulator)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("nomination-list"))
    assert len(response.context["page"].object_list) == 31
    assert "now: Cultivation pool" in response.content.decode()
    assert (
        not client_for(other_county_regulator)
        .get(reverse("nomination-list"))
        .context["page"]
        .object_list
    )


# Runs


@pytest.fixture
def supervisor(city_regulator):
    city_regulator.can_supervise = True
    city_regulator.save(update_fields=["can_supervise"])
    return city_regulator


def test_supervisors_see_the_runs(supervisor, merchant, admin_user, django_assert_max_num_queries):
    place(merchant, Pool.CULTIVATION)
    for _ in range(3):
        runs.evaluation_run(kind=EvaluationRun.Kind.MANUAL)
    EvaluationRun.objects.create(
        kind=EvaluationRun.Kind.NIGHTLY,
        policy=EvaluationRun.objects.first().policy,
        state=EvaluationRun.State.FAILED,
        error="Boom: the database went away.",
    )
    client = client_for(supervisor)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("run-list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Boom: the database went away." in page
    assert "Manual" in page or "Started by hand" in page
    rows = list(response.context["page"].object_list)
    assert len(rows) == 4
    assert all(r.duration is not None for r in rows if r.state == EvaluationRun.State.FINISHED)
    assert client_for(admin_user).get(reverse("run-list")).status_code == 200


@pytest.mark.parametrize("who", ["county_regulator", "consumer", "owner"])
def test_runs_are_404_for_others(who, request):
    assert client_for(request.getfixturevalue(who)).get(reverse("run-list")).status_code == 404


def test_pages_render_for_a_county_regulator(county_regulator):
    client = client_for(county_regulator)
    for name in ("pool-browser", "rectification-queue", "appeal-queue", "nomination-list"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert 'href="/static/css/ratings-regulator.css"' in response.content.decode(), name


def test_merchant_outside_reach_by_region(county_regulator):
    far = place(pool=Pool.CULTIVATION, county="330602")
    assert page_of(county_regulator, far).status_code == 404
    assert region("330602").code == far.region_id
