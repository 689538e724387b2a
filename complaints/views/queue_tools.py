"""The regulator's queue tools: what the queue page's search and filters ask for, the export of
the list they choose (CSV, XLSX) and one complaint's printable case file.

Only complaint handlers have these pages (anyone else gets a 404), and every list is the
handler's scoped queue: a county regulator never exports another county's complaint.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from common.csv import csv_response
from common.pages import only_for
from common.xlsx import xlsx_response
from complaints.forms.desks import QueueFilterForm
from complaints.permissions import full_contact_rule, is_complaint_handler
from complaints.selectors import complaints as selectors
from complaints.selectors.complaints import ComplaintQueueFilters, ComplaintQueueTab
from complaints.selectors.exports import ComplaintExport, complaint_export
from complaints.services.exports import complaint_case_file_record, complaint_export_record
from merchants.selectors import county_list

handler_required = only_for(is_complaint_handler)


@dataclass(frozen=True)
class QueueRequest:
    """The queue's tab and the filters of the query string (none while the form has errors)."""

    tab: str
    form: QueueFilterForm
    filters: ComplaintQueueFilters | None

    def criteria(self) -> dict[str, str]:
        return {"tab": self.tab, **(self.filters or ComplaintQueueFilters()).described()}


def queue_request(request: HttpRequest) -> QueueRequest:
    tab = request.GET.get("tab") or ComplaintQueueTab.NEW
    if tab not in ComplaintQueueTab.values:
        raise Http404
    form = QueueFilterForm(request.GET or None, counties=county_list(user=request.user))
    if not form.is_bound:
        return QueueRequest(tab, form, ComplaintQueueFilters())
    return QueueRequest(tab, form, form.filters() if form.is_valid() else None)


# The export


def _filename(tab: str, suffix: str) -> str:
    return f"complaints-{tab}-{timezone.localdate().isoformat()}.{suffix}"


def _export(
    request: HttpRequest,
    file_format: str,
    write: Callable[[QueueRequest, ComplaintExport], HttpResponse],
) -> HttpResponse:
    """The queue's tab with its filters and search, as a file; recorded in the audit log.
    Filters with errors export nothing: back to the queue, which shows the errors."""
    query = queue_request(request)
    if query.filters is None:
        return redirect(f"{reverse('complaint-queue')}?{request.GET.urlencode()}")
    complaints = selectors.complaint_queue(user=request.user, tab=query.tab, filters=query.filters)
    export = complaint_export(user=request.user, complaints=complaints)
    complaint_export_record(
        actor=request.user,
        file_format=file_format,
        source="queue",
        criteria=query.criteria(),
        rows=export.count,
        total=export.total,
    )
    return write(query, export)


@handler_required
def queue_export_csv(request: HttpRequest) -> HttpResponse:
    return _export(
        request,
        "csv",
        lambda query, export: csv_response(
            export.header, export.rows, filename=_filename(query.tab, "csv")
        ),
    )


@handler_required
def queue_export_xlsx(request: HttpRequest) -> HttpResponse:
    return _export(
        request,
        "xlsx",
        lambda query, export: xlsx_response(
            export.header,
            export.rows,
            filename=_filename(query.tab, "xlsx"),
            title=str(ComplaintQueueTab(query.tab).label),
        ),
    )


# The case file


@handler_required
def queue_case_file(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    complaint = selectors.handler_complaint_get(user=user, pk=pk)
    complaint_case_file_record(actor=user, complaint=complaint)
    return render(
        request,
        "complaints/desk/case_file.html",
        {
            "complaint": complaint,
            "full_contact": full_contact_rule(user)(complaint),
            "late": selectors.complaint_is_late(complaint, timezone.localdate()),
            "printed_at": timezone.localtime(),
        },
    )
