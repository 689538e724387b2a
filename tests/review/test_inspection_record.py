"""Recording a visit and the rectification that follows: the rules and the state machine."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from common.errors import DomainError
from merchants.models import Notification
from review.models import Inspection, InspectionEvent, InspectionFile, Rectification
from review.services.inspections import (
    TRANSITIONS,
    inspection_record,
    rectification_accept,
    rectification_reject,
    rectification_submit,
)
from tests.factories import InspectionFactory, pdf_upload, png_upload

pytestmark = pytest.mark.django_db

S = Inspection.State


@pytest.fixture
def inspection(merchant, county_regulator) -> Inspection:
    return InspectionFactory(merchant=merchant, inspector=county_regulator)


def _answers(inspection: Inspection, **overrides: str) -> dict[str, str]:
    answers = {item["code"]: "yes" for item in inspection.checklist}
    answers.update({code.replace("_", "-"): value for code, value in overrides.items()})
    return answers


def _fail(inspection: Inspection, actor) -> Inspection:
    return inspection_record(
        actor=actor,
        inspection=inspection,
        answers=_answers(inspection, licence_displayed="no"),
        result="fail",
        findings="Hang the business licence where customers can see it.",
        notes="Owner was polite.",
    )


def test_pass_closes_the_visit_with_score_event_and_notification(
    inspection, county_regulator, owner
):
    inspection_record(
        actor=county_regulator, inspection=inspection, answers=_answers(inspection), result="pass"
    )
    inspection.refresh_from_db()
    assert inspection.state == S.CLOSED and inspection.result == "pass"
    assert inspection.score == 100 and inspection.visited_at and inspection.closed_at
    assert inspection.recorded_by == county_regulator
    assert inspection.rectification_due is None
    event = inspection.events.get(action=InspectionEvent.Action.RECORDED)
    assert (event.from_state, event.to_state, event.actor) == (
        S.SCHEDULED,
        S.CLOSED,
        county_regulator,
    )
    notice = Notification.objects.get(user=owner)
    with translation.override("en"):
        assert notice.subject == "Inspection result: Pass"
    with translation.override("zh-hans"):
        assert notice.subject.startswith("检查结果") and "Pass" not in notice.subject


def test_fail_opens_the_rectification_with_a_deadline(inspection, county_regulator):
    _fail(inspection, county_regulator)
    inspection.refresh_from_db()
    assert inspection.state == S.RECTIFYING and inspection.result == "fail"
    assert inspection.rectification_due == timezone.localdate() + timedelta(days=15)
    assert [item["code"] for item in inspection.failed_items] == ["licence-displayed"]
    assert inspection.score == 85


@pytest.mark.parametrize("result", ["pass", "rectify"])
def test_a_critical_item_not_met_forces_fail(inspection, county_regulator, result):
    with pytest.raises(
        DomainError, match=r"critical item is not met \(No counterfeit or shoddy goods found\)"
    ):
        inspection_record(
            actor=county_regulator,
            inspection=inspection,
            answers=_answers(inspection, no_counterfeits="no"),
            result=result,
            findings="Counterfeit goods on the shelf.",
        )
    inspection.refresh_from_db()
    assert inspection.state == S.SCHEDULED and inspection.visited_at is None


def test_pass_below_the_pass_score_is_refused(inspection, county_regulator):
    answers = _answers(
        inspection, prices_marked="no", commitments_posted="no", complaint_channel="no"
    )
    with pytest.raises(DomainError, match="score is 65, below the pass score of 80"):
        inspection_record(
            actor=county_regulator, inspection=inspection, answers=answers, result="pass"
        )
    inspection_record(
        actor=county_regulator,
        inspection=inspection,
        answers=answers,
        result="rectify",
        findings="Mark prices; post the commitments and the complaint channel.",
    )
    inspection.refresh_from_db()
    assert inspection.state == S.RECTIFYING and inspection.score == 65


@pytest.mark.parametrize("result", ["rectify", "fail"])
def test_findings_are_required_for_rectify_and_fail(inspection, county_regulator, result):
    with pytest.raises(DomainError, match="findings are required"):
        inspection_record(
            actor=county_regulator,
            inspection=inspection,
            answers=_answers(inspection, prices_marked="no"),
            result=result,
            findings="   ",
        )


def test_every_item_must_be_answered(inspection, county_regulator):
    answers = _answers(inspection)
    for code in list(answers)[:3]:
        del answers[code]
    with pytest.raises(DomainError, match="3 left"):
        inspection_record(
            actor=county_regulator, inspection=inspection, answers=answers, result="pass"
        )
    answers = {code: "maybe" for code in _answers(inspection)}
    with pytest.raises(DomainError, match="Answer every checklist item"):
        inspection_record(
            actor=county_regulator, inspection=inspection, answers=answers, result="pass"
        )


def test_not_applicable_items_do_not_count_but_one_must_apply(inspection, county_regulator):
    with pytest.raises(DomainError, match="At least one checklist item must apply"):
        inspection_record(
            actor=county_regulator,
            inspection=inspection,
            answers={code: "na" for code in _answers(inspection)},
            result="pass",
        )
    answers = {code: "na" for code in _answers(inspection)} | {"prices-marked": "yes"}
    inspection_record(actor=county_regulator, inspection=inspection, answers=answers, result="pass")
    inspection.refresh_from_db()
    assert inspection.score == 100


def test_only_an_assigned_inspector_records(inspection, city_regulator, owner):
    for actor in (city_regulator, owner):
        with pytest.raises(DomainError, match="Only an inspector assigned"):
            inspection_record(
                actor=actor, inspection=inspection, answers=_answers(inspection), result="pass"
            )


def test_photos_are_stored_and_must_be_images(inspection, county_regulator):
    with pytest.raises(DomainError, match="is not a photo"):
        inspection_record(
            actor=county_regulator,
            inspection=inspection,
            answers=_answers(inspection),
            result="pass",
            photos=[pdf_upload()],
        )
    inspection_record(
        actor=county_regulator,
        inspection=inspection,
        answers=_answers(inspection),
        result="pass",
        photos=[png_upload("front.png"), png_upload("shelf.png")],
    )
    photos = inspection.files.filter(kind=InspectionFile.Kind.PHOTO)
    assert sorted(photos.values_list("original_name", flat=True)) == ["front.png", "shelf.png"]


def test_a_visit_is_recorded_once(inspection, county_regulator):
    inspection_record(
        actor=county_regulator, inspection=inspection, answers=_answers(inspection), result="pass"
    )
    with pytest.raises(DomainError, match="cannot become"):
        _fail(inspection, county_regulator)


def test_rectification_submit_accept(inspection, county_regulator, owner):
    _fail(inspection, county_regulator)
    rectification = rectification_submit(
        actor=owner,
        inspection=inspection,
        report="The licence now hangs at the entrance.",
        files=[png_upload("licence-on-wall.png")],
    )
    inspection.refresh_from_db()
    assert inspection.state == S.RECTIFICATION_SUBMITTED
    assert rectification.files.get().kind == InspectionFile.Kind.RECTIFICATION
    with translation.override("en"):
        assert "rectification report" in Notification.objects.get(user=county_regulator).subject
    rectification_accept(actor=county_regulator, inspection=inspection)
    inspection.refresh_from_db()
    rectification.refresh_from_db()
    assert inspection.state == S.CLOSED and inspection.closed_at
    assert rectification.decision == Rectification.Decision.ACCEPTED
    assert rectification.decided_by == county_regulator
    assert list(inspection.events.values_list("action", flat=True)) == [
        "recorded",
        "rectification_submitted",
        "rectification_accepted",
    ]


def test_rectification_reject_needs_a_reason_and_reopens(inspection, county_regulator, owner):
    _fail(inspection, county_regulator)
    rectification_submit(actor=owner, inspection=inspection, report="Done.")
    with pytest.raises(DomainError, match="Say why"):
        rectification_reject(actor=county_regulator, inspection=inspection, reason=" ")
    rectification_reject(
        actor=county_regulator, inspection=inspection, reason="No photo of the licence."
    )
    inspection.refresh_from_db()
    assert inspection.state == S.RECTIFYING
    assert inspection.rectifications.get().decision == "rejected"
    event = inspection.events.get(action="rectification_rejected")
    assert event.note == "No photo of the licence."
    # A second report, this time accepted.
    rectification_submit(actor=owner, inspection=inspection, report="Photo attached.")
    rectification_accept(actor=county_regulator, inspection=inspection)
    inspection.refresh_from_db()
    assert inspection.state == S.CLOSED
    assert list(inspection.rectifications.values_list("decision", flat=True)) == [
        "rejected",
        "accepted",
    ]


def test_only_the_merchants_people_submit_and_a_report_is_required(
    inspection, county_regulator, other_owner, owner
):
    _fail(inspection, county_regulator)
    for actor in (other_owner, county_regulator):
        with pytest.raises(DomainError, match="Only someone working for this merchant"):
            rectification_submit(actor=actor, inspection=inspection, report="Done.")
    with pytest.raises(DomainError, match="Describe what was put right"):
        rectification_submit(actor=owner, inspection=inspection, report="  ")


def test_only_an_assigned_inspector_decides(inspection, county_regulator, city_regulator, owner):
    _fail(inspection, county_regulator)
    rectification_submit(actor=owner, inspection=inspection, report="Done.")
    for actor in (city_regulator, owner):
        with pytest.raises(DomainError, match="Only an inspector assigned"):
            rectification_accept(actor=actor, inspection=inspection)
    inspection.refresh_from_db()
    assert inspection.state == S.RECTIFICATION_SUBMITTED


def test_illegal_moves_are_refused(inspection, county_regulator, owner):
    # Scheduled: no rectification, no decision.
    with pytest.raises(DomainError, match="cannot become"):
        rectification_submit(actor=owner, inspection=inspection, report="Done.")
    with pytest.raises(DomainError, match="no rectification report"):
        rectification_accept(actor=county_regulator, inspection=inspection)
    # Rectifying: no second report before a decision; no decision without a report.
    _fail(inspection, county_regulator)
    with pytest.raises(DomainError, match="no rectification report"):
        rectification_accept(actor=county_regulator, inspection=inspection)
    rectification_submit(actor=owner, inspection=inspection, report="Done.")
    with pytest.raises(DomainError, match="cannot become"):
        rectification_submit(actor=owner, inspection=inspection, report="Again.")
    rectification_accept(actor=county_regulator, inspection=inspection)
    # Closed: final.
    with pytest.raises(DomainError, match="no rectification report"):
        rectification_reject(actor=county_regulator, inspection=inspection, reason="Changed mind")
    with pytest.raises(DomainError, match="cannot become"):
        rectification_submit(actor=owner, inspection=inspection, report="More.")
    assert TRANSITIONS[S.CLOSED] == frozenset() and TRANSITIONS[S.CANCELLED] == frozenset()
