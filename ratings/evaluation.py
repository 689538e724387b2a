"""The comprehensive evaluation, computed set-based for any set of merchants.

Grouped queries read the inputs of every merchant in the set at once (the merchants themselves,
complaints, inspections, penalties, registry records, approved declarations); the points are
then plain arithmetic on those numbers, so the result is the same on SQLite and PostgreSQL, and
the same whether a merchant is evaluated alone or with the whole province.

Components (the policy's numbers; defaults in brackets):
- complaints [30]: minus d per complaint accepted in the window [3 per, 90 days], minus d per
  overdue complaint in the window [5 per];
- inspections [30]: minus d per "fail" [15] and per "rectify" [6] visited in the window [365 days];
- compliance [25]: minus d per minor [4] and ordinary [10] penalty in the window [365 days], minus
  d when on the abnormal-operations list [10], minus the credit level's deduction [A 0, B 3, C 8,
  D 15]; a serious penalty or the serious-dishonesty list leaves 0;
- commitments [15]: thirds for tenure (months since the first approval, full at 12), returns
  honoured (no accepted "refund refused" complaint in 365 days), completeness (share of the
  schemes' commitments accepted);
- bonus [at most 15]: 5 for a return window beyond the 7-day minimum, 5 for a visit with a
  perfect score in the inspection window, 5 for at least three complaints in the window all
  closed on time.
Each component floors at 0; the score is the sum, at most 100.

Speed (a province is evaluated in batches of a few thousand merchants): the queries return
tuples, and one scoring function with the policy's numbers bound once builds each merchant's
result directly (no per-line helper calls). Every merchant's stored inputs have the same keys:
counts are 0 and dates None where it has nothing.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, F, IntegerField, Lookup, Max, Min, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone

from complaints.models import CLOSED_COMPLAINT_STATES, Complaint, ComplaintCategory
from complaints.models import ComplaintState as C
from merchants.models import (
    Declaration,
    DeclarationState,
    Merchant,
    PenaltyRecord,
    RegistryRecord,
    Scheme,
)
from ratings.models import EvaluationPolicy
from review.models import Inspection, InspectionResult, InspectionState

# Warning triggers that are conditions (they hold or they do not) rather than dated events.
STATE_TRIGGERS = frozenset(
    {"score_below", "overdue_complaint", "licence_expired", "entity_abnormal", "dishonest_list"}
)
# Serious violations: the merchant is exited at once rather than warned.
EXIT_TRIGGERS = frozenset({"serious_penalty", "dishonest_list"})
NO_REASON_RETURN_MIN_DAYS = 7
BONUS_POINTS = 5
RETURNS_WINDOW_DAYS = 365
TENURE_FULL_MONTHS = 12
ON_TIME_MIN_CLOSED = 3
COUNTERFEIT_ITEM = "no-counterfeits"

# The stored inputs of each source, in this order, with what a merchant without rows gets.
COMPLAINT_INPUTS: dict[str, Any] = {
    "accepted": 0,
    "overdue": 0,
    "accepted_recent": 0,
    "open_overdue": 0,
    "refused_returns": 0,
    "refused_returns_settled": 0,
    "closed": 0,
    "closed_on_time": 0,
    "last_accepted_at": None,
    "last_refused_return_at": None,
}
INSPECTION_INPUTS: dict[str, Any] = {
    "visits": 0,
    "failed": 0,
    "rectify": 0,
    "perfect": 0,
    "counterfeit": 0,
    "last_failed_at": None,
    "last_counterfeit_at": None,
}
PENALTY_INPUTS: dict[str, Any] = {
    "minor": 0,
    "ordinary": 0,
    "serious": 0,
    "last_penalty_on": None,
    "last_penalty_at": None,
}
REGISTRY_INPUTS = (
    "entity_status",
    "on_abnormal_list",
    "on_dishonest_list",
    "credit_level",
    "licence_valid_until",
)
DECLARATION_INPUTS: dict[str, Any] = {
    "first_approved_at": None,
    "commitments_accepted": 0,
    "commitments_asked": 0,
    "return_days": 0,
}


@dataclass(slots=True)
class Result:
    """One merchant's evaluation: the score, each component's points and lines, the inputs,
    the warning triggers and the dates of the events behind them."""

    merchant_id: int
    score: int
    components: dict[str, dict[str, Any]]
    inputs: dict[str, Any]
    triggers: list[str] = field(default_factory=list)
    # For triggers that are events: when the newest one behind it happened (STATE_TRIGGERS,
    # conditions that hold or not, have no date).
    trigger_dates: dict[str, datetime] = field(default_factory=dict)


def _since(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


def _by_key(rows: Iterable[tuple], names: Iterable[str]) -> dict[Any, dict[str, Any]]:
    """{first column: {name: value of the other columns}} for rows of tuples."""
    names = tuple(names)
    return {row[0]: dict(zip(names, row[1:], strict=True)) for row in rows}


def _complaint_inputs(ids: Q, policy: EvaluationPolicy, now: datetime) -> dict:
    window = _since(now, policy.complaint_window_days)
    trigger_window = _since(now, policy.warning_complaint_days)
    returns_window = _since(now, RETURNS_WINDOW_DAYS)
    earliest = min(window, trigger_window, returns_window)
    accepted = Q(accepted_at__isnull=False)
    in_window = Q(created_at__gte=window)
    refused_settled = Q(
        category=ComplaintCategory.REFUND_REFUSED, state=C.SETTLED, created_at__gte=returns_window
    )
    rows = (
        Complaint.objects.filter(ids, created_at__gte=earliest)
        .order_by()
        .values("merchant_id")
        .annotate(
            accepted=Count("pk", filter=accepted & in_window),
            overdue=Count("pk", filter=Q(is_overdue=True) & in_window),
            accepted_recent=Count("pk", filter=accepted & Q(accepted_at__gte=trigger_window)),
            open_overdue=Count(
                "pk", filter=Q(is_overdue=True) & ~Q(state__in=CLOSED_COMPLAINT_STATES)
            ),
            refused_returns=Count(
                "pk",
                filter=accepted
                & Q(category=ComplaintCategory.REFUND_REFUSED, created_at__gte=returns_window),
            ),
            refused_returns_settled=Count("pk", filter=refused_settled),
            closed=Count("pk", filter=in_window & Q(closed_at__isnull=False) & accepted),
            closed_on_time=Count(
                "pk",
                filter=in_window
                & accepted
                & Q(closed_at__isnull=False, closed_at__date__lte=F("close_due")),
            ),
            last_accepted_at=Max("accepted_at", filter=accepted),
            last_refused_return_at=Max("accepted_at", filter=refused_settled),
        )
        .values_list("merchant_id", *COMPLAINT_INPUTS)
    )
    return _by_key(rows, COMPLAINT_INPUTS)


def _inspection_inputs(ids: Q, policy: EvaluationPolicy, now: datetime) -> dict:
    window = _since(now, policy.inspection_window_days)
    failed = Q(result=InspectionResult.FAIL)
    counterfeit = Q(**{f"answers__{COUNTERFEIT_ITEM}": "no"})
    rows = (
        Inspection.objects.filter(ids, visited_at__isnull=False, visited_at__gte=window)
        .exclude(state=InspectionState.CANCELLED)
        .order_by()
        .values("merchant_id")
        .annotate(
            visits=Count("pk"),
            failed=Count("pk", filter=failed),
            rectify=Count("pk", filter=Q(result=InspectionResult.RECTIFY)),
            perfect=Count("pk", filter=Q(score=100)),
            counterfeit=Count("pk", filter=counterfeit),
            last_failed_at=Max("visited_at", filter=failed),
            last_counterfeit_at=Max("visited_at", filter=counterfeit),
        )
        .values_list("merchant_id", *INSPECTION_INPUTS)
    )
    return _by_key(rows, INSPECTION_INPUTS)


def _penalty_inputs(usccs: Q, policy: EvaluationPolicy, today: date) -> dict:
    since = today - timedelta(days=policy.penalty_window_days)
    severity = PenaltyRecord.Severity
    rows = (
        PenaltyRecord.objects.filter(usccs, decided_on__gte=since)
        .order_by()
        .values("uscc")
        .annotate(
            minor=Count("pk", filter=Q(severity=severity.MINOR)),
            ordinary=Count("pk", filter=Q(severity=severity.ORDINARY)),
            serious=Count("pk", filter=Q(severity=severity.SERIOUS)),
            last_penalty_on=Max("decided_on"),
            # When the platform learnt of it: a warning cleared before that did not know it.
            last_penalty_at=Max("imported_at"),
        )
        .values_list("uscc", *PENALTY_INPUTS)
    )
    return _by_key(rows, PENALTY_INPUTS)


def _registry_inputs(usccs: Q) -> dict:
    """The newest registry record per USCC (one per entity; the newest wins if a source sent
    several)."""
    rows = (
        RegistryRecord.objects.filter(usccs)
        .order_by("uscc", "as_of", "pk")
        .values_list("uscc", *REGISTRY_INPUTS)
    )
    return _by_key(rows, REGISTRY_INPUTS)  # later rows of a USCC replace earlier ones


def _declaration_inputs(ids: Q) -> dict:
    approved = Declaration.objects.filter(ids, state=DeclarationState.APPROVED).order_by()
    rows = approved.values("merchant_id").annotate(
        first_approved_at=Min("decided_at"),
        commitments_accepted=Count("accepted_commitments", distinct=True),
    )
    result = {
        merchant_id: {
            "first_approved_at": first,
            "commitments_accepted": accepted,
            "commitments_asked": 0,
            "return_days": 0,
        }
        for merchant_id, first, accepted in rows.values_list(
            "merchant_id", "first_approved_at", "commitments_accepted"
        )
    }
    # The commitments each merchant's approved schemes ask for (schemes are few: one query).
    asked = dict(Scheme.objects.annotate(n=Count("commitments")).values_list("pk", "n"))
    for merchant_id, scheme_id, return_days in approved.annotate(
        days=Cast(KeyTextTransform("return_days", "details"), IntegerField())
    ).values_list("merchant_id", "scheme_id", "days"):
        row = result[merchant_id]
        row["commitments_asked"] += asked.get(scheme_id, 0)
        if return_days and return_days > row["return_days"]:
            row["return_days"] = return_days
    return result


class _AnyOf(Lookup):
    """`column = ANY(%s)` with the whole list as one parameter (PostgreSQL): Django's `__in`
    prepares and compiles each of a batch's thousands of ids in every query. Not registered on
    any field; used as an expression in filter()."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self) -> Any:
        return list(self.rhs)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, params = compiler.compile(self.lhs)
        return f"{lhs} = ANY(%s)", [*params, self.rhs]


def _set_filters(scope: QuerySet, rows: list[tuple]) -> tuple[Q, Q]:
    """The conditions that limit the input queries to the set: on `merchant_id`, and on
    `uscc`. On PostgreSQL the values themselves as one array each, plus the ids' range: the
    range adds nothing to the result, but lets a batch of consecutive merchants (as the runs
    make them) be read with one index range scan. Elsewhere subqueries on the set."""
    if connection.vendor != "postgresql" or not rows:
        return Q(merchant_id__in=scope.values("pk")), Q(uscc__in=scope.values("uscc"))
    ids = [row[0] for row in rows]
    by_id = Q(_AnyOf(F("merchant_id"), ids), merchant_id__gte=min(ids), merchant_id__lte=max(ids))
    return by_id, Q(_AnyOf(F("uscc"), list({row[1] for row in rows})))


def _months_between(start: datetime, now: datetime) -> int:
    return max(0, (now.year - start.year) * 12 + now.month - start.month - (now.day < start.day))


def merchants_by_id(ids: list[int]) -> QuerySet[Merchant]:
    """These merchants; on PostgreSQL with the ids as one array parameter."""
    if connection.vendor == "postgresql":
        return Merchant.objects.filter(_AnyOf(F("pk"), ids))
    return Merchant.objects.filter(pk__in=ids)


def merchant_filter(ids: list[int]) -> Q:
    """`merchant_id` in these ids; on PostgreSQL as one array parameter."""
    if connection.vendor == "postgresql":
        return Q(_AnyOf(F("merchant_id"), ids))
    return Q(merchant_id__in=ids)


def evaluate(
    merchants: QuerySet[Merchant] | Iterable[int],
    *,
    policy: EvaluationPolicy,
    now: datetime | None = None,
) -> dict[int, Result]:
    """Evaluate these merchants (a queryset, e.g. a region's or those with new events; or ids)
    as of `now` under `policy`. Reads only: eight queries whatever the number of merchants,
    each limited to the set (see _set_filters)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not isinstance(merchants, QuerySet):
        merchants = merchants_by_id(list(merchants))
    scope = merchants.order_by()
    rows = list(scope.values_list("pk", "uscc", "licence_valid_until"))
    ids, usccs = _set_filters(scope, rows)
    complaints = _complaint_inputs(ids, policy, now)
    inspections = _inspection_inputs(ids, policy, now)
    penalties = _penalty_inputs(usccs, policy, today)
    registry = _registry_inputs(usccs)
    declarations = _declaration_inputs(ids)
    score = _scorer(policy, now, today)
    no_complaints, no_inspections = COMPLAINT_INPUTS, INSPECTION_INPUTS
    no_penalties, no_declarations = PENALTY_INPUTS, DECLARATION_INPUTS
    return {
        merchant_id: score(
            merchant_id,
            complaints.get(merchant_id) or no_complaints.copy(),
            inspections.get(merchant_id) or no_inspections.copy(),
            penalties.get(uscc) or no_penalties.copy(),
            registry.get(uscc),
            declarations.get(merchant_id) or no_declarations.copy(),
            licence_until,
        )
        for merchant_id, uscc, licence_until in rows
    }


def _deductions(
    points: int, days: int, *events: tuple[str, int, int]
) -> tuple[int, list[dict[str, Any]]]:
    """Take `per` points off for each event of each kind (code, count, per) in the window of
    `days`: the points left and one line per kind of event that happened."""
    lines = []
    for code, count, per in events:
        if count:
            points -= per * count
            lines.append({"points": -per * count, "code": code, "count": count, "days": days})
    return points, lines


Scorer = Callable[
    [int, dict[str, Any], dict[str, Any], dict[str, Any], dict | None, dict[str, Any], date | None],
    Result,
]


def _scorer(policy: EvaluationPolicy, now: datetime, today: date) -> Scorer:
    """The scoring function for one policy and day: the policy's numbers are read once, and
    each merchant's result is built in one call."""
    p = policy
    w_complaints, w_inspections = p.weight_complaints, p.weight_inspections
    w_compliance, w_commitments, bonus_max = (
        p.weight_compliance,
        p.weight_commitments,
        p.bonus_max,
    )
    complaint_days, inspection_days = p.complaint_window_days, p.inspection_window_days
    penalty_days = p.penalty_window_days
    per_accepted, per_overdue = (
        p.deduction_per_accepted_complaint,
        p.deduction_per_overdue_complaint,
    )
    per_failed, per_rectify = p.deduction_per_failed_inspection, p.deduction_per_rectify_inspection
    per_minor, per_ordinary = p.deduction_per_minor_penalty, p.deduction_per_ordinary_penalty
    abnormal_points = p.deduction_abnormal_list
    credit_points = {level: int(points) for level, points in p.credit_deductions.items()}
    warning_below, warning_accepted = p.warning_score_below, p.warning_accepted_complaints
    active = RegistryRecord.Status.ACTIVE.value
    full = TENURE_FULL_MONTHS
    returns_point = round(w_commitments * 1 / 3)

    def score(
        merchant_id: int,
        complaints: dict[str, Any],
        inspections: dict[str, Any],
        penalties: dict[str, Any],
        registry: dict | None,
        declarations: dict[str, Any],
        licence_until: date | None,
    ) -> Result:
        # Complaints.
        points, lines = _deductions(
            w_complaints,
            complaint_days,
            ("accepted_complaints", complaints["accepted"], per_accepted),
            ("overdue_complaints", complaints["overdue"], per_overdue),
        )
        complaint_points = points if points > 0 else 0
        complaint_component = {"points": complaint_points, "max": w_complaints, "lines": lines}
        # Inspections.
        points, lines = _deductions(
            w_inspections,
            inspection_days,
            ("failed_inspections", inspections["failed"], per_failed),
            ("rectify_inspections", inspections["rectify"], per_rectify),
        )
        inspection_points = points if points > 0 else 0
        inspection_component = {"points": inspection_points, "max": w_inspections, "lines": lines}
        # Compliance.
        points, lines = _deductions(
            w_compliance,
            penalty_days,
            ("minor_penalties", penalties["minor"], per_minor),
            ("ordinary_penalties", penalties["ordinary"], per_ordinary),
        )
        serious = penalties["serious"]
        triggers = ["serious_penalty"] if serious else []
        if registry is not None:
            if registry["on_abnormal_list"]:
                points -= abnormal_points
                lines.append({"points": -abnormal_points, "code": "abnormal_list"})
            if registry["on_dishonest_list"]:
                triggers.append("dishonest_list")
            level = registry["credit_level"]
            deduction = credit_points.get(level, 0)
            if deduction:
                points -= deduction
                lines.append({"points": -deduction, "code": "credit_level", "level": level})
        compliance_points = points if points > 0 else 0
        if triggers:  # the vetoes, first among the triggers
            compliance_points = 0
            lines.extend({"points": 0, "code": code} for code in triggers)
        compliance_component = {"points": compliance_points, "max": w_compliance, "lines": lines}
        # Commitments: three equal parts.
        first_approved = declarations["first_approved_at"]
        months = _months_between(first_approved, now) if first_approved else 0
        tenure = min(months, full) / full
        refused = complaints["refused_returns"]
        returns_honoured = 0 if refused else 1
        asked = declarations["commitments_asked"]
        accepted_commitments = declarations["commitments_accepted"]
        completeness = min(1.0, accepted_commitments / asked) if asked else 0
        commitment_points = round(w_commitments * (tenure + returns_honoured + completeness) / 3)
        commitment_component = {
            "points": commitment_points,
            "max": w_commitments,
            "lines": [
                {
                    "points": round(w_commitments * tenure / 3),
                    "code": "tenure",
                    "months": months,
                },
                {
                    "points": 0 if refused else returns_point,
                    "code": "returns_honoured",
                    "refused": refused,
                },
                {
                    "points": round(w_commitments * completeness / 3),
                    "code": "completeness",
                    "accepted": accepted_commitments,
                    "asked": asked,
                },
            ],
        }
        # Bonus.
        lines = []
        return_days = declarations["return_days"]
        if return_days > NO_REASON_RETURN_MIN_DAYS:
            lines.append(
                {"points": BONUS_POINTS, "code": "long_return_window", "days": return_days}
            )
        if inspections["perfect"]:
            lines.append({"points": BONUS_POINTS, "code": "perfect_inspection"})
        closed = complaints["closed"]
        if closed >= ON_TIME_MIN_CLOSED and complaints["closed_on_time"] == closed:
            lines.append({"points": BONUS_POINTS, "code": "complaints_on_time", "count": closed})
        bonus = min(bonus_max, BONUS_POINTS * len(lines))
        total = complaint_points + inspection_points + compliance_points + commitment_points + bonus
        total = min(100, total)
        # Warning triggers: any one sends the merchant to the warning pool (the pool rules
        # decide whether it is new since the last warning was cleared, from the dates).
        dates: dict[str, datetime] = {}
        if serious and penalties["last_penalty_at"]:
            dates["serious_penalty"] = penalties["last_penalty_at"]
        if inspections["counterfeit"]:
            triggers.append("counterfeit")
            if inspections["last_counterfeit_at"]:
                dates["counterfeit"] = inspections["last_counterfeit_at"]
        if complaints["refused_returns_settled"]:
            triggers.append("refused_return")
            if complaints["last_refused_return_at"]:
                dates["refused_return"] = complaints["last_refused_return_at"]
        if total < warning_below:
            triggers.append("score_below")
        if complaints["accepted_recent"] >= warning_accepted:
            triggers.append("complaints_recent")
            if complaints["last_accepted_at"]:
                dates["complaints_recent"] = complaints["last_accepted_at"]
        if complaints["open_overdue"]:
            triggers.append("overdue_complaint")
        if inspections["failed"]:
            triggers.append("failed_inspection")
            if inspections["last_failed_at"]:
                dates["failed_inspection"] = inspections["last_failed_at"]
        if serious or penalties["minor"] or penalties["ordinary"]:
            triggers.append("penalty")
            if penalties["last_penalty_at"]:
                dates["penalty"] = penalties["last_penalty_at"]
        if (licence_until is not None and licence_until < today) or (
            registry is not None
            and registry["licence_valid_until"]
            and registry["licence_valid_until"] < today
        ):
            triggers.append("licence_expired")
        if registry is not None and (
            registry["on_abnormal_list"] or registry["entity_status"] != active
        ):
            triggers.append("entity_abnormal")
        return Result(
            merchant_id,
            total,
            {
                "complaints": complaint_component,
                "inspections": inspection_component,
                "compliance": compliance_component,
                "commitments": commitment_component,
                "bonus": {"points": bonus, "max": bonus_max, "lines": lines},
            },
            # Stored as they are: the evaluation's JSON encoder writes dates as ISO strings.
            {
                "complaints": complaints,
                "inspections": inspections,
                "penalties": penalties,
                "registry": registry,
                "declarations": declarations,
                "licence_valid_until": licence_until,
                "as_of": now,
            },
            triggers,
            dates,
        )

    return score


def evaluation_totals(results: dict[int, Result]) -> dict[str, int]:
    """Sum of each component over a set (for run summaries and the bench's cross-check)."""
    totals: dict[str, int] = defaultdict(int)
    for result in results.values():
        for name, component in result.components.items():
            totals[name] += component["points"]
        totals["score"] += result.score
    return dict(totals)
