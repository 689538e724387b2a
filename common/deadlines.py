"""How long each step may take, in working days on the official calendar (common.calendar): the
one home of the platform's deadline lengths. Texts that name a length take it from here.

The periods regulators tune per policy version (rectification, appeal decision, star periods)
are rules as data on ratings' EvaluationPolicy, not here.
"""

from django.conf import settings

# Complaints (national market-regulation complaint rules): the county's regulators accept or
# decline within 7, the merchant answers within 10, handling ends within 45.
COMPLAINT_ACCEPT_DAYS = 7
COMPLAINT_MERCHANT_DAYS = 10
COMPLAINT_HANDLING_DAYS = 45
# A settlement that was not honoured may be reopened this many calendar days after it.
COMPLAINT_REOPEN_DAYS = 15

# Disclosure: merchants see their figures this long before publication, to flag an error.
DISCLOSURE_PREVIEW_DAYS = 5


def review_days() -> int:
    """A declaration is to be decided this long after its submission (REVIEW_DEADLINE_WORKING_DAYS,
    a deployment setting)."""
    return settings.REVIEW_DEADLINE_WORKING_DAYS
