"""The declaration state machine, exercised directly through its services."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import translation

from common.errors import DomainError
from merchants.models import Declaration, DeclarationDocument, DeclarationEvent
from merchants.models import DeclarationState as S
from merchants.services import declarations as svc
from tests.factories import (
    PDF_BYTES,
    DeclarationFactory,
    MerchantFactory,
    pdf_upload,
    png_upload,
    scheme,
)

pytestmark = pytest.mark.django_db


def _complete(declaration: Declaration, actor) -> Declaration:
    s = declaration.scheme
    details = {"return_days": 15, "goods_covered": "服装、鞋帽", "cross_store_returns": True}
    svc.declaration_update(
        actor=actor, declaration=declaration, commitments=s.commitments.all(), details=details
    )
    for doc in s.required_documents.filter(is_mandatory=True):
        svc.declaration_attach_document(
            actor=actor, declaration=declaration, required_document=doc, upload=pdf_upload()
        )
    return declaration


@pytest.fixture
def draft(owner, merchant):
    d = svc.declaration_create(actor=owner, merchant=merchant, scheme=scheme("no-reason-return"))
    return _complete(d, owner)


@pytest.fixture
def submit(django_capture_on_commit_callbacks):
    def _submit(declaration, actor):
        with django_capture_on_commit_callbacks(execute=True):
            svc.declaration_submit(actor=actor, declaration=declaration)
        declaration.refresh_from_db()
        return declaration

    return _submit


def _move(declaration: Declaration, state: str) -> Declaration:
    """Put a declaration straight into a state, to test what may leave it."""
    Declaration.objects.filter(pk=declaration.pk).update(state=state)
    declaration.refresh_from_db()
    return declaration


def test_submit_runs_screening_and_records_every_step(draft, owner, submit):
    submit(draft, owner)
    assert draft.state == S.PENDING_REVIEW
    assert draft.submitted_at is not None
    events = list(draft.events.values_list("from_state", "to_state", "actor__username"))
    assert events == [
        ("", S.DRAFT, "alice"),
        (S.DRAFT, S.SUBMITTED, "alice"),
        (S.SUBMITTED, S.SCREENING, None),
        (S.SCREENING, S.PENDING_REVIEW, None),
    ]


def test_review_path_to_approval_then_revocation(draft, owner, county_regulator, submit):
    submit(draft, owner)
    svc.declaration_claim(actor=county_regulator, declaration=draft)
    assert draft.state == S.UNDER_REVIEW
    svc.declaration_approve(actor=county_regulator, declaration=draft)
    assert draft.state == S.APPROVED and draft.decided_at is not None
    svc.declaration_revoke(actor=county_regulator, declaration=draft, reason="假冒商品")
    assert draft.state == S.REVOKED
    last = draft.events.last()
    assert (last.actor, last.from_state, last.to_state, last.reason) == (
        county_regulator,
        S.APPROVED,
        S.REVOKED,
        "假冒商品",
    )


def test_returned_declaration_is_amended_and_resubmitted(draft, owner, city_regulator, submit):
    submit(draft, owner)
    svc.declaration_claim(actor=city_regulator, declaration=draft)
    svc.declaration_return(actor=city_regulator, declaration=draft, comments="请补充门店公示照片")
    assert draft.state == S.RETURNED and draft.is_editable
    assert draft.reviewer == city_regulator
    svc.declaration_update(
        actor=owner,
        declaration=draft,
        commitments=draft.scheme.commitments.all(),
        details={"return_days": 30, "goods_covered": "全部商品"},
    )
    submit(draft, owner)
    assert draft.state == S.PENDING_REVIEW
    assert draft.reviewer is None and draft.claimed_at is None
    resubmit = draft.events.filter(from_state=S.RETURNED).get()
    assert resubmit.to_state == S.SUBMITTED and resubmit.reason == ""
    assert resubmit.message == {"code": "declaration.resubmitted", "params": {}}
    with translation.override("zh-hans"):
        assert resubmit.reason_text == "修改后重新提交"
    with translation.override("en"):
        assert resubmit.reason_text == "Resubmitted after amendment"


def test_rejection_needs_a_reason_and_closes(draft, owner, county_regulator, submit):
    submit(draft, owner)
    svc.declaration_claim(actor=county_regulator, declaration=draft)
    with pytest.raises(DomainError, match="reason"):
        svc.declaration_reject(actor=county_regulator, declaration=draft, reason="  ")
    svc.declaration_reject(actor=county_regulator, declaration=draft, reason="近期有行政处罚")
    assert draft.state == S.REJECTED


def test_return_needs_comments(draft, owner, county_regulator, submit):
    submit(draft, owner)
    svc.declaration_claim(actor=county_regulator, declaration=draft)
    with pytest.raises(DomainError):
        svc.declaration_return(actor=county_regulator, declaration=draft, comments="")
    assert Declaration.objects.get(pk=draft.pk).state == S.UNDER_REVIEW


def test_release_puts_a_claimed_declaration_back(draft, owner, county_regulator, submit):
    submit(draft, owner)
    svc.declaration_claim(actor=county_regulator, declaration=draft)
    svc.declaration_release(actor=county_regulator, declaration=draft)
    assert draft.state == S.PENDING_REVIEW


def test_screening_failure_goes_back_to_merchant_and_can_be_resubmitted(draft, owner, submit):
    svc.declaration_submit(actor=owner, declaration=draft)  # on_commit not run: stays submitted
    svc.declaration_screening_start(declaration=draft)
    svc.declaration_screening_finish(declaration=draft, passed=False, reason="营业执照已过期")
    assert draft.state == S.SCREENING_FAILED and draft.is_editable
    submit(draft, owner)
    assert draft.state == S.PENDING_REVIEW


def test_expiry_and_withdrawal_of_an_approved_declaration(owner, merchant):
    d = _move(DeclarationFactory(merchant=merchant, created_by=owner), S.APPROVED)
    svc.declaration_expire(declaration=d, reason="有效期届满")
    assert d.state == S.EXPIRED
    d2 = _move(DeclarationFactory(merchant=merchant, created_by=owner), S.APPROVED)
    svc.declaration_withdraw(actor=owner, declaration=d2, reason="停业")
    assert d2.state == S.WITHDRAWN


@pytest.mark.parametrize("state", [S.DRAFT, S.SUBMITTED, S.PENDING_REVIEW, S.RETURNED])
def test_merchant_can_withdraw_open_declaration(owner, merchant, state):
    d = _move(DeclarationFactory(merchant=merchant, created_by=owner), state)
    svc.declaration_withdraw(actor=owner, declaration=d)
    assert d.state == S.WITHDRAWN
    assert d.events.get().from_state == state


ALL_STATES = [s.value for s in S]
ILLEGAL = [(f, t) for f in ALL_STATES for t in ALL_STATES if t not in svc.TRANSITIONS[f]]


@pytest.mark.parametrize(("from_state", "to_state"), ILLEGAL)
def test_every_illegal_transition_is_refused(owner, merchant, from_state, to_state):
    d = _move(DeclarationFactory(merchant=merchant, created_by=owner), from_state)
    with pytest.raises(DomainError, match="cannot become"), transaction.atomic():
        svc._transition(d, to=to_state, actor=owner)
    assert Declaration.objects.get(pk=d.pk).state == from_state
    assert not DeclarationEvent.objects.filter(declaration=d).exists()


@pytest.mark.parametrize("state", [S.APPROVED, S.REJECTED, S.UNDER_REVIEW, S.WITHDRAWN])
def test_submit_refused_outside_editable_states(owner, merchant, state):
    d = _move(DeclarationFactory(merchant=merchant, created_by=owner), state)
    with pytest.raises(DomainError, match="cannot be submitted"):
        svc.declaration_submit(actor=owner, declaration=d)


def test_transition_table_covers_every_state():
    assert set(svc.TRANSITIONS) == set(ALL_STATES)
    for targets in svc.TRANSITIONS.values():
        assert targets <= set(ALL_STATES)


def test_regulator_of_another_county_cannot_decide(draft, owner, other_county_regulator, submit):
    submit(draft, owner)
    with pytest.raises(DomainError, match="not a reviewer"):
        svc.declaration_claim(actor=other_county_regulator, declaration=draft)
    assert Declaration.objects.get(pk=draft.pk).state == S.PENDING_REVIEW


def test_merchant_cannot_approve_its_own_declaration(draft, owner, submit):
    submit(draft, owner)
    with pytest.raises(DomainError):
        svc.declaration_claim(actor=owner, declaration=draft)


def test_missing_commitment_blocks_submission(owner, merchant):
    s = scheme("no-reason-return")
    d = svc.declaration_create(actor=owner, merchant=merchant, scheme=s)
    svc.declaration_update(
        actor=owner,
        declaration=d,
        commitments=s.commitments.all()[1:],
        details={"return_days": 7, "goods_covered": "全部"},
    )
    for doc in s.required_documents.filter(is_mandatory=True):
        svc.declaration_attach_document(
            actor=owner, declaration=d, required_document=doc, upload=png_upload()
        )
    with pytest.raises(DomainError, match="Commitment not accepted"):
        svc.declaration_submit(actor=owner, declaration=d)
    d.refresh_from_db()
    assert d.state == S.DRAFT and d.submitted_at is None
    assert d.events.count() == 1


def test_missing_document_blocks_submission(owner, merchant):
    s = scheme("assured-unit")
    d = svc.declaration_create(actor=owner, merchant=merchant, scheme=s)
    svc.declaration_update(actor=owner, declaration=d, commitments=s.commitments.all())
    with pytest.raises(DomainError, match="Document missing"):
        svc.declaration_submit(actor=owner, declaration=d)


def test_return_window_under_seven_days_is_refused(owner, merchant):
    d = svc.declaration_create(actor=owner, merchant=merchant, scheme=scheme("no-reason-return"))
    with pytest.raises(DomainError, match="at least 7 days") as exc:
        svc.declaration_update(
            actor=owner, declaration=d, commitments=[], details={"return_days": 5}
        )
    assert exc.value.field == "return_days"
    assert Declaration.objects.get(pk=d.pk).details == {}


def test_commitment_of_another_scheme_is_refused(owner, merchant):
    d = svc.declaration_create(actor=owner, merchant=merchant, scheme=scheme("assured-unit"))
    with pytest.raises(DomainError, match="does not belong"):
        svc.declaration_update(
            actor=owner, declaration=d, commitments=scheme("assured-factory").commitments.all()
        )


def test_second_open_declaration_is_refused_with_explanation(owner, merchant):
    s = scheme("assured-unit")
    svc.declaration_create(actor=owner, merchant=merchant, scheme=s)
    with pytest.raises(DomainError, match="already has an open declaration"):
        svc.declaration_create(actor=owner, merchant=merchant, scheme=s)
    assert Declaration.objects.filter(merchant=merchant, scheme=s).count() == 1


def test_database_constraint_enforces_one_open_declaration(owner, merchant):
    s = scheme("assured-unit")
    DeclarationFactory(merchant=merchant, scheme=s, created_by=owner)
    with pytest.raises(IntegrityError), transaction.atomic():
        Declaration.objects.create(
            merchant=merchant, region=merchant.region, scheme=s, created_by=owner
        )


def test_closed_declaration_allows_a_new_one(owner, merchant):
    s = scheme("assured-unit")
    first = svc.declaration_create(actor=owner, merchant=merchant, scheme=s)
    svc.declaration_withdraw(actor=owner, declaration=first)
    second = svc.declaration_create(actor=owner, merchant=merchant, scheme=s)
    assert second.state == S.DRAFT


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("licence.pdf", b"just some text", "application/pdf"), "not a PDF"),
        (SimpleUploadedFile("empty.png", b"", "image/png"), "empty"),
        (
            SimpleUploadedFile(
                "huge.pdf", PDF_BYTES + b"0" * (10 * 1024 * 1024), "application/pdf"
            ),
            "limit",
        ),
        (SimpleUploadedFile("x.exe", b"MZ\x90\x00" + b"\x00" * 64, "application/pdf"), "not a PDF"),
    ],
)
def test_bad_upload_is_refused_and_nothing_is_saved(owner, merchant, settings, upload, message):
    d = svc.declaration_create(actor=owner, merchant=merchant, scheme=scheme("assured-unit"))
    doc = d.scheme.required_documents.first()
    with pytest.raises(DomainError, match=message):
        svc.declaration_attach_document(
            actor=owner, declaration=d, required_document=doc, upload=upload
        )
    assert not DeclarationDocument.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_upload_is_stored_under_a_random_name_with_detected_type(owner, merchant):
    d = svc.declaration_create(actor=owner, merchant=merchant, scheme=scheme("assured-unit"))
    doc = svc.declaration_attach_document(
        actor=owner,
        declaration=d,
        required_document=d.scheme.required_documents.first(),
        upload=SimpleUploadedFile("../../etc/执照.jpg", PDF_BYTES, "image/jpeg"),
    )
    assert doc.content_type == "application/pdf"
    assert doc.file.name.endswith(".pdf") and ".." not in doc.file.name
    assert doc.original_name == "执照.jpg"


def test_documents_cannot_be_added_after_submission(draft, owner, submit):
    submit(draft, owner)
    with pytest.raises(DomainError):
        svc.declaration_attach_document(
            actor=owner,
            declaration=draft,
            required_document=draft.scheme.required_documents.first(),
            upload=pdf_upload(),
        )


def test_district_needs_two_registered_members(owner, merchant):
    s = scheme("assured-district")
    d = svc.declaration_create(actor=owner, merchant=merchant, scheme=s)
    members = MerchantFactory.create_batch(2)
    svc.declaration_update(
        actor=owner,
        declaration=d,
        commitments=s.commitments.all(),
        member_merchants=[merchant, members[0]],
    )
    assert list(d.member_merchants.all()) == [members[0]]
    assert any("two member" in p for p in svc.declaration_missing_items(d))
    svc.declaration_update(
        actor=owner, declaration=d, commitments=s.commitments.all(), member_merchants=members
    )
    assert not any("two member" in p for p in svc.declaration_missing_items(d))


def test_save_content_keeps_nothing_when_one_file_is_refused(owner, merchant, settings):
    s = scheme("no-reason-return")
    d = svc.declaration_create(actor=owner, merchant=merchant, scheme=s)
    first, second = s.required_documents.all()[:2]
    bad = SimpleUploadedFile("letter.pdf", b"not a pdf at all", "application/pdf")
    with pytest.raises(DomainError) as exc:
        svc.declaration_save_content(
            actor=owner,
            declaration=d,
            commitments=s.commitments.all(),
            details={"return_days": 10, "goods_covered": "全部"},
            uploads=[(first, pdf_upload()), (second, bad)],
        )
    assert exc.value.field == svc.document_field_name(second)
    d.refresh_from_db()
    assert d.details == {} and not d.accepted_commitments.exists()
    assert not DeclarationDocument.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))
