"""The comprehensive evaluation, computed set-based for any set of merchants.

One statement (inputs_query) reads the inputs of every merchant in the set at once: grouped
queries over complaints, inspections, penalties, registry records and approved declarations,
built with the ORM and joined to the merchants. The points are then plain arithmetic on those
numbers, so the result is the same on SQLite and PostgreSQL, and the same whether a merchant is
evaluated alone or with the whole province.

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

Speed: the statement returns tuples, and one scoring function with the policy's numbers bound
once builds each merchant's result directly. A result's inputs have the same keys for every
merchant (counts 0 and dates None where it has nothing); an evaluation row stores them without
those (stored_inputs) and each component's points, and evaluation_result scores the stored
inputs again to give back the lines.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Lookup,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from complaints.models import CLOSED_COMPLAINT_STATES, Complaint, ComplaintCategory
from complaints.models import ComplaintState as C
from merchants.models import (
    Declaration,
    DeclarationState,
    Merchant,
    PenaltyRecord,
    RegistryRecord,
)
from merchants.schemes import no_reason_return
from ratings.models import Evaluation, EvaluationPolicy, Trigger
from review.models import Inspection, InspectionResult, InspectionState

logger = logging.getLogger(__name__)

# A stored return window the statement reads as a number: at most 9 digits (an integer column
# holds it). Anything else (a number beyond, negative, a fraction, words) cannot be scored.
READABLE_DAYS = r"^[0-9]{1,9}$"

# A window longer than the legal minimum earns the bonus.
NO_REASON_RETURN_MIN_DAYS = no_reason_return.MIN_DAYS
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
# A registry record's values, and what stored_inputs leaves out of one (there may be no record).
REGISTRY_DEFAULTS: dict[str, Any] = {
    "entity_status": "",
    "on_abnormal_list": False,
    "on_dishonest_list": False,
    "credit_level": "",
    "licence_valid_until": None,
}
REGISTRY_INPUTS = tuple(REGISTRY_DEFAULTS)
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
    triggers: list[Trigger] = field(default_factory=list)
    # For triggers that are events: when the newest one behind it happened (STATE_TRIGGERS,
    # conditions that hold or not, have no date).
    trigger_dates: dict[Trigger, datetime] = field(default_factory=dict)


def _since(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


# The sources of the inputs: a grouped query each, joined to the merchants of the set on its key.
@dataclass(frozen=True, slots=True)
class _Source:
    key: str  # "merchant_id" or "uscc"
    query: QuerySet  # grouped by the key
    columns: tuple[str, ...]


def _complaint_source(where: Q, policy: EvaluationPolicy, now: datetime) -> _Source:
    window = _since(now, policy.complaint_window_days)
    trigger_window = _since(now, policy.warning_complaint_days)
    returns_window = _since(now, RETURNS_WINDOW_DAYS)
    earliest = min(window, trigger_window, returns_window)
    accepted = Q(accepted_at__isnull=False)
    in_window = Q(created_at__gte=window)
    refused_settled = Q(
        category=ComplaintCategory.REFUND_REFUSED, state=C.SETTLED, created_at__gte=returns_window
    )
    query = (
        Complaint.objects.filter(where, created_at__gte=earliest)
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
    )
    return _Source("merchant_id", query, tuple(COMPLAINT_INPUTS))


def _inspection_source(where: Q, policy: EvaluationPolicy, now: datetime) -> _Source:
    window = _since(now, policy.inspection_window_days)
    failed = Q(result=InspectionResult.FAIL)
    counterfeit = Q(**{f"answers__{COUNTERFEIT_ITEM}": "no"})
    query = (
        Inspection.objects.filter(where, visited_at__isnull=False, visited_at__gte=window)
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
    )
    return _Source("merchant_id", query, tuple(INSPECTION_INPUTS))


def _penalty_source(where: Q, policy: EvaluationPolicy, today: date) -> _Source:
    since = today - timedelta(days=policy.penalty_window_days)
    severity = PenaltyRecord.Severity
    query = (
        PenaltyRecord.objects.filter(where, decided_on__gte=since)
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
    )
    return _Source("uscc", query, tuple(PENALTY_INPUTS))


def _registry_source(where: Q) -> _Source:
    """The newest registry record per USCC (one per entity; the newest by date, then by id,
    if a source sent several)."""
    newer = RegistryRecord.objects.filter(uscc=OuterRef("uscc")).filter(
        Q(as_of__gt=OuterRef("as_of")) | Q(as_of=OuterRef("as_of"), pk__gt=OuterRef("pk"))
    )
    query = RegistryRecord.objects.filter(where).filter(~Exists(newer)).order_by()
    return _Source("uscc", query, REGISTRY_INPUTS)


def _declaration_source(where: Q) -> _Source:
    """Per merchant, over its approved declarations: the first approval, the commitments their
    schemes ask for (a declaration counts its scheme's), the longest no-reason return window."""
    days = KeyTextTransform("return_days", "details")
    query = (
        Declaration.objects.filter(where, state=DeclarationState.APPROVED)
        .alias(days_text=days)
        .order_by()
        .values("merchant_id")
        .annotate(
            first_approved_at=Min("decided_at"),
            commitments_asked=Count("scheme__commitments"),
            # Cast only what is a number an integer holds: one merchant's absurd window
            # (stored before its bound, or written around it) must not fail the statement
            # for everybody; it is counted instead and the merchant skipped (row_scorer).
            return_days=Max(
                Case(
                    When(days_text__regex=READABLE_DAYS, then=Cast(days, IntegerField())),
                    default=None,
                    output_field=IntegerField(),
                )
            ),
            return_days_unreadable=Count(
                "pk",
                filter=Q(days_text__isnull=False) & ~Q(days_text__regex=READABLE_DAYS),
            ),
        )
    )
    return _Source(
        "merchant_id",
        query,
        ("first_approved_at", "commitments_asked", "return_days", "return_days_unreadable"),
    )


def _accepted_commitment_source(where: Q) -> _Source:
    query = (
        Declaration.objects.filter(where, state=DeclarationState.APPROVED)
        .order_by()
        .values("merchant_id")
        .annotate(commitments_accepted=Count("accepted_commitments", distinct=True))
    )
    return _Source("merchant_id", query, ("commitments_accepted",))


class _AnyOf(Lookup):
    """`id column = ANY(%s::bigint[])` with the ids as one array literal (PostgreSQL): Django's
    `__in` prepares and compiles each of thousands of ids, and a Python list is sent as
    ARRAY[…], one expression per id for the server to parse. Not registered on any field;
    used as an expression in filter()."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self) -> Any:
        return "{" + ",".join(str(int(pk)) for pk in self.rhs) + "}"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, params = compiler.compile(self.lhs)
        return f"{lhs} = ANY(%s::bigint[])", [*params, self.rhs]


# The sources in the order inputs_query joins them, as its column names start.
SOURCE_NAMES = ("complaints", "inspections", "penalties", "registry", "declarations", "accepted")

# From this many merchants (a given list of ids) the sources are read whole: a province's
# monthly run. The nightly run's few thousand are looked up by index.
WHOLE_TABLES_FROM = 20_000


@dataclass(frozen=True, slots=True)
class InputsQuery:
    """One statement that reads the inputs of every merchant of a set, one row each in
    merchant order: the merchant's own columns, then for each source its key (NULL when the
    source has no row for the merchant) and its columns. `convert` turns the database's values
    into Python's as the ORM would (dates on SQLite; nothing to do on PostgreSQL)."""

    sql: str
    params: list[Any]
    converters: tuple[tuple[int, list[Callable], Any], ...]
    # A name for each column, unique (a source's key is "<source>_key", its columns
    # "<source>_<name>"): the scoring statement (ratings.services.scores) reads them by name.
    names: tuple[str, ...] = ()

    def convert(self, rows: list[tuple]) -> list[tuple]:
        if not self.converters:
            return rows
        converted = []
        for row in rows:
            values = list(row)
            for position, functions, expression in self.converters:
                value = values[position]
                for function in functions:
                    value = function(value, expression, connection)
                values[position] = value
            converted.append(tuple(values))
        return converted


def _compiled(query: QuerySet) -> tuple[str, list[Any], dict[str, tuple]]:
    """The SQL of a values_list query, its parameters, and the converters of its columns by
    the name they have in the SQL."""
    compiler = query.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    expressions = [expression for expression, _, _ in compiler.select]
    converters = compiler.get_converters(expressions)
    by_name = {}
    for position, (expression, _, alias) in enumerate(compiler.select):
        name = alias or expression.target.column
        if position in converters:
            by_name[name] = converters[position]
    return sql, list(params), by_name


def _column(model: type, name: str) -> str:
    try:
        return model._meta.get_field(name).column
    except FieldDoesNotExist:  # an annotation: its alias
        return name


def inputs_query(
    merchants: QuerySet[Merchant] | list[int],
    *,
    policy: EvaluationPolicy,
    now: datetime,
    whole_tables_from: int = WHOLE_TABLES_FROM,
    ordered: bool = True,
) -> InputsQuery:
    """The statement that reads the inputs of these merchants (see InputsQuery): grouped
    queries over complaints, inspections, penalties, registry records and approved
    declarations, each limited to the set and joined to it. The same statement serves one
    merchant, a batch of them and a whole province; PostgreSQL plans index lookups for a few
    and hash joins over whole tables for many.

    Given the ids (rather than a queryset), PostgreSQL gets them as one array and knows how
    many there are: its plan then fits the set (a subquery's size it can only guess, and its
    guess of "a few" for the nightly run's 3,000 merchants cost 12 seconds of nested loops
    instead of one)."""
    today = timezone.localdate(now)
    if isinstance(merchants, QuerySet):
        scope = merchants.order_by()
        ids, usccs = Q(merchant_id__in=scope.values("pk")), Q(uscc__in=scope.values("uscc"))
    else:
        scope = merchants_by_id(merchants).order_by()
        ids, usccs = merchant_filter(merchants), Q(uscc__in=scope.values("uscc"))
        if len(merchants) >= whole_tables_from:
            # Many merchants: each source is read whole and the join keeps the set's rows;
            # limiting each source to the set would make the server look each merchant up.
            ids = usccs = Q()
    sources = [
        _complaint_source(ids, policy, now),
        _inspection_source(ids, policy, now),
        _penalty_source(usccs, policy, today),
        _registry_source(usccs),
        _declaration_source(ids),
        _accepted_commitment_source(ids),
    ]
    quote = connection.ops.quote_name
    own = ("id", "uscc", "licence_valid_until")
    sql, params, converters = _compiled(scope.values_list(*own))
    columns = [f"m.{quote(_column(Merchant, name))}" for name in own]
    position_converters = [
        (i, *converters[_column(Merchant, name)])
        for i, name in enumerate(own)
        if _column(Merchant, name) in converters
    ]
    joins = [f"FROM ({sql}) m"]
    names_out = list(own)
    for n, source in enumerate(sources):
        model = source.query.model
        names = (source.key, *source.columns)
        part_sql, part_params, converters = _compiled(source.query.values_list(*names))
        alias = f"s{n}"
        key = quote(_column(model, source.key))
        joins.append(
            f"LEFT JOIN ({part_sql}) {alias} ON {alias}.{key} = "
            f"m.{quote('id' if source.key == 'merchant_id' else 'uscc')}"
        )
        params += part_params
        names_out += [f"{SOURCE_NAMES[n]}_key", *(f"{SOURCE_NAMES[n]}_{c}" for c in source.columns)]
        for name in names:
            column = _column(model, name)
            if column in converters:
                position_converters.append((len(columns), *converters[column]))
            columns.append(f"{alias}.{quote(column)}")
    statement = f"SELECT {', '.join(columns)} {' '.join(joins)}"
    if ordered:
        statement += f" ORDER BY m.{quote('id')}"
    return InputsQuery(statement, params, tuple(position_converters), tuple(names_out))


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
    as of `now` under `policy`. Reads only: one statement whatever the number of merchants
    (inputs_query); a run reads a large set through a cursor in batches instead."""
    now = now or timezone.now()
    if not isinstance(merchants, QuerySet):
        merchants = list(merchants)
        if not merchants:
            return {}
    query = inputs_query(merchants, policy=policy, now=now)
    with connection.cursor() as cursor:
        cursor.execute(query.sql, query.params)
        rows = query.convert(cursor.fetchall())
    return score_rows(rows, row_scorer(policy, now), skipped={})


class Unscorable(ValueError):
    """A merchant's stored data that the evaluation cannot read."""


UNREADABLE_RETURN_WINDOW = (
    "an approved declaration's return window is not a number of days the evaluation can read"
)


def score_rows(
    rows: Iterable[tuple], score: Callable[[tuple], Result], *, skipped: dict[int, str]
) -> dict[int, Result]:
    """Score each row of inputs_query; a merchant whose data cannot be scored is left out,
    its id and the reason put in `skipped` and logged: one merchant's bad data never stops
    the evaluation of the others."""
    results = {}
    for row in rows:
        try:
            results[row[0]] = score(row)
        except Exception as exc:
            reason = str(exc) or type(exc).__name__
            skipped[row[0]] = reason
            logger.warning("Evaluation skipped merchant %s: %s", row[0], reason)
    return results


def _part(row: tuple, start: int, names: tuple[str, ...]) -> dict[str, Any] | None:
    """The columns of one source in a row of inputs_query (after its key), or None when the
    source had no row for the merchant."""
    if row[start] is None:
        return None
    return dict(zip(names, row[start + 1 : start + 1 + len(names)], strict=True))


def row_scorer(policy: EvaluationPolicy, now: datetime) -> Callable[[tuple], Result]:
    """The function that scores one row of inputs_query: it rebuilds the inputs (defaults
    where a source has nothing) and scores them."""
    score = _scorer(policy, now, timezone.localdate(now))
    complaint_names, inspection_names = tuple(COMPLAINT_INPUTS), tuple(INSPECTION_INPUTS)
    penalty_names = tuple(PENALTY_INPUTS)
    at_complaints = 3
    at_inspections = at_complaints + 1 + len(complaint_names)
    at_penalties = at_inspections + 1 + len(inspection_names)
    at_registry = at_penalties + 1 + len(penalty_names)
    at_declarations = at_registry + 1 + len(REGISTRY_INPUTS)
    at_accepted = at_declarations + 5

    def from_row(row: tuple) -> Result:
        approved = row[at_declarations] is not None
        if approved and row[at_declarations + 4]:
            raise Unscorable(UNREADABLE_RETURN_WINDOW)
        return_days = row[at_declarations + 3] if approved else 0
        return score(
            row[0],
            _part(row, at_complaints, complaint_names) or COMPLAINT_INPUTS.copy(),
            _part(row, at_inspections, inspection_names) or INSPECTION_INPUTS.copy(),
            _part(row, at_penalties, penalty_names) or PENALTY_INPUTS.copy(),
            _part(row, at_registry, REGISTRY_INPUTS),
            {
                "first_approved_at": row[at_declarations + 1] if approved else None,
                "commitments_accepted": row[at_accepted + 1] or 0,
                "commitments_asked": row[at_declarations + 2] if approved else 0,
                "return_days": return_days if return_days and return_days > 0 else 0,
            },
            row[2],
        )

    return from_row


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
        triggers = [Trigger.SERIOUS_PENALTY] if serious else []
        if registry is not None:
            if registry["on_abnormal_list"]:
                points -= abnormal_points
                lines.append({"points": -abnormal_points, "code": "abnormal_list"})
            if registry["on_dishonest_list"]:
                triggers.append(Trigger.DISHONEST_LIST)
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
        dates: dict[Trigger, datetime] = {}
        if serious and penalties["last_penalty_at"]:
            dates[Trigger.SERIOUS_PENALTY] = penalties["last_penalty_at"]
        if inspections["counterfeit"]:
            triggers.append(Trigger.COUNTERFEIT)
            if inspections["last_counterfeit_at"]:
                dates[Trigger.COUNTERFEIT] = inspections["last_counterfeit_at"]
        if complaints["refused_returns_settled"]:
            triggers.append(Trigger.REFUSED_RETURN)
            if complaints["last_refused_return_at"]:
                dates[Trigger.REFUSED_RETURN] = complaints["last_refused_return_at"]
        if total < warning_below:
            triggers.append(Trigger.SCORE_BELOW)
        if complaints["accepted_recent"] >= warning_accepted:
            triggers.append(Trigger.COMPLAINTS_RECENT)
            if complaints["last_accepted_at"]:
                dates[Trigger.COMPLAINTS_RECENT] = complaints["last_accepted_at"]
        if complaints["open_overdue"]:
            triggers.append(Trigger.OVERDUE_COMPLAINT)
        if inspections["failed"]:
            triggers.append(Trigger.FAILED_INSPECTION)
            if inspections["last_failed_at"]:
                dates[Trigger.FAILED_INSPECTION] = inspections["last_failed_at"]
        if serious or penalties["minor"] or penalties["ordinary"]:
            triggers.append(Trigger.PENALTY)
            if penalties["last_penalty_at"]:
                dates[Trigger.PENALTY] = penalties["last_penalty_at"]
        if (licence_until is not None and licence_until < today) or (
            registry is not None
            and registry["licence_valid_until"]
            and registry["licence_valid_until"] < today
        ):
            triggers.append(Trigger.LICENCE_EXPIRED)
        if registry is not None and (
            registry["on_abnormal_list"] or registry["entity_status"] != active
        ):
            triggers.append(Trigger.ENTITY_ABNORMAL)
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


# Evaluation rows: what is stored, and the result derived again from it.

DATETIME_INPUTS = frozenset(
    {
        "last_accepted_at",
        "last_refused_return_at",
        "last_failed_at",
        "last_counterfeit_at",
        "last_penalty_at",
        "first_approved_at",
        "as_of",
    }
)
DATE_INPUTS = frozenset({"last_penalty_on", "licence_valid_until"})
INPUT_DEFAULTS: dict[str, dict[str, Any]] = {
    "complaints": COMPLAINT_INPUTS,
    "inspections": INSPECTION_INPUTS,
    "penalties": PENALTY_INPUTS,
    "declarations": DECLARATION_INPUTS,
}


def stored_inputs(inputs: dict[str, Any]) -> dict[str, Any]:
    """The inputs as an evaluation row keeps them: without the values a merchant has when it
    has nothing (0, None, False), which most merchants have for most inputs. inputs_expand
    puts them back."""
    stored: dict[str, Any] = {}
    for name, value in inputs.items():
        if isinstance(value, dict):
            stored[name] = {key: v for key, v in value.items() if v}
        elif value is not None:
            stored[name] = value
    return stored


def stored_components(result: Result) -> dict[str, int]:
    """Each component's points, as an evaluation row keeps them (the lines are derived again
    from the inputs: evaluation_result)."""
    return {name: component["points"] for name, component in result.components.items()}


def inputs_expand(stored: dict[str, Any]) -> dict[str, Any]:
    """The inputs of an evaluation row as the scoring read them: every key, dates as dates."""

    def typed(key: str, value: Any) -> Any:
        if isinstance(value, str) and key in DATETIME_INPUTS:
            return parse_datetime(value)
        if isinstance(value, str) and key in DATE_INPUTS:
            return parse_date(value)
        return value

    def part(defaults: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
        return {key: typed(key, value) for key, value in {**defaults, **values}.items()}

    inputs = {
        name: part(defaults, stored.get(name) or {}) for name, defaults in INPUT_DEFAULTS.items()
    }
    registry = stored.get("registry")
    inputs["registry"] = None if registry is None else part(REGISTRY_DEFAULTS, registry)
    inputs["licence_valid_until"] = typed("licence_valid_until", stored.get("licence_valid_until"))
    inputs["as_of"] = typed("as_of", stored.get("as_of"))
    return inputs


def evaluation_result(evaluation: Evaluation) -> Result:
    """The full result of a stored evaluation, lines included: its stored inputs scored again
    under the policy version it used, as of its own date."""
    inputs = inputs_expand(evaluation.inputs or {})
    now = inputs["as_of"] or evaluation.evaluated_at
    score = _scorer(evaluation.policy, now, timezone.localdate(now))
    return score(
        evaluation.merchant_id,
        inputs["complaints"],
        inputs["inspections"],
        inputs["penalties"],
        inputs["registry"],
        inputs["declarations"],
        inputs["licence_valid_until"],
    )
