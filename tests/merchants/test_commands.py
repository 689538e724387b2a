"""Operator commands: demo data (`load_demo`) and the province generator (`generate_province`)."""

from collections import Counter, defaultdict
from io import StringIO
from itertools import pairwise

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from stdnum.cn import uscc as stdnum_uscc

from merchants.models import (
    AuditEntry,
    Declaration,
    DeclarationDocument,
    DeclarationEvent,
    Industry,
    Membership,
    Merchant,
    Permit,
    Region,
    User,
)
from merchants.models import DeclarationState as S
from merchants.services.declarations import TRANSITIONS
from merchants.services.demo import DEMO_PASSWORD, MERCHANTS
from merchants.services.province import DECLARATION_PATHS


def run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def table_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            User,
            Merchant,
            Membership,
            Permit,
            Declaration,
            DeclarationEvent,
            DeclarationDocument,
        )
    }


def assert_histories_match_states(declarations: list[Declaration]) -> None:
    """Each declaration's events form a legal chain from nothing to its current state."""
    events: defaultdict[int, list[tuple[str, str]]] = defaultdict(list)
    for declaration_id, from_state, to_state in DeclarationEvent.objects.order_by(
        "declaration_id", "created_at", "id"
    ).values_list("declaration_id", "from_state", "to_state"):
        events[declaration_id].append((from_state, to_state))
    for declaration in declarations:
        chain = events[declaration.pk]
        assert chain, f"declaration {declaration.pk} has no events"
        assert chain[0] == ("", S.DRAFT)
        assert chain[-1][1] == declaration.state
        for (_, previous_to), (from_state, to_state) in pairwise(chain):
            assert from_state == previous_to
            assert to_state in TRANSITIONS[from_state]


# load_demo


@pytest.fixture
def dev_site(db, settings):
    """`make run`: DEBUG is on (pytest-django turns it off for tests)."""
    settings.DEBUG = True


def test_load_demo_twice_adds_nothing_the_second_time(dev_site):
    first = run("load_demo")
    after_first = table_counts()
    second = run("load_demo")

    assert table_counts() == after_first
    assert "0 accounts and 0 merchants added, 0 declarations filed" in second
    assert f"{len(MERCHANTS)} merchants added" in first
    for output in (first, second):
        assert DEMO_PASSWORD in output
        assert "reg-xihu" in output and "owner-xianguo" in output


def test_load_demo_creates_the_cast_with_their_roles_and_regions(dev_site):
    run("load_demo")

    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.is_platform_admin
    for username, region in [
        ("reg-zhejiang", "330000"),
        ("reg-hangzhou", "330100"),
        ("reg-xihu", "330106"),
        ("reg-binjiang", "330108"),
    ]:
        regulator = User.objects.get(username=username)
        assert regulator.is_regulator and regulator.region_id == region
        assert regulator.can_review and regulator.can_handle_complaints and regulator.can_inspect
    assert User.objects.filter(role=User.Role.REGULATOR, region__level="city").count() == 11
    coordinator = User.objects.get(username="coord-xihu")
    assert coordinator.is_coordinator and coordinator.region_id == "330106"
    assert User.objects.filter(role=User.Role.CONSUMER).count() >= 2
    assert authenticate(username="reg-xihu", password=DEMO_PASSWORD) is not None
    assert authenticate(username="owner-liulang", password=DEMO_PASSWORD) is not None

    chain_owner = User.objects.get(username="owner-xianguo")
    assert chain_owner.memberships.filter(role=Membership.Role.OWNER).count() == 2
    assert not Merchant.objects.filter(memberships__isnull=True).exists()


def test_load_demo_files_complaints_in_several_states_once(dev_site):
    from complaints.models import Complaint

    run("load_demo")
    run("load_demo")
    states = sorted(Complaint.objects.values_list("state", flat=True))
    assert states == ["proposed", "submitted", "with_merchant"]
    assert set(Complaint.objects.values_list("region_id", flat=True)) == {"330106"}


def test_load_demo_merchants_cover_every_city_with_valid_codes_and_permits(dev_site):
    run("load_demo")

    merchants = list(Merchant.objects.select_related("region"))
    assert all(m.region.level == Region.Level.COUNTY for m in merchants)
    assert all(stdnum_uscc.is_valid(m.uscc) for m in merchants)
    per_city = Counter(m.region.parent_id for m in merchants)
    assert len(per_city) == 11 and min(per_city.values()) >= 3
    for merchant in merchants:
        if merchant.industry == Industry.CATERING:
            assert merchant.permits.filter(permit_type=Permit.Type.FOOD_BUSINESS).exists()


def test_load_demo_files_declarations_in_every_state_through_the_services(dev_site):
    run("load_demo")

    declarations = list(Declaration.objects.all())
    states = {d.state for d in declarations}
    assert {
        S.DRAFT,
        S.PENDING_REVIEW,
        S.UNDER_REVIEW,
        S.APPROVED,
        S.RETURNED,
        S.REJECTED,
        S.WITHDRAWN,
    } <= states
    assert_histories_match_states(declarations)
    # Submission needs every commitment and mandatory document: the services enforced it.
    for declaration in declarations:
        if declaration.state != S.DRAFT:
            assert declaration.documents.exists()
            assert declaration.submitted_at is not None
    assert DeclarationEvent.objects.filter(to_state=S.SCREENING, actor__isnull=True).exists()
    resubmitted = DeclarationEvent.objects.filter(from_state=S.RETURNED, to_state=S.SUBMITTED)
    assert resubmitted.exists()
    district = Declaration.objects.get(scheme__kind="district")
    assert district.member_merchants.count() >= 2


def test_load_demo_refuses_on_a_production_site_unless_allowed(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="allow-production"):
        run("load_demo")
    assert not User.objects.filter(username="admin").exists()

    run("load_demo", "--allow-production")
    assert User.objects.filter(username="admin").exists()


# generate_province


def test_declaration_paths_only_use_allowed_transitions():
    for final_state, path in DECLARATION_PATHS.items():
        assert path[0] == S.DRAFT and path[-1] == final_state
        for from_state, to_state in pairwise(path):
            assert to_state in TRANSITIONS[from_state], (final_state, from_state, to_state)


def test_generate_province_creates_valid_merchants_spread_over_counties(db):
    output = run("generate_province", "--merchants", "500", "--seed", "1", "--batch", "200")

    assert "Generated with --seed 1" in output
    merchants = list(Merchant.objects.select_related("region"))
    assert len(merchants) == 500
    usccs = [m.uscc for m in merchants]
    assert len(set(usccs)) == 500
    assert all(stdnum_uscc.is_valid(code) for code in usccs)
    assert all(m.region.level == Region.Level.COUNTY for m in merchants)
    assert all(code[2:8] == m.region_id for code, m in zip(usccs, merchants, strict=True))
    assert len({m.public_code for m in merchants}) == 500

    per_county = Counter(m.region_id for m in merchants)
    per_city = Counter(m.region.parent_id for m in merchants)
    assert len(per_county) >= 60
    assert len(per_city) == 11
    assert per_city["330100"] > per_city["331100"]  # Hangzhou outweighs Lishui
    assert max(per_county.values()) < 60  # no county swallows the province

    industries = Counter(m.industry for m in merchants)
    assert industries[Industry.RETAIL] > industries[Industry.FINANCE] > 0
    catering = [m for m in merchants if m.industry == Industry.CATERING]
    with_food_permit = Permit.objects.filter(
        merchant__in=catering, permit_type=Permit.Type.FOOD_BUSINESS
    ).count()
    assert with_food_permit >= 0.9 * len(catering)
    assert 0.3 * 500 < Permit.objects.count() < 0.8 * 500


def test_generate_province_declarations_have_consistent_event_histories(db):
    run("generate_province", "--merchants", "500", "--seed", "1")

    declarations = list(Declaration.objects.select_related("scheme"))
    assert 0.6 * 500 < len(declarations) < 500
    kinds = Counter(d.scheme.kind for d in declarations)
    assert {"unit", "no_reason_return", "factory"} <= set(kinds)
    states = Counter(d.state for d in declarations)
    assert states.most_common(1)[0][0] == S.APPROVED
    assert states[S.PENDING_REVIEW] > 0 and states[S.DRAFT] > 0
    assert_histories_match_states(declarations)
    for declaration in declarations:
        if declaration.state == S.APPROVED:
            assert declaration.decided_at is not None
            assert declaration.submitted_at <= declaration.decided_at
            assert (
                declaration.accepted_commitments.count() == declaration.scheme.commitments.count()
            )
    reviewers = User.objects.filter(
        pk__in=DeclarationEvent.objects.filter(to_state=S.APPROVED).values("actor")
    )
    assert all(r.is_regulator and r.can_review for r in reviewers)


def test_generate_province_refuses_to_run_twice_without_append(db):
    run("generate_province", "--merchants", "500", "--seed", "1")

    with pytest.raises(CommandError, match="--append"):
        run("generate_province", "--merchants", "500", "--seed", "1")
    assert Merchant.objects.count() == 500

    run("generate_province", "--merchants", "500", "--seed", "1", "--append")
    usccs = list(Merchant.objects.values_list("uscc", flat=True))
    assert len(usccs) == len(set(usccs)) == 1000
    assert AuditEntry.objects.filter(action="province.generate").count() == 2


def test_generate_province_alongside_the_demo_keeps_codes_unique(dev_site):
    run("load_demo")
    run("generate_province", "--merchants", "300", "--seed", "7", "--no-declarations")

    assert Merchant.objects.count() == len(MERCHANTS) + 300
    assert Merchant.objects.values("uscc").distinct().count() == Merchant.objects.count()
    generated = Merchant.objects.exclude(memberships__user__username__startswith="owner-")
    assert not Declaration.objects.filter(merchant__in=generated).exists()
