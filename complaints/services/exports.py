"""Complaints leaving the platform with their consumers' personal data: a list exported (CSV,
XLSX) or a case file printed. Each is written to the audit log: who, when, what and how many."""

from typing import Any

from complaints.models import Complaint
from merchants.models import AuditEntry, User
from merchants.services.audit import audit_log


def complaint_export_record(
    *,
    actor: User,
    file_format: str,
    source: str,
    criteria: dict[str, Any],
    rows: int,
    total: int,
) -> AuditEntry:
    """An export of a complaint list: `source` is where it was taken (the queue page, the API),
    `criteria` the tab, filters and search that chose the rows."""
    return audit_log(
        actor=actor,
        action="complaint.export",
        obj=f"{source} {file_format}: {rows} complaints",
        data={
            "format": file_format,
            "source": source,
            "criteria": criteria,
            "rows": rows,
            "total": total,
            "truncated": total > rows,
        },
    )


def complaint_case_file_record(*, actor: User, complaint: Complaint) -> AuditEntry:
    """A case file opened for printing: the whole complaint with the consumer's contact."""
    return audit_log(
        actor=actor,
        action="complaint.case_file",
        obj=complaint.reference,
        data={"complaint": complaint.pk, "number": complaint.number},
    )
