"""`manage.py generate_province`: a province of synthetic merchants and their declarations."""

from collections import Counter
from itertools import pairwise

import pytest
from django.core.management.base import CommandError
from stdnum.cn import uscc as stdnum_uscc

from demo.demo_data.cast import MERCHANTS
from demo.province import DECLARATION_PATHS
from merchants.models import (
    AuditEntry,
    Declaration,
    DeclarationEvent,
    Industry,
    Merchant,
    Permit,
    Region,
    User,
)
from merchants.models import DeclarationState as S
from merchants.services.declarations import TRANSITIONS
from tests.demo.conftest import assert_histories_match_states, run


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
