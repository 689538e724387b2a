"""The pools as the declaration workflow moves merchants through them, and the table's limits."""

from datetime import timedelta

import pytest
from django.utils import timezone

from common.errors import DomainError
from merchants.models import DeclarationState, Pool
from merchants.services import declarations as svc
from ratings.models import PoolChange, Standing
from ratings.services.pools import TRANSITIONS, standing_move
from tests.factories import MerchantFactory, scheme
from tests.merchants.test_declaration_services import _complete

pytestmark = pytest.mark.django_db


@pytest.fixture
def screened(owner, merchant, django_capture_on_commit_callbacks):
    """A declaration submitted and through the automatic screening, waiting for review."""
    declaration = svc.declaration_create(
        actor=owner, merchant=merchant, scheme=scheme("no-reason-return")
    )
    _complete(declaration, owner)
    with django_capture_on_commit_callbacks(execute=True):
        svc.declaration_submit(actor=owner, declaration=declaration)
    declaration.refresh_from_db()
    assert declaration.state == DeclarationState.PENDING_REVIEW
    return declaration


def history(merchant) -> list[tuple[str, str, str]]:
    return list(
        PoolChange.objects.filter(merchant=merchant)
        .order_by("created_at", "pk")
        .values_list("from_pool", "to_pool", "reason_code")
    )


def test_passing_screening_enters_selection_and_approval_cultivation(
    screened, merchant, county_regulator
):
    assert Standing.objects.get(merchant=merchant).pool == Pool.SELECTION
    svc.declaration_claim(actor=county_regulator, declaration=screened)
    svc.declaration_approve(actor=county_regulator, declaration=screened)
    standing = Standing.objects.get(merchant=merchant)
    assert (standing.pool, standing.stars, standing.region_id) == (Pool.CULTIVATION, 0, "330106")
    assert history(merchant) == [
        ("", Pool.SELECTION, "screening_passed"),
        (Pool.SELECTION, Pool.CULTIVATION, "declaration_approved"),
    ]
    change = PoolChange.objects.get(to_pool=Pool.CULTIVATION)
    assert change.actor == county_regulator
    assert change.evidence == {"declaration": screened.pk}


def test_rejection_takes_the_merchant_out_without_a_wait(screened, merchant, county_regulator):
    svc.declaration_claim(actor=county_regulator, declaration=screened)
    svc.declaration_reject(actor=county_regulator, declaration=screened, reason="资料不实")
    standing = Standing.objects.get(merchant=merchant)
    assert (standing.pool, standing.reentry_after) == (Pool.EXITED, None)
    assert history(merchant)[-1] == (Pool.SELECTION, Pool.EXITED, "declaration_rejected")
    # Rejection is not an exit for a violation: the merchant may declare again at once.
    svc.declaration_create(actor=screened.created_by, merchant=merchant, scheme=screened.scheme)


def test_a_further_scheme_does_not_move_a_cultivated_merchant(
    screened, merchant, owner, county_regulator, django_capture_on_commit_callbacks
):
    svc.declaration_claim(actor=county_regulator, declaration=screened)
    svc.declaration_approve(actor=county_regulator, declaration=screened)
    second = svc.declaration_create(actor=owner, merchant=merchant, scheme=scheme("assured-unit"))
    _complete(second, owner)
    with django_capture_on_commit_callbacks(execute=True):
        svc.declaration_submit(actor=owner, declaration=second)
    svc.declaration_claim(actor=county_regulator, declaration=second)
    svc.declaration_approve(actor=county_regulator, declaration=second)
    assert Standing.objects.get(merchant=merchant).pool == Pool.CULTIVATION
    assert len(history(merchant)) == 2


def test_an_exited_merchant_waits_before_declaring_again(owner, merchant):
    standing_move(merchant=merchant, to=Pool.SELECTION, reason_code="t", reason="t")
    standing_move(
        merchant=merchant,
        to=Pool.EXITED,
        reason_code="not_rectified",
        reason="Not rectified in time",
        changes={"reentry_after": timezone.localdate() + timedelta(days=365)},
    )
    with pytest.raises(DomainError, match="may declare again from"):
        svc.declaration_create(actor=owner, merchant=merchant, scheme=scheme("assured-unit"))
    Standing.objects.filter(merchant=merchant).update(
        reentry_after=timezone.localdate() - timedelta(days=1)
    )
    svc.declaration_create(actor=owner, merchant=merchant, scheme=scheme("assured-unit"))


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ([], Pool.CULTIVATION),
        ([], Pool.STAR_RATED),
        ([Pool.SELECTION], Pool.STAR_RATED),
        ([Pool.SELECTION], Pool.WARNING),
        ([Pool.SELECTION, Pool.EXITED], Pool.CULTIVATION),
        ([Pool.SELECTION, Pool.CULTIVATION], Pool.SELECTION),
    ],
)
def test_moves_outside_the_table_are_refused(path, illegal):
    merchant = MerchantFactory()
    for pool in path:
        standing_move(merchant=merchant, to=pool, reason_code="t", reason="t")
    with pytest.raises(DomainError, match="cannot move to"):
        standing_move(merchant=merchant, to=illegal, reason_code="t", reason="t")
    assert PoolChange.objects.filter(merchant=merchant).count() == len(path)


def test_the_table_covers_every_pool():
    assert set(TRANSITIONS) == {"", *Pool.values}
    for targets in TRANSITIONS.values():
        assert targets <= set(Pool.values)
