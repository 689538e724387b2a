"""Complaints and inspections made by `generate_province --complaints N --inspections N`
(demo/province/complaints.py and inspections.py)."""

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from complaints.models import CLOSED_COMPLAINT_STATES, Complaint, ComplaintEvent
from complaints.models import ComplaintState as C
from complaints.services.complaints import TRANSITIONS as COMPLAINT_TRANSITIONS
from merchants.models import Merchant
from review.models import (
    Campaign,
    ChecklistTemplate,
    Inspection,
    InspectionAssignment,
    Rectification,
)
from review.models import InspectionResult as R
from review.models import InspectionState as S
from review.services.inspections import inspection_score

ARGS = ("--merchants", "600", "--batch", "250", "--no-declarations", "--no-records")


def generate(*args: str) -> str:
    out = StringIO()
    call_command("generate_province", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_complaints_have_consistent_states_dates_and_a_skewed_spread(db):
    output = generate(*ARGS, "--seed", "4", "--complaints", "3000")
    now, today = timezone.now(), timezone.localdate()
    merchants = dict(Merchant.objects.values_list("id", "region_id"))
    complaints = list(Complaint.objects.all())

    assert len(complaints) == 3000
    assert "complaints" in output
    assert not ComplaintEvent.objects.exists()  # no timelines, by design
    assert len({c.tracking_token for c in complaints}) == 3000
    # Numbered after the bulk write: per county and year, in the order they were lodged.
    assert len({c.number for c in complaints}) == 3000 and "" not in {c.number for c in complaints}
    for county in {c.region_id for c in complaints}:
        mine = sorted(
            (c for c in complaints if c.region_id == county), key=lambda c: (c.created_at, c.pk)
        )
        year = timezone.localtime(mine[-1].created_at).year
        last = [c.number for c in mine if timezone.localtime(c.created_at).year == year]
        assert last[-1] == f"{county}-{year}-{len(last):06d}"
    states = Counter(c.state for c in complaints)
    # Accepted is a passing state: rare. The generator's complaints are all against registered
    # merchants handled in their county: none handled directly or transferred.
    not_generated = {C.ACCEPTED, C.DIRECT, C.TRANSFER_PENDING, C.TRANSFERRED_OUT}
    assert set(states) >= set(C.values) - not_generated
    assert states[C.SETTLED] > states[C.DECLINED] > states[C.MEDIATION] > states[C.SUBMITTED]
    open_share = sum(n for s, n in states.items() if s not in CLOSED_COMPLAINT_STATES) / 3000
    assert 0.01 < open_share < 0.08  # only the last weeks' complaints are still open
    for c in complaints:
        assert merchants[c.merchant_id] == c.region_id
        assert c.complainant_name and c.complainant_phone and c.description
        assert now - timedelta(days=3 * 365 + 1) <= c.created_at <= now
        assert c.accept_due is not None
        closed = c.state in CLOSED_COMPLAINT_STATES
        assert (c.closed_at is not None) == closed
        assert c.rating is None or (closed and 1 <= c.rating <= 5)
        reached_merchant = c.state not in (C.SUBMITTED, C.DECLINED, C.WITHDRAWN)
        if reached_merchant:
            assert c.accepted_at is not None and c.handler_id is not None
        if c.state in (C.SUBMITTED, C.DECLINED):
            assert c.accepted_at is None
        if c.accepted_at is not None:
            assert c.created_at <= c.accepted_at <= now
            assert c.merchant_due is not None and c.close_due is not None
        if c.closed_at is not None:
            assert (c.accepted_at or c.created_at) <= c.closed_at <= now
        if closed:
            assert not c.is_overdue
        elif c.state == C.SUBMITTED:
            assert c.is_overdue == (c.accept_due < today)
        else:
            assert c.is_overdue == (c.close_due < today)
        if c.state in (C.WITH_MERCHANT, C.PROPOSED):
            # Otherwise the deadline sweep would already have sent it to mediation.
            assert c.merchant_due >= today
        if c.state == C.DECLINED:
            assert c.decline_ground
        if c.state == C.SETTLED:
            assert c.agreement
    # Every state is one the workflow can reach.
    reachable = {C.SUBMITTED} | {s for targets in COMPLAINT_TRANSITIONS.values() for s in targets}
    assert set(states) <= reachable

    per_merchant = Counter(c.merchant_id for c in complaints)
    counts = sorted(per_merchant.get(pk, 0) for pk in merchants)
    assert counts[len(counts) // 2] <= 3  # most merchants have few
    assert counts[-1] >= 40  # some have many


def test_inspections_agree_with_their_result_campaign_and_checklist(db):
    generate(*ARGS, "--seed", "6", "--inspections", "900")
    template = ChecklistTemplate.objects.get(scheme__isnull=True)
    snapshot = template.snapshot()
    city_of = dict(Merchant.objects.values_list("id", "region__parent_id"))
    campaigns = {c.pk: c for c in Campaign.objects.all()}
    inspections = list(Inspection.objects.all())

    assert len(inspections) == 900
    assert InspectionAssignment.objects.count() == 1800
    assert all(c.state == Campaign.State.CLOSED and c.closed_at for c in campaigns.values())
    assert len({c.created_by_id for c in campaigns.values()}) == len(campaigns) // 8
    sizes = Counter(i.campaign_id for i in inspections)
    assert all(campaigns[pk].sample_size == n for pk, n in sizes.items())
    assert len({(i.campaign_id, i.merchant_id) for i in inspections}) == 900
    results = Counter(i.result for i in inspections)
    assert results[R.PASS] > results[R.RECTIFY] > results[R.FAIL] > 0
    rectified = set(Rectification.objects.values_list("inspection_id", flat=True))
    for i in inspections:
        campaign = campaigns[i.campaign_id]
        assert campaign.region_id == city_of[i.merchant_id]
        assert i.method == campaign.method and i.due_date == campaign.due_date
        assert i.checklist == snapshot and i.checklist_template_id == template.pk
        assert i.score == inspection_score(i.checklist, i.answers)
        critical_missed = any(
            item["critical"] and i.answers[item["code"]] == "no" for item in i.checklist
        )
        assert critical_missed == (i.result == R.FAIL)
        assert i.visited_at is not None and i.recorded_by_id is not None
        if i.result == R.PASS:
            assert i.score >= template.pass_score
            assert i.state == S.CLOSED and i.closed_at == i.visited_at
            assert i.pk not in rectified
        else:
            assert i.findings and i.rectification_due
            assert i.state in (S.CLOSED, S.RECTIFYING, S.RECTIFICATION_SUBMITTED)
            assert (i.pk in rectified) == (i.state != S.RECTIFYING)
        if i.state == S.CLOSED:
            assert i.closed_at >= i.visited_at
        else:
            assert i.closed_at is None
    accepted = Rectification.objects.filter(decision=Rectification.Decision.ACCEPTED)
    assert accepted.count() == sum(
        1 for i in inspections if i.result != R.PASS and i.state == S.CLOSED
    )
    leads = InspectionAssignment.objects.filter(is_lead=True)
    assert leads.count() == 900


def test_same_seed_same_activity_and_the_merchants_do_not_change(db):
    args = (*ARGS, "--seed", "8")

    def snapshot() -> tuple[list, list, list]:
        # Times follow the clock of the run; everything else follows the seed.
        merchants = sorted(Merchant.objects.values_list("uscc", "name"))
        complaints = sorted(
            Complaint.objects.values_list(
                "merchant__uscc", "state", "category", "complainant_name", "amount", "rating"
            ),
            key=str,
        )
        inspections = sorted(
            Inspection.objects.values_list("merchant__uscc", "result", "score", "answers"),
            key=str,
        )
        return merchants, complaints, inspections

    with transaction.atomic():
        generate(*args)
        plain = snapshot()
        transaction.set_rollback(True)
    with transaction.atomic():
        generate(*args, "--complaints", "500", "--inspections", "300")
        first = snapshot()
        transaction.set_rollback(True)
    generate(*args, "--complaints", "500", "--inspections", "300")
    assert snapshot() == first
    assert first[0] == plain[0]  # asking for activity leaves the merchants as they were
    assert len(first[1]) == 500 and len(first[2]) == 300


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--inspections", "2401", "At most 4 inspections per merchant"),
        ("--complaints", "-1", "cannot be negative"),
    ],
)
def test_bad_counts_get_a_clear_error(db, option, value, message):
    with pytest.raises(CommandError, match=message):
        generate(*ARGS, "--seed", "1", option, value)
    assert not Merchant.objects.exists()
