"""The review part of a merchant's history (merchants.services.history): the declarations'
screening, the inspections, and the coordinators' unscheduled visits in the regulators' copy
only — for the exported zip and the merchant's file."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from merchants.models import Merchant
from merchants.services.history import (
    Column,
    FileRow,
    HistorySection,
    TimelineEntry,
    file_entry,
    model_cells,
    model_columns,
    moment,
    record,
    shown,
)
from review.models import (
    Inspection,
    InspectionEvent,
    InspectionFile,
    InspectionMethod,
    ScreeningRun,
)
from review.rules.base import CheckOutcome
from review.selectors.patrols import patrol_list_for_merchant

# What the merchant's people never see of an inspection (as on their pages and API).
OWNER_HIDDEN = ("notes", "recorded_by")


def inspection_history(
    *, merchant: Merchant, full: bool, viewer: Any = None
) -> list[HistorySection]:
    """The merchant's inspections with their events, rectifications and files. The owner's copy
    (`full` False) leaves out internal notes, inspectors, visit photos and covert visits not yet
    recorded, as the merchant's pages do."""
    inspections = (
        Inspection.objects.filter(merchant=merchant)
        .select_related("campaign", "recorded_by")
        .prefetch_related("events", "rectifications", "files", "assignments__inspector")
    )
    if not full:
        inspections = inspections.exclude(method=InspectionMethod.COVERT, visited_at__isnull=True)
    rows, files, shown_rows, timeline = [], [], [], []
    for inspection in inspections.order_by("due_date", "pk"):
        row = record(inspection, exclude=() if full else OWNER_HIDDEN)
        if full:
            row["inspectors"] = [a.inspector_id for a in inspection.assignments.all()]
        row["events"] = [record(e) for e in inspection.events.all()]
        row["rectifications"] = [record(r) for r in inspection.rectifications.all()]
        entries = []
        for item in inspection.files.all():
            if not full and item.kind == InspectionFile.Kind.PHOTO:
                continue
            entry, stored = file_entry(f"inspections/{inspection.pk}", item)
            entries.append(entry)
            files.append(stored)
        row["files"] = entries
        rows.append(row)
        url = ""
        if viewer is not None:
            name = "inspection-record" if full else "merchant-inspection-detail"
            url = reverse(name, args=[inspection.pk])
        shown_rows.append(FileRow(_inspection_cells(inspection, full=full), url))
        timeline.extend(_inspection_timeline(inspection, url=url))
    columns = [
        Column("campaign", _("Campaign")),
        *model_columns(
            Inspection, ("method", "due_date", "visited_at", "state", "result", "score")
        ),
        Column("findings", _("Findings for the merchant")),
        Column("rectifications", _("Rectifications")),
    ]
    if full:
        columns += [Column("notes", _("Internal notes")), Column("inspectors", _("Inspectors"))]
    sections = [
        _screening_section(merchant, full=full),
        HistorySection(
            "inspections",
            rows,
            files,
            title=_("Inspections"),
            columns=columns,
            rows=shown_rows,
            timeline=timeline,
            order=30,
        ),
    ]
    if full:
        sections.append(_patrol_section(merchant, viewer=viewer))
    return sections


def _inspection_cells(inspection: Inspection, *, full: bool) -> dict[str, str]:
    cells = model_cells(
        inspection,
        ("method", "due_date", "visited_at", "state", "result", "score", "findings", "notes"),
    )
    cells["campaign"] = inspection.campaign.name
    cells["rectifications"] = "\n".join(
        f"{shown(r.submitted_at)}: {r.get_decision_display() or _('waiting for the check')}"
        for r in inspection.rectifications.all()
    )
    if full:
        cells["inspectors"] = ", ".join(
            a.inspector.display_name for a in inspection.assignments.all()
        )
    else:
        cells.pop("notes")
    return cells


def _inspection_timeline(inspection: Inspection, *, url: str) -> list[TimelineEntry]:
    head = _("Inspection (%(campaign)s)") % {"campaign": inspection.campaign.name}
    entries = []
    for event in inspection.events.all():
        text = f"{head} · {event.get_action_display()}"
        if event.note_text:
            text += f"\n{event.note_text}"
        entries.append(TimelineEntry(event.created_at, text, url))
    recorded = any(e.action == InspectionEvent.Action.RECORDED for e in inspection.events.all())
    if inspection.visited_at and not recorded:  # a visit recorded without its event (imports)
        text = f"{head} · {inspection.get_result_display() or _('visited')}"
        entries.append(TimelineEntry(inspection.visited_at, text, url))
    return entries


def _screening_section(merchant: Merchant, *, full: bool) -> HistorySection:
    """Each finished screening of the merchant's declarations: the merchant's people see the
    checks that failed or warned, with their reasons (as on the declaration page); the
    regulators every check, the run's note and who ran it again."""
    runs = (
        ScreeningRun.objects.filter(declaration__merchant=merchant)
        .exclude(outcome__in=["", ScreeningRun.Outcome.INTERRUPTED])
        .select_related("declaration__scheme", "triggered_by")
        .prefetch_related("checks")
        .order_by("started_at", "pk")
    )
    records, rows, timeline = [], [], []
    for run in runs:
        checks = [
            c
            for c in run.checks.all()
            if full or c.outcome in (CheckOutcome.FAIL, CheckOutcome.WARN)
        ]
        scheme = run.declaration.scheme.display_name
        url = reverse("declaration-detail", args=[run.declaration_id])
        records.append(
            {
                "id": run.pk,
                "declaration": run.declaration_id,
                "attempt": run.attempt,
                "started_at": run.started_at,
                "finished_at": run.finished_at,
                "outcome": run.outcome,
                **({"note": run.note_message} if full else {}),
                "checks": [
                    {
                        "rule": c.rule,
                        "outcome": c.outcome,
                        "reason_zh": c.reason_zh,
                        "reason_en": c.reason_en,
                        **({"data": c.data} if full else {}),
                    }
                    for c in checks
                ],
            }
        )
        cells = {
            "declaration": scheme,
            "started_at": shown(run.started_at),
            "outcome": str(run.get_outcome_display()),
            "checks": "\n".join(
                f"{c.get_outcome_display()} · {c.get_rule_display()}: {c.reason}" for c in checks
            ),
        }
        if full:
            cells["note"] = run.note
            cells["attempt"] = str(run.attempt)
            if run.triggered_by:
                cells["attempt"] += " · " + _("run again by %(name)s") % {
                    "name": run.triggered_by.display_name
                }
        rows.append(FileRow(cells, url))
        timeline.append(
            TimelineEntry(
                moment(run.finished_at or run.started_at),
                _("Screening of the declaration (%(scheme)s): %(outcome)s")
                % {"scheme": scheme, "outcome": run.get_outcome_display()},
                url,
            )
        )
    columns = [
        Column("declaration", _("Declaration")),
        Column("started_at", _("Screened")),
        Column("outcome", _("Outcome")),
        Column("checks", _("Checks") if full else _("Checks that failed or warned")),
    ]
    if full:
        columns += [Column("attempt", _("Attempt")), Column("note", _("Note"))]
    return HistorySection(
        "screening",
        records,
        title=_("Screening of the declarations"),
        columns=columns,
        rows=rows,
        timeline=timeline,
        order=4,
    )


def _patrol_section(merchant: Merchant, *, viewer: Any) -> HistorySection:
    """The unscheduled visits that named the merchant, with their photos (never in the owner's
    copy: the merchant's people do not see visits)."""
    rows, files, shown_rows, timeline = [], [], [], []
    for patrol in patrol_list_for_merchant(merchant=merchant).order_by("visited_on", "pk"):
        row = record(patrol)
        entries = []
        for photo in patrol.photos.all():
            entry, stored = file_entry(f"patrols/{patrol.pk}", photo)
            entries.append(entry)
            files.append(stored)
        row["photos"] = entries
        rows.append(row)
        url = reverse("patrol-detail", args=[patrol.pk]) if viewer is not None else ""
        cells = {
            **model_cells(patrol, ("visited_on", "findings")),
            "coordinator": patrol.recorded_by.display_name,
            "station": patrol.station.name if patrol.station_id else "",
            "photos": str(len(entries)),
        }
        shown_rows.append(FileRow(cells, url))
        timeline.append(
            TimelineEntry(
                moment(patrol.visited_on),
                _("Unscheduled visit by %(name)s: %(findings)s")
                % {"name": patrol.recorded_by.display_name, "findings": patrol.findings},
                url,
            )
        )
    return HistorySection(
        "patrols",
        rows,
        files,
        title=_("Unscheduled visits by coordinators"),
        columns=[
            Column("visited_on", _("Date of the visit")),
            Column("coordinator", _("Coordinator")),
            Column("station", _("Liaison station")),
            Column("findings", _("Findings")),
            Column("photos", _("Photos")),
        ],
        rows=shown_rows,
        timeline=timeline,
        order=31,
    )
