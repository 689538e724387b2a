"""Admin of the ratings: history and workflow rows are read-only there, with links to the app
where rectifications and appeals are decided; only staff get in."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from merchants.models import Pool
from ratings.models import (
    Appeal,
    Evaluation,
    EvaluationRun,
    Nomination,
    PoolChange,
    RatingFile,
    Standing,
    WarningRectification,
)
from ratings.services.appeals import appeal_file
from ratings.services.nominations import nomination_create
from ratings.services.pools import standing_move
from ratings.services.runs import evaluation_run
from ratings.services.warnings import warning_rectification_submit
from tests.conftest import client_for
from tests.factories import MerchantFactory, RegistryRecordFactory, pdf_upload, region

pytestmark = pytest.mark.django_db

READ_ONLY = [
    "evaluationrun",
    "evaluation",
    "standing",
    "poolchange",
    "warningrectification",
    "appeal",
    "nomination",
]


@pytest.fixture
def rows(merchant, owner, county_regulator) -> dict:
    """One row of each model: a merchant warned after an evaluation, with a rectification
    report and an appeal (each with a file), and a nomination."""
    for to, code in ((Pool.SELECTION, "screening_passed"), (Pool.CULTIVATION, "approved")):
        standing_move(merchant=merchant, to=to, reason_code=code, reason="test")
    run = evaluation_run(kind=EvaluationRun.Kind.MANUAL)
    _standing, warning = standing_move(
        merchant=merchant,
        to=Pool.WARNING,
        reason_code="warning",
        reason="Warning: a failed inspection.",
        changes={
            "former_pool": Pool.CULTIVATION,
            "rectification_due": timezone.localdate() + timedelta(days=30),
        },
    )
    rectification = warning_rectification_submit(
        actor=owner, merchant=merchant, report="Prices marked.", files=[pdf_upload("fix.pdf")]
    )
    appeal = appeal_file(
        actor=owner, decision=warning, statement="It was fixed.", files=[pdf_upload("why.pdf")]
    )
    record = RegistryRecordFactory()
    nomination = nomination_create(
        actor=county_regulator, uscc=record.uscc, name="新店", region=region("330106")
    )
    return {
        "evaluationrun": run,
        "evaluation": Evaluation.objects.get(merchant=merchant),
        "standing": Standing.objects.get(merchant=merchant),
        "poolchange": warning,
        "warningrectification": rectification,
        "appeal": appeal,
        "nomination": nomination,
    }


def url(model: str, view: str, *args) -> str:
    return reverse(f"admin:ratings_{model}_{view}", args=args)


@pytest.mark.parametrize("model", READ_ONLY)
def test_changelist_and_change_page_load_read_only(
    admin_user, rows, model, django_assert_max_num_queries
):
    client = client_for(admin_user)
    with django_assert_max_num_queries(15):
        listing = client.get(url(model, "changelist"))
    assert listing.status_code == 200
    assert 'value="delete_selected"' not in listing.content.decode()
    assert url(model, "add") not in listing.content.decode()
    page = client.get(url(model, "change", rows[model].pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_save"' not in html and 'name="_continue"' not in html
    assert url(model, "delete", rows[model].pk) not in html


@pytest.mark.parametrize("model", READ_ONLY)
def test_no_add_change_or_delete_by_hand(admin_user, rows, model):
    client = client_for(admin_user)
    pk = rows[model].pk
    assert client.get(url(model, "add")).status_code == 403
    assert client.post(url(model, "add"), {}).status_code == 403
    assert client.post(url(model, "delete", pk), {"post": "yes"}).status_code == 403
    # A post to the change page changes nothing: the page is view-only.
    assert client.post(url(model, "change", pk), {}).status_code == 403
    assert type(rows[model]).objects.filter(pk=pk).exists()


@pytest.mark.parametrize("model", ["warningrectification", "appeal"])
def test_rectifications_and_appeals_link_to_the_app_and_their_files(
    admin_user, rows, merchant, model
):
    html = client_for(admin_user).get(url(model, "change", rows[model].pk)).content.decode()
    assert f'href="{reverse("pool-merchant", args=[merchant.pk])}"' in html
    item = RatingFile.objects.get(
        **{"rectification" if model != "appeal" else "appeal": rows[model]}
    )
    assert f'href="{reverse("rating-file", args=[item.pk])}"' in html
    assert item.original_name in html
    # Not decidable here: no decision field to fill in.
    assert 'name="decision"' not in html and 'name="state"' not in html


def test_appeal_queue_filters_by_state_and_lateness(admin_user, rows):
    client = client_for(admin_user)
    pending = client.get(url("appeal", "changelist"), {"state__exact": "pending"})
    assert list(pending.context["cl"].result_list) == [rows["appeal"]]
    late = client.get(url("appeal", "changelist"), {"is_overdue__exact": "1"})
    assert list(late.context["cl"].result_list) == []


def test_search_finds_a_merchants_rows(admin_user, rows, merchant):
    client = client_for(admin_user)
    MerchantFactory(name="别的店")
    for model in ("standing", "poolchange", "warningrectification", "appeal"):
        found = client.get(url(model, "changelist"), {"q": merchant.uscc})
        assert found.status_code == 200
        assert found.context["cl"].result_list, model
    nominated = client.get(url("nomination", "changelist"), {"q": "新店"})
    assert list(nominated.context["cl"].result_list) == [rows["nomination"]]


@pytest.mark.parametrize("who", ["owner", "county_regulator", "consumer"])
def test_non_staff_are_sent_to_the_admin_login(request, rows, who):
    user = request.getfixturevalue(who)
    assert not user.is_staff
    client = client_for(user)
    for model in READ_ONLY:
        for target in (url(model, "changelist"), url(model, "change", rows[model].pk)):
            response = client.get(target)
            assert response.status_code == 302, target
            assert response["Location"].startswith(reverse("admin:login"))


def test_the_policy_stays_editable(admin_user):
    client = client_for(admin_user)
    assert client.get(reverse("admin:ratings_evaluationpolicy_changelist")).status_code == 200
    assert client.get(reverse("admin:ratings_evaluationpolicy_add")).status_code == 200


def test_rows_exist(rows):
    """The fixture made what the tests above look at (guards against an empty fixture)."""
    assert Appeal.objects.count() == WarningRectification.objects.count() == 1
    assert Nomination.objects.count() == 1 and PoolChange.objects.count() == 3
    assert RatingFile.objects.count() == 2
