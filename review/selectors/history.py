"""The inspections part of a merchant's exported history (merchants.services.history), with the
coordinators' unscheduled visits in the regulators' copy only."""

from merchants.models import Merchant
from merchants.services.history import HistorySection, file_entry, record
from review.models import Inspection, InspectionFile, InspectionMethod
from review.selectors.patrols import patrol_list_for_merchant

# What the merchant's people never see of an inspection (as on their pages and API).
OWNER_HIDDEN = ("notes", "recorded_by")


def inspection_history(*, merchant: Merchant, full: bool) -> list[HistorySection]:
    """The merchant's inspections with their events, rectifications and files. The owner's copy
    (`full` False) leaves out internal notes, inspectors, visit photos and covert visits not yet
    recorded, as the merchant's pages do."""
    inspections = Inspection.objects.filter(merchant=merchant).prefetch_related(
        "events", "rectifications", "files", "assignments"
    )
    if not full:
        inspections = inspections.exclude(method=InspectionMethod.COVERT, visited_at__isnull=True)
    rows, files = [], []
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
    sections = [HistorySection("inspections", rows, files)]
    if full:
        sections.append(_patrol_section(merchant))
    return sections


def _patrol_section(merchant: Merchant) -> HistorySection:
    """The unscheduled visits that named the merchant, with their photos (never in the owner's
    copy: the merchant's people do not see visits)."""
    rows, files = [], []
    for patrol in patrol_list_for_merchant(merchant=merchant).order_by("visited_on", "pk"):
        row = record(patrol)
        entries = []
        for photo in patrol.photos.all():
            entry, stored = file_entry(f"patrols/{patrol.pk}", photo)
            entries.append(entry)
            files.append(stored)
        row["photos"] = entries
        rows.append(row)
    return HistorySection("patrols", rows, files)
