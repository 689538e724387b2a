"""The complaint workflow through its services: every transition, illegal ones, deadlines."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from common.errors import DomainError
from complaints.models import Complaint, ComplaintEvent, ComplaintEvidence
from complaints.models import ComplaintState as C
from complaints.services import complaints as svc
from tests.factories import pdf_upload, png_upload, region

pytestmark = pytest.mark.django_db


def _lodge(merchant, **overrides) -> Complaint:
    data = {
        "merchant": merchant,
        "category": "refund_refused",
        "description": "购买的茶叶未拆封, 七日内要求退货被拒绝。",
        "wanted_outcome": "退货退款",
        "complainant_name": "刘女士",
        "complainant_phone": "13812341234",
        "amount": Decimal("268.00"),
        "purchase_date": date(2026, 11, 20),
    }
    return svc.complaint_submit(**(data | overrides))


@pytest.fixture
def complaint(merchant) -> Complaint:
    return _lodge(merchant)


def _move(complaint: Complaint, state: str) -> Complaint:
    Complaint.objects.filter(pk=complaint.pk).update(state=state)
    complaint.refresh_from_db()
    return complaint


def test_submit_sets_the_accept_deadline_and_writes_the_first_event(merchant):
    complaint = _lodge(merchant, evidence=[pdf_upload(), png_upload()])
    assert complaint.state == C.SUBMITTED and complaint.region_id == "330106"
    assert complaint.accept_due is not None and complaint.accept_due > timezone.localdate()
    assert len(complaint.tracking_token) >= 30
    assert [e.to_state for e in complaint.events.all()] == [C.SUBMITTED]
    kinds = sorted(complaint.evidence.values_list("content_type", flat=True))
    assert kinds == ["application/pdf", "image/png"]


def test_deadlines_count_working_days_over_national_day(merchant, monkeypatch):
    monkeypatch.setattr(svc, "_today", lambda: date(2026, 9, 28))
    complaint = _lodge(merchant, purchase_date=date(2026, 9, 20))
    # Sep 29, 30, Oct 8, 9, 10 (make-up Saturday), 12, 13: Oct 1-7 are the holiday.
    assert complaint.accept_due == date(2026, 10, 13)


def test_bad_evidence_is_refused_and_nothing_is_saved(merchant, settings):
    fake = SimpleUploadedFile("receipt.pdf", b"this is not a pdf", "application/pdf")
    with pytest.raises(DomainError, match="not a PDF"):
        _lodge(merchant, evidence=[pdf_upload(), fake])
    assert not Complaint.objects.exists() and not ComplaintEvidence.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_at_most_five_evidence_files(merchant):
    with pytest.raises(DomainError, match="at most 5"):
        _lodge(merchant, evidence=[png_upload() for _ in range(6)])
    assert not Complaint.objects.exists()


def test_unregistered_business_needs_name_and_county():
    with pytest.raises(DomainError, match="Name the business"):
        _lodge(None, business_name="", region=region("330106"))
    complaint = _lodge(None, business_name="路边水果摊", region=region("330106"))
    assert complaint.business_display == "路边水果摊"


def test_intake_limit_per_phone(merchant, settings):
    settings.COMPLAINT_INTAKE_LIMITS = {"hour": 2, "day": 20}
    _lodge(merchant)
    _lodge(merchant)
    with pytest.raises(DomainError, match="Too many complaints"):
        _lodge(merchant)
    assert Complaint.objects.count() == 2
    _lodge(merchant, complainant_phone="13900000000")


def test_intake_limit_per_address(merchant, settings):
    """The address has its own limits (COMPLAINT_ADDRESS_LIMITS), apart from the phone's."""
    settings.COMPLAINT_INTAKE_LIMITS = {"hour": 1, "day": 20}
    settings.COMPLAINT_ADDRESS_LIMITS = {"hour": 2, "day": 20}
    for phone in ("13800000001", "13800000002"):
        _lodge(merchant, complainant_phone=phone, ip="10.0.0.9")
    with pytest.raises(DomainError, match="Too many complaints from this connection"):
        _lodge(merchant, complainant_phone="13800000003", ip="10.0.0.9")
    _lodge(merchant, complainant_phone="13800000003", ip="10.0.0.10")


def test_likely_duplicates_are_found(merchant, other_merchant):
    first = _lodge(merchant)
    assert svc.complaint_likely_duplicates(phone="13812341234", merchant=merchant) == [first]
    assert svc.complaint_likely_duplicates(phone="13812341234", merchant=other_merchant) == []


def test_merchant_settles_with_a_proposal_the_consumer_accepts(complaint, county_regulator, owner):
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    assert complaint.state == C.WITH_MERCHANT
    assert complaint.merchant_due and complaint.close_due and complaint.handler == county_regulator
    svc.complaint_propose(actor=owner, complaint=complaint, proposal="全额退款268元")
    assert complaint.state == C.PROPOSED
    svc.complaint_accept_proposal(complaint=complaint)
    assert complaint.state == C.SETTLED and complaint.agreement == "全额退款268元"
    assert complaint.closed_at is not None
    svc.complaint_rate(complaint=complaint, rating=5, comment="处理及时")
    assert complaint.rating == 5
    with pytest.raises(DomainError, match="already been rated"):
        svc.complaint_rate(complaint=complaint, rating=1)
    path = list(complaint.events.exclude(to_state="").values_list("from_state", "to_state"))
    assert path == [
        ("", C.SUBMITTED),
        (C.SUBMITTED, C.ACCEPTED),
        (C.ACCEPTED, C.WITH_MERCHANT),
        (C.WITH_MERCHANT, C.PROPOSED),
        (C.PROPOSED, C.SETTLED),
    ]


def test_rejected_proposal_goes_to_mediation_which_can_fail(complaint, county_regulator, owner):
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    svc.complaint_propose(actor=owner, complaint=complaint, proposal="退一半")
    svc.complaint_reject_proposal(complaint=complaint, text="要求全额退款")
    assert complaint.state == C.MEDIATION
    with pytest.raises(DomainError, match="why mediation failed"):
        svc.complaint_mediation_fail(actor=county_regulator, complaint=complaint, text=" ")
    svc.complaint_mediation_fail(actor=county_regulator, complaint=complaint, text="双方分歧较大")
    assert complaint.state == C.MEDIATION_FAILED


def test_disputed_complaint_is_mediated_to_an_agreement(complaint, city_regulator, owner):
    svc.complaint_accept(actor=city_regulator, complaint=complaint)
    svc.complaint_dispute(actor=owner, complaint=complaint, text="商品已拆封")
    svc.complaint_settle(actor=city_regulator, complaint=complaint, agreement="换货一次")
    assert complaint.state == C.SETTLED and complaint.agreement == "换货一次"


def test_decline_needs_a_legal_ground(complaint, county_regulator):
    with pytest.raises(DomainError, match="legal ground"):
        svc.complaint_decline(actor=county_regulator, complaint=complaint, ground="because")
    with pytest.raises(DomainError, match="Explain"):
        svc.complaint_decline(actor=county_regulator, complaint=complaint, ground="other")
    svc.complaint_decline(actor=county_regulator, complaint=complaint, ground="too_old")
    assert complaint.state == C.DECLINED and complaint.decline_ground == "too_old"


def test_consumer_withdraws_after_acceptance_and_cannot_rate_twice(complaint, county_regulator):
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    svc.complaint_withdraw(complaint=complaint, text="已私下解决")
    assert complaint.state == C.WITHDRAWN
    svc.complaint_rate(complaint=complaint, rating=3)
    assert complaint.rating == 3
    with pytest.raises(DomainError, match="already been rated"):
        svc.complaint_rate(complaint=complaint, rating=1)


def test_reopen_within_fifteen_days_only(complaint, county_regulator, owner):
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    svc.complaint_propose(actor=owner, complaint=complaint, proposal="退款")
    svc.complaint_accept_proposal(complaint=complaint)
    svc.complaint_reopen(complaint=complaint, text="商家未退款")
    assert complaint.state == C.MEDIATION and complaint.closed_at is None
    svc.complaint_settle(actor=county_regulator, complaint=complaint, agreement="三日内退款")
    Complaint.objects.filter(pk=complaint.pk).update(closed_at=timezone.now() - timedelta(days=16))
    with pytest.raises(DomainError, match="15 days"):
        svc.complaint_reopen(complaint=complaint, text="仍未退款")


def test_rating_only_after_closing(complaint):
    with pytest.raises(DomainError, match="once its handling is over"):
        svc.complaint_rate(complaint=complaint, rating=4)


def test_regulator_of_another_county_cannot_act(complaint, other_county_regulator):
    with pytest.raises(DomainError, match="do not handle"):
        svc.complaint_accept(actor=other_county_regulator, complaint=complaint)
    assert Complaint.objects.get(pk=complaint.pk).state == C.SUBMITTED


def test_regulator_without_the_capability_cannot_act(complaint, county_regulator):
    county_regulator.can_handle_complaints = False
    county_regulator.save()
    with pytest.raises(DomainError):
        svc.complaint_accept(actor=county_regulator, complaint=complaint)


def test_another_merchant_cannot_answer(complaint, county_regulator, other_owner):
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    with pytest.raises(DomainError, match="merchant's people"):
        svc.complaint_propose(actor=other_owner, complaint=complaint, proposal="退款")


ALL = [s.value for s in C]
ILLEGAL = [(f, t) for f in ALL for t in ALL if t not in svc.TRANSITIONS[f]]


@pytest.mark.parametrize(("from_state", "to_state"), ILLEGAL)
def test_every_illegal_transition_is_refused(complaint, from_state, to_state):
    _move(complaint, from_state)
    with pytest.raises(DomainError, match="cannot become"), transaction.atomic():
        svc.complaint_transition(complaint, to=to_state, actor=None, role="system")
    assert Complaint.objects.get(pk=complaint.pk).state == from_state
    assert complaint.events.count() == 1


def test_sweep_flags_late_steps_and_sends_silent_merchants_to_mediation(merchant, county_regulator):
    late_decision = _lodge(merchant, complainant_phone="13800000011")
    silent = _lodge(merchant, complainant_phone="13800000012")
    svc.complaint_accept(actor=county_regulator, complaint=silent)
    on_time = _lodge(merchant, complainant_phone="13800000013")
    later = timezone.localdate() + timedelta(days=30)
    result = svc.complaints_sweep_deadlines(today=later)
    assert result == {"overdue": 2, "to_mediation": 1}
    late_decision.refresh_from_db()
    silent.refresh_from_db()
    on_time.refresh_from_db()
    assert late_decision.is_overdue and on_time.is_overdue
    assert silent.state == C.MEDIATION
    event = silent.events.last()
    assert (event.role, event.from_state, event.to_state) == (
        ComplaintEvent.Role.SYSTEM,
        C.WITH_MERCHANT,
        C.MEDIATION,
    )
    assert svc.complaints_sweep_deadlines(today=later) == {"overdue": 0, "to_mediation": 0}
    assert silent.events.filter(role=ComplaintEvent.Role.SYSTEM).count() == 1
    from merchants.models import Notification

    assert Notification.objects.filter(key=f"complaint-silent:{silent.pk}").count() == 1


def test_phone_is_masked_for_merchants(complaint):
    assert complaint.masked_phone == "*******1234"


def test_transition_table_covers_every_state():
    assert set(svc.TRANSITIONS) == set(ALL)


def test_each_step_reaches_the_merchant_inbox_and_the_consumer_mail(
    merchant, owner, county_regulator, django_capture_on_commit_callbacks
):
    from django.core import mail

    from merchants.models import Notification

    complaint = _lodge(merchant, complainant_email="liu@example.com")
    assert not Notification.objects.filter(user=owner).exists()
    with django_capture_on_commit_callbacks(execute=True):
        svc.complaint_accept(actor=county_regulator, complaint=complaint)
    notes = Notification.objects.filter(user=owner)
    assert notes.count() == 2  # accepted, then passed to the merchant
    consumer_mail = [m for m in mail.outbox if m.to == ["liu@example.com"]]
    assert len(consumer_mail) == 2
    assert complaint.tracking_token in consumer_mail[0].body
    with django_capture_on_commit_callbacks(execute=True):
        svc.complaint_propose(actor=owner, complaint=complaint, proposal="退款")
    assert len([m for m in mail.outbox if m.to == ["liu@example.com"]]) == 3
    with django_capture_on_commit_callbacks(execute=True):
        svc.complaint_accept_proposal(complaint=complaint)
    # The consumer's own step is not mailed back to them.
    assert len([m for m in mail.outbox if m.to == ["liu@example.com"]]) == 3


def test_claim_makes_one_handler(
    complaint, county_regulator, city_regulator, other_county_regulator
):
    with pytest.raises(DomainError, match="do not handle"):
        svc.complaint_claim(actor=other_county_regulator, complaint=complaint)
    svc.complaint_claim(actor=county_regulator, complaint=complaint)
    assert complaint.handler == county_regulator
    svc.complaint_claim(actor=county_regulator, complaint=complaint)
    assert complaint.events.filter(role="regulator", to_state="").count() == 1
    with pytest.raises(DomainError, match="Another regulator"):
        svc.complaint_claim(actor=city_regulator, complaint=complaint)


def test_sweep_tells_the_handler_of_an_overdue_complaint_once(complaint, county_regulator):
    from merchants.models import Notification

    svc.complaint_claim(actor=county_regulator, complaint=complaint)
    later = timezone.localdate() + timedelta(days=30)
    svc.complaints_sweep_deadlines(today=later)
    svc.complaints_sweep_deadlines(today=later)
    notes = Notification.objects.filter(user=county_regulator)
    assert list(notes.values_list("key", flat=True)) == [f"complaint-overdue:{complaint.pk}"]


def test_a_failing_evidence_write_leaves_no_file_behind(merchant, settings, monkeypatch):
    from django.db.models import Model

    calls = {"n": 0}
    real_save = Model.save

    def failing_second_save(self, *args, **kwargs):
        if isinstance(self, ComplaintEvidence):
            calls["n"] += 1
            if calls["n"] == 2:
                raise OSError("disk full")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Model, "save", failing_second_save)
    with pytest.raises(OSError):
        _lodge(merchant, evidence=[pdf_upload(), png_upload()])
    assert not Complaint.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))
