"""The comprehensive evaluation, computed set-based for any set of merchants.

Six grouped queries read the inputs of every merchant in the set at once (complaints,
inspections, penalties, registry records, approved declarations, the merchants themselves); the
points are then plain arithmetic on those numbers, so the result is the same on SQLite and
PostgreSQL, and the same whether a merchant is evaluated alone or with the whole province.

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
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, F, IntegerField, Max, Min, Q, QuerySet
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


@dataclass
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


def _complaint_inputs(ids: QuerySet, policy: EvaluationPolicy, now: datetime) -> dict:
    window = _since(now, policy.complaint_window_days)
    trigger_window = _since(now, policy.warning_complaint_days)
    returns_window = _since(now, RETURNS_WINDOW_DAYS)
    earliest = min(window, trigger_window, returns_window)
    accepted = Q(accepted_at__isnull=False)
    in_window = Q(created_at__gte=window)
    rows = (
        Complaint.objects.filter(merchant_id__in=ids, created_at__gte=earliest)
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
            refused_returns_settled=Count(
                "pk",
                filter=Q(
                    category=ComplaintCategory.REFUND_REFUSED,
                    state=C.SETTLED,
                    created_at__gte=returns_window,
                ),
            ),
            closed=Count("pk", filter=in_window & Q(closed_at__isnull=False) & accepted),
            closed_on_time=Count(
                "pk",
                filter=in_window
                & accepted
                & Q(closed_at__isnull=False, closed_at__date__lte=F("close_due")),
            ),
            last_accepted_at=Max("accepted_at", filter=accepted),
            last_refused_return_at=Max(
                "accepted_at",
                filter=Q(
                    category=ComplaintCategory.REFUND_REFUSED,
                    state=C.SETTLED,
                    created_at__gte=returns_window,
                ),
            ),
        )
    )
    return {row.pop("merchant_id"): row for row in rows}


def _inspection_inputs(ids: QuerySet, policy: EvaluationPolicy, now: datetime) -> dict:
    window = _since(now, policy.inspection_window_days)
    failed = Q(result=InspectionResult.FAIL)
    counterfeit = Q(**{f"answers__{COUNTERFEIT_ITEM}": "no"})
    rows = (
        Inspection.objects.filter(
            merchant_id__in=ids, visited_at__isnull=False, visited_at__gte=window
        )
        .exclude(state=InspectionState.CANCELLED)
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
    )
    return {row.pop("merchant_id"): row for row in rows}


def _penalty_inputs(usccs: QuerySet, policy: EvaluationPolicy, today: date) -> dict:
    since = today - timedelta(days=policy.penalty_window_days)
    severity = PenaltyRecord.Severity
    rows = (
        PenaltyRecord.objects.filter(uscc__in=usccs, decided_on__gte=since)
        .values("uscc")
        .annotate(
            minor=Count("pk", filter=Q(severity=severity.MINOR)),
            ordinary=Count("pk", filter=Q(severity=severity.ORDINARY)),
            serious=Count("pk", filter=Q(severity=severity.SERIOUS)),
            last_penalty_on=Max("decided_on"),
            # When the platform learnt of it: a warning cleared before that did not know it.
            last_penalty_at=Max("imported_at"),
        )
    )
    return {row.pop("uscc"): row for row in rows}


def _registry_inputs(usccs: QuerySet) -> dict:
    """The newest registry record per USCC (one per entity; the newest wins if a source sent
    several)."""
    latest: dict[str, dict] = {}
    rows = (
        RegistryRecord.objects.filter(uscc__in=usccs)
        .order_by("uscc", "as_of", "pk")
        .values(
            "uscc",
            "entity_status",
            "on_abnormal_list",
            "on_dishonest_list",
            "credit_level",
            "licence_valid_until",
        )
    )
    for row in rows:
        latest[row.pop("uscc")] = row
    return latest


def _declaration_inputs(ids: QuerySet) -> dict:
    approved = Declaration.objects.filter(merchant_id__in=ids, state=DeclarationState.APPROVED)
    rows = approved.values("merchant_id").annotate(
        first_approved_at=Min("decided_at"),
        commitments_accepted=Count("accepted_commitments", distinct=True),
    )
    result = {row.pop("merchant_id"): row for row in rows}
    # The commitments each merchant's approved schemes ask for (schemes are few: one query).
    asked = dict(Scheme.objects.annotate(n=Count("commitments")).values_list("pk", "n"))
    for merchant_id, scheme_id, return_days in approved.annotate(
        days=Cast(KeyTextTransform("return_days", "details"), IntegerField())
    ).values_list("merchant_id", "scheme_id", "days"):
        row = result[merchant_id]
        row["commitments_asked"] = row.get("commitments_asked", 0) + asked.get(scheme_id, 0)
        row["return_days"] = max(row.get("return_days", 0), return_days or 0)
    return result


def _months_between(start: datetime, now: datetime) -> int:
    return max(0, (now.year - start.year) * 12 + now.month - start.month - (now.day < start.day))


def evaluate(
    merchants: QuerySet[Merchant] | Iterable[int],
    *,
    policy: EvaluationPolicy,
    now: datetime | None = None,
) -> dict[int, Result]:
    """Evaluate these merchants (a queryset, e.g. a region's or those with new events; or ids)
    as of `now` under `policy`. Reads only: eight queries whatever the number of merchants,
    each limited to the set by a subquery."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not isinstance(merchants, QuerySet):
        merchants = Merchant.objects.filter(pk__in=list(merchants))
    scope = merchants.order_by()
    rows = list(scope.values_list("pk", "uscc", "licence_valid_until"))
    usccs_by_id = {pk: uscc for pk, uscc, _until in rows}
    licence_until = {pk: until for pk, _uscc, until in rows}
    ids = scope.values("pk")
    usccs = scope.values("uscc")
    complaints = _complaint_inputs(ids, policy, now)
    inspections = _inspection_inputs(ids, policy, now)
    penalties = _penalty_inputs(usccs, policy, today)
    registry = _registry_inputs(usccs)
    declarations = _declaration_inputs(ids)
    return {
        merchant_id: _score(
            merchant_id,
            policy=policy,
            now=now,
            today=today,
            complaints=_zeros(complaints.get(merchant_id)),
            inspections=_zeros(inspections.get(merchant_id)),
            penalties=_zeros(penalties.get(uscc)),
            registry=registry.get(uscc),
            declarations=_zeros(declarations.get(merchant_id)),
            licence_until=licence_until.get(merchant_id),
        )
        for merchant_id, uscc in usccs_by_id.items()
    }


def _zeros(row: dict | None) -> defaultdict:
    """A merchant's row of counts, with 0 (or None for dates) for what it has none of."""
    return defaultdict(int, row or {})


def _line(points: int, code: str, **data: Any) -> dict[str, Any]:
    return {"points": points, "code": code, **data}


def _per_count_lines(days: int, *items: tuple[str, int, int]) -> list[dict[str, Any]]:
    """A deduction line for each kind of event that happened: count x points per event."""
    return [
        _line(-per * count, code, count=count, days=days) for code, count, per in items if count
    ]


def _floor_sum(weight: int, lines: list[dict[str, Any]]) -> int:
    return max(0, weight + sum(line["points"] for line in lines))


def _score(
    merchant_id: int,
    *,
    policy: EvaluationPolicy,
    now: datetime,
    today: date,
    complaints: dict,
    inspections: dict,
    penalties: dict,
    registry: dict | None,
    declarations: dict,
    licence_until: date | None,
) -> Result:
    p = policy
    complaint_lines = _per_count_lines(
        p.complaint_window_days,
        ("accepted_complaints", complaints["accepted"], p.deduction_per_accepted_complaint),
        ("overdue_complaints", complaints["overdue"], p.deduction_per_overdue_complaint),
    )
    inspection_lines = _per_count_lines(
        p.inspection_window_days,
        ("failed_inspections", inspections["failed"], p.deduction_per_failed_inspection),
        ("rectify_inspections", inspections["rectify"], p.deduction_per_rectify_inspection),
    )
    complaint_points = _floor_sum(p.weight_complaints, complaint_lines)
    inspection_points = _floor_sum(p.weight_inspections, inspection_lines)
    components = {
        "complaints": {
            "points": complaint_points,
            "max": p.weight_complaints,
            "lines": complaint_lines,
        },
        "inspections": {
            "points": inspection_points,
            "max": p.weight_inspections,
            "lines": inspection_lines,
        },
    }
    # Compliance.
    vetoes = []
    lines = _per_count_lines(
        p.penalty_window_days,
        ("minor_penalties", penalties["minor"], p.deduction_per_minor_penalty),
        ("ordinary_penalties", penalties["ordinary"], p.deduction_per_ordinary_penalty),
    )
    if penalties["serious"]:
        vetoes.append("serious_penalty")
    credit = registry["credit_level"] if registry else ""
    if registry:
        if registry["on_abnormal_list"]:
            lines.append(_line(-p.deduction_abnormal_list, "abnormal_list"))
        if registry["on_dishonest_list"]:
            vetoes.append("dishonest_list")
        deduction = int(p.credit_deductions.get(credit, 0))
        if deduction:
            lines.append(_line(-deduction, "credit_level", level=credit))
    compliance_points = _floor_sum(p.weight_compliance, lines)
    if vetoes:
        compliance_points = 0
        lines.extend(_line(0, code) for code in vetoes)
    components["compliance"] = {
        "points": compliance_points,
        "max": p.weight_compliance,
        "lines": lines,
    }
    # Commitments: three equal parts.
    first_approved = declarations.get("first_approved_at")
    months = _months_between(first_approved, now) if first_approved else 0
    tenure = min(months, TENURE_FULL_MONTHS) / TENURE_FULL_MONTHS
    returns_honoured = 0 if complaints["refused_returns"] else 1
    asked = declarations["commitments_asked"]
    completeness = min(1.0, declarations["commitments_accepted"] / asked) if asked else 0
    commitment_points = round(p.weight_commitments * (tenure + returns_honoured + completeness) / 3)
    components["commitments"] = {
        "points": commitment_points,
        "max": p.weight_commitments,
        "lines": [
            _line(round(p.weight_commitments * tenure / 3), "tenure", months=months),
            _line(
                round(p.weight_commitments * returns_honoured / 3),
                "returns_honoured",
                refused=complaints["refused_returns"],
            ),
            _line(
                round(p.weight_commitments * completeness / 3),
                "completeness",
                accepted=declarations["commitments_accepted"],
                asked=asked,
            ),
        ],
    }
    # Bonus.
    lines = []
    if declarations["return_days"] > NO_REASON_RETURN_MIN_DAYS:
        lines.append(_line(BONUS_POINTS, "long_return_window", days=declarations["return_days"]))
    if inspections["perfect"]:
        lines.append(_line(BONUS_POINTS, "perfect_inspection"))
    if (
        complaints["closed"] >= ON_TIME_MIN_CLOSED
        and complaints["closed_on_time"] == complaints["closed"]
    ):
        lines.append(_line(BONUS_POINTS, "complaints_on_time", count=complaints["closed"]))
    bonus = min(p.bonus_max, sum(line["points"] for line in lines))
    components["bonus"] = {"points": bonus, "max": p.bonus_max, "lines": lines}

    score = min(
        100,
        complaint_points + inspection_points + compliance_points + commitment_points + bonus,
    )
    # Warning triggers: any one sends the merchant to the warning pool (the pool rules decide
    # whether it is new since the last warning was cleared, from the dates in the inputs).
    triggers = list(vetoes)
    if inspections["counterfeit"]:
        triggers.append("counterfeit")
    if complaints["refused_returns_settled"]:
        triggers.append("refused_return")
    if score < p.warning_score_below:
        triggers.append("score_below")
    if complaints["accepted_recent"] >= p.warning_accepted_complaints:
        triggers.append("complaints_recent")
    if complaints["open_overdue"]:
        triggers.append("overdue_complaint")
    if inspections["failed"]:
        triggers.append("failed_inspection")
    if penalties["minor"] or penalties["ordinary"] or penalties["serious"]:
        triggers.append("penalty")
    expired = licence_until is not None and licence_until < today
    registry_expired = bool(
        registry and registry["licence_valid_until"] and registry["licence_valid_until"] < today
    )
    if expired or registry_expired:
        triggers.append("licence_expired")
    if registry and (
        registry["on_abnormal_list"] or registry["entity_status"] != RegistryRecord.Status.ACTIVE
    ):
        triggers.append("entity_abnormal")
    trigger_dates = {
        code: when
        for code, when in (
            ("serious_penalty", penalties["last_penalty_at"]),
            ("penalty", penalties["last_penalty_at"]),
            ("counterfeit", inspections["last_counterfeit_at"]),
            ("failed_inspection", inspections["last_failed_at"]),
            ("refused_return", complaints["last_refused_return_at"]),
            ("complaints_recent", complaints["last_accepted_at"]),
        )
        if code in triggers and when
    }
    # Stored as they are: the evaluation's JSON encoder writes dates as ISO strings.
    inputs = {
        "complaints": complaints,
        "inspections": inspections,
        "penalties": penalties,
        "registry": registry,
        "declarations": declarations,
        "licence_valid_until": licence_until,
        "as_of": now,
    }
    return Result(
        merchant_id=merchant_id,
        score=score,
        components=components,
        inputs=inputs,
        triggers=triggers,
        trigger_dates=trigger_dates,
    )


def evaluation_totals(results: dict[int, Result]) -> dict[str, int]:
    """Sum of each component over a set (for run summaries and the bench's cross-check)."""
    totals: dict[str, int] = defaultdict(int)
    for result in results.values():
        for name, component in result.components.items():
            totals[name] += component["points"]
        totals["score"] += result.score
    return dict(totals)
