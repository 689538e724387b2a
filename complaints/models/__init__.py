"""The complaints app's models, one module per sub-domain; re-exported here so that
`complaints.models.X` (and the migrations) keep working."""

from complaints.models.complaints import (
    CLOSED_COMPLAINT_STATES,
    EARLIEST_PURCHASE_DATE,
    MAX_AMOUNT,
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    ComplaintEvidence,
    ComplaintState,
    DeclineGround,
    evidence_upload_path,
    new_tracking_token,
    validate_purchase_date,
)
from complaints.models.disclosure import (
    DisclosureDate,
    DisclosureFigures,
    DisclosureMerchantRow,
    DisclosureRegionRow,
    DisclosureRowQuerySet,
    DisclosureSettings,
    DisclosureSnapshot,
    DisclosureState,
    FlagDecision,
    ImmutableRowMixin,
)

__all__ = [
    "CLOSED_COMPLAINT_STATES",
    "EARLIEST_PURCHASE_DATE",
    "MAX_AMOUNT",
    "Complaint",
    "ComplaintCategory",
    "ComplaintEvent",
    "ComplaintEvidence",
    "ComplaintState",
    "DeclineGround",
    "DisclosureDate",
    "DisclosureFigures",
    "DisclosureMerchantRow",
    "DisclosureRegionRow",
    "DisclosureRowQuerySet",
    "DisclosureSettings",
    "DisclosureSnapshot",
    "DisclosureState",
    "FlagDecision",
    "ImmutableRowMixin",
    "evidence_upload_path",
    "new_tracking_token",
    "validate_purchase_date",
]
