"""Message codes of the texts the review app writes (common/messages.py): screening notes and
event reasons, inspection events and notices. Stored as codes, rendered in the reader's
language."""

from django.utils.translation import gettext_noop

from common.messages import define

# Screening: the event's reason (the first line; each check's reason follows as a POINT).
SCREENING_FAILED = define(
    "screening.failed", gettext_noop("The automatic screening found problems to fix:")
)
SCREENING_WARNED = define(
    "screening.warned",
    gettext_noop("Passed the automatic screening with warnings for the reviewer:"),
)
SCREENING_PASSED = define(
    "screening.passed", gettext_noop("Passed every automatic screening check.")
)
SCREENING_INCOMPLETE = define(
    "screening.incomplete",
    gettext_noop(
        "The automatic screening could not be completed: %(sources)s could not be reached "
        "after every retry. The reviewer checks those points by hand."
    ),
)
SCREENING_GAVE_UP = define(
    "screening.gave_up",
    gettext_noop(
        "The automatic screening did not finish after %(n)d attempts; passed to review "
        "unscreened. The reviewer checks every point by hand."
    ),
)
SCREENING_POINT = define("screening.point", gettext_noop("• %(reason)s"))
# Screening: a run's note.
SCREENING_RETRYING = define(
    "screening.retrying", gettext_noop("A data source could not be reached; screening is retried.")
)
SCREENING_INTERRUPTED = define(
    "screening.interrupted",
    gettext_noop(
        "This run was interrupted: its worker stopped before it finished. The declaration is "
        "screened again."
    ),
)

# The review queue.
BULK_APPROVED = define(
    "review.bulk_approved", gettext_noop("Approved in bulk: screening raised no flags.")
)

# Inspections: notices to the merchant and to the inspectors.
INSPECTION_RESULT_SUBJECT = define(
    "inspection.subject.recorded", gettext_noop("Inspection result: %(result)s")
)
RECTIFICATION_ACCEPTED_SUBJECT = define(
    "inspection.subject.accepted", gettext_noop("Rectification accepted")
)
RECTIFICATION_REJECTED_SUBJECT = define(
    "inspection.subject.rejected", gettext_noop("Rectification not accepted")
)
INSPECTION_OUTCOME = define(
    "inspection.outcome", gettext_noop("%(merchant)s — inspection of %(date)s: %(state)s.")
)
RECTIFY_BY = define(
    "inspection.rectify_by", gettext_noop("Send a rectification report by %(due)s.")
)
RECTIFICATION_WAITING_SUBJECT = define(
    "inspection.subject.rectification_submitted",
    gettext_noop("A rectification report is waiting for you"),
)
RECTIFICATION_WAITING = define(
    "inspection.rectification_submitted",
    gettext_noop("%(merchant)s has reported its rectification."),
)
CAMPAIGN_DRAWN_SUBJECT = define(
    "campaign.subject.drawn", gettext_noop("New inspections assigned to you")
)
CAMPAIGN_DRAWN = define(
    "campaign.drawn", gettext_noop("%(campaign)s: %(count)d visits, due by %(due)s.")
)
# Inspections: an event's note written by the system.
CAMPAIGN_CLOSED_BEFORE_VISIT = define(
    "campaign.closed_before_visit", gettext_noop("The campaign was closed before the visit.")
)
