"""The complaints part of a merchant's exported history (merchants.services.history)."""

from complaints.models import PASSED_TO_MERCHANT, Complaint
from merchants.models import Merchant
from merchants.services.history import HistorySection, file_entry, record

# Never in an export: the tracking link's token is a key, the address is the consumer's.
SECRET_FIELDS = ("tracking_token", "submitted_ip")
# Kept from the owner's copy as from the merchant's desk (the phone goes out masked), and so is
# the staff member who filed it for a caller.
OWNER_HIDDEN = ("complainant_phone", "complainant_email", "consumer", "lodged_by")


def complaint_history(*, merchant: Merchant, full: bool) -> list[HistorySection]:
    """The merchant's complaints with their timeline and evidence. The owner's copy (`full`
    False) holds, as the merchant's desk shows, only the complaints the regulator accepted,
    with the complainant's phone masked and no e-mail."""
    complaints, files = [], []
    rows = Complaint.objects.filter(merchant=merchant)
    if not full:
        rows = rows.filter(PASSED_TO_MERCHANT)
    for complaint in rows.prefetch_related("events", "evidence").order_by("created_at", "pk"):
        hidden = SECRET_FIELDS if full else (*SECRET_FIELDS, *OWNER_HIDDEN)
        row = record(complaint, exclude=hidden)
        if not full:
            row["complainant_phone_masked"] = complaint.masked_phone
        evidence = []
        for item in complaint.evidence.all():
            entry, stored = file_entry(f"complaints/{complaint.pk}", item)
            evidence.append(entry)
            files.append(stored)
        row["events"] = [record(e) for e in complaint.events.all()]
        row["evidence"] = evidence
        complaints.append(row)
    return [HistorySection("complaints", complaints, files)]
