"""The texts the ratings app writes (pool-change reasons, notices, run notes), as message codes
(common/messages.py): stored with their parameters, rendered in the reader's language.

A regulator's or merchant's own words stay as typed: a plain parameter (`reason`, `text`).
"""

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_noop

from common.messages import TEXT, Message, bilingual, define, label, msg
from merchants.models import Pool

# --- why a standing moved (PoolChange.message), one code per reason code ----------------------

SCREENING_PASSED = define(
    "ratings.change.screening_passed",
    gettext_noop("The declaration for “%(scheme)s” passed the automatic screening."),
)
DECLARATION_APPROVED = define(
    "ratings.change.declaration_approved",
    gettext_noop("The declaration for “%(scheme)s” was approved."),
)
DECLARATION_REJECTED = define(
    "ratings.change.declaration_rejected",
    gettext_noop("The declaration for “%(scheme)s” was rejected."),
)
NOMINATED = define(
    "ratings.change.nominated", gettext_noop("Nominated by the regulator: invited to declare.")
)
OBSERVATION_PASSED = define(
    "ratings.change.observation_passed",
    gettext_noop("Observation period over with a score of %(score)d: one star."),
)
STAR_UP = define(
    "ratings.change.star_up",
    gettext_noop("Score %(score)d: one star up (at most one per period)."),
)
STARS_DOWN = define("ratings.change.stars_down", gettext_noop("Score %(score)d: %(stars)d stars."))
BELOW_FIRST_BAND = define(
    "ratings.change.below_first_band",
    gettext_noop("Score %(score)d is below the first star band (%(band)d)."),
)
WARNING = define("ratings.change.warning", gettext_noop("Warning: %(what)s. Rectify by %(due)s."))
WARNING_CLEARED = define(
    "ratings.change.warning_cleared",
    gettext_noop("Rectification checked and accepted by the regulator."),
)
NOT_RECTIFIED = define("ratings.change.not_rectified", gettext_noop("Not rectified by %(due)s."))
SERIOUS_VIOLATION = define(
    "ratings.change.serious_violation", gettext_noop("Exited for a serious violation: %(what)s.")
)
EXITED_BY_REGULATOR = define(
    "ratings.change.exited_by_regulator", gettext_noop("Exited by the regulator: %(reason)s")
)
APPEAL_OVERTURNED = define(
    "ratings.change.appeal_overturned",
    gettext_noop("Appeal allowed: the decision of %(date)s is undone. %(reason)s"),
)
# Two or more items of a list: "a; b; c" (with Chinese punctuation in Chinese).
LIST = define("ratings.list", gettext_noop("%(first)s; %(rest)s"))

# --- places: a pool, with its stars -----------------------------------------------------------

NOT_IN_PROGRAMME = gettext_noop("not in the programme")
PLACE_ONE_STAR = define("ratings.place.one_star", gettext_noop("%(pool)s, 1 star"))
PLACE_STARS = define("ratings.place.stars", gettext_noop("%(pool)s, %(stars)d stars"))

# --- notices ----------------------------------------------------------------------------------

SUBJECT_WARNING = define(
    "ratings.notice.subject.warning",
    gettext_noop("Your business is in the warning pool: please rectify"),
)
SUBJECT_EXITED = define(
    "ratings.notice.subject.exited",
    gettext_noop("Your business has left the assured consumption programme"),
)
SUBJECT_POOL = define("ratings.notice.subject.pool", gettext_noop("Your pool has changed"))
SUBJECT_STARS = define("ratings.notice.subject.stars", gettext_noop("Your stars have changed"))
MOVED = define("ratings.notice.moved", gettext_noop("%(merchant)s: from %(from)s to %(to)s."))
REASON = define("ratings.notice.reason", gettext_noop("Reason: %(reason)s"))

APPEAL_FILED_SUBJECT = define(
    "ratings.appeal.filed.subject", gettext_noop("An appeal is waiting for a decision")
)
APPEAL_FILED_BODY = define(
    "ratings.appeal.filed.body", gettext_noop("%(merchant)s appeals: %(decision)s")
)
APPEAL_ALLOWED_SUBJECT = define(
    "ratings.appeal.allowed.subject", gettext_noop("Your appeal is allowed: the decision is undone")
)
APPEAL_DISMISSED_SUBJECT = define(
    "ratings.appeal.dismissed.subject",
    gettext_noop("Your appeal is dismissed: the decision stands"),
)
RECTIFICATION_SUBJECT = define(
    "ratings.rectification.submitted.subject",
    gettext_noop("A warning rectification is waiting for you"),
)
RECTIFICATION_BODY = define(
    "ratings.rectification.submitted.body",
    gettext_noop("%(merchant)s has reported its rectification."),
)
RECTIFICATION_ACCEPTED_SUBJECT = define(
    "ratings.rectification.accepted.subject", gettext_noop("Your rectification is accepted")
)
RECTIFICATION_REFUSED_SUBJECT = define(
    "ratings.rectification.refused.subject", gettext_noop("Your rectification is not enough yet")
)
RECTIFICATION_ACCEPTED_BODY = define(
    "ratings.rectification.accepted.body", gettext_noop("You are back in your former pool.")
)
NOMINATION_SUBJECT = define(
    "ratings.nomination.subject",
    gettext_noop("You are invited to declare for the assured consumption programme"),
)
NOMINATION_BODY = define(
    "ratings.nomination.body", gettext_noop("A regulator has nominated your business.")
)
INVITATION_SUBJECT = define(
    "ratings.nomination.invitation.subject",
    gettext_noop("You are invited to join the assured consumption programme"),
)
INVITATION_BODY = define(
    "ratings.nomination.invitation.body",
    gettext_noop("Register %(name)s (%(uscc)s) and declare: %(link)s"),
)

# --- runs (EvaluationRun.note) ----------------------------------------------------------------

RUN_SKIPPED = define(
    "ratings.run.skipped",
    gettext_noop(
        "Skipped: run %(run)d (%(kind)s), started at %(started)s, is still running "
        "(last sign of life at %(heartbeat)s)."
    ),
)
RUN_DEAD_SILENT = define(
    "ratings.run.dead.silent",
    gettext_noop("No sign of life since %(heartbeat)s: the process running it stopped."),
)
RUN_DEAD_WORKER = define(
    "ratings.run.dead.worker",
    gettext_noop("Its worker process (%(worker)s) is gone: the run stopped."),
)
RUN_RESUMES = define(
    "ratings.run.resumes",
    gettext_noop(
        "Carries on run %(run)d, which stopped: merchants it evaluated are not evaluated again."
    ),
)

RUN_MERCHANTS_SKIPPED = define(
    "ratings.run.merchants_skipped",
    gettext_noop(
        "%(count)d merchant(s) skipped: their data could not be scored (see the log): "
        "%(merchants)s."
    ),
)


def text(value: str) -> Message:
    """Words someone typed, kept as typed."""
    return msg(TEXT, text=value)


def scheme_name(scheme: Any) -> dict:
    return bilingual(lambda: scheme.display_name)


def joined(items: Iterable[Any]) -> Any:
    """A list of parameters as one: "a; b; c", with the reader's punctuation."""
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return msg(LIST, first=items[0], rest=joined(items[1:]))


def place(pool: str, stars: int) -> Message | dict:
    """A pool with its stars, e.g. "Star-rated, 3 stars"."""
    if not pool:
        return label(NOT_IN_PROGRAMME)
    name = label(Pool(pool).label)
    if stars == 1:
        return msg(PLACE_ONE_STAR, pool=name)
    if stars:
        return msg(PLACE_STARS, pool=name, stars=stars)
    return name
