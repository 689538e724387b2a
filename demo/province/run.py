"""The run: refuse or append, then batch by batch write every table, in one transaction."""

import random
import secrets
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, models, transaction
from django.utils import timezone

from common.errors import DomainError
from complaints.models import Complaint
from complaints.services.numbers import complaints_number_missing
from demo.province.complaints import (
    COMPLAINT_COLUMNS,
    complaint_rows,
    complaint_targets,
    complaints_rng,
    share,
)
from demo.province.context import (
    Context,
    MerchantSpec,
    ensure_staff,
    load_counties,
    load_schemes,
)
from demo.province.declarations import (
    COMMITMENT_COLUMNS,
    DECLARATION_COLUMNS,
    EVENT_COLUMNS,
    MEMBER_COLUMNS,
    commitment_rows,
    declaration_rows,
    declaration_specs,
    event_rows,
    member_rows,
)
from demo.province.inspections import (
    ASSIGNMENT_COLUMNS,
    INSPECTION_COLUMNS,
    RECTIFICATION_COLUMNS,
    InspectionPlan,
    create_campaigns,
    finish_campaigns,
    inspection_rows,
    inspections_rng,
)
from demo.province.merchants import (
    MEMBERSHIP_COLUMNS,
    MERCHANT_COLUMNS,
    PERMIT_COLUMNS,
    USER_COLUMNS,
    membership_rows,
    merchant_rows,
    merchant_specs,
    owner_rows,
    permit_rows,
)
from demo.province.records import (
    RECORD_MODELS,
    RECORD_TABLES,
    indexes_suspended,
    records_rng,
)
from demo.province.standings import (
    STANDING_COLUMNS,
    standing_rows,
    standings_rng,
)
from merchants.models import (
    AuditEntry,
    Declaration,
    DeclarationEvent,
    Membership,
    Merchant,
    Permit,
    User,
)
from merchants.services.bulk import bulk_write, foreign_keys_suspended
from ratings.models import Standing
from review.models import Inspection, InspectionAssignment, Rectification

GENERATE_ACTION = "province.generate"


@dataclass
class ProvinceGenerationResult:
    seed: int
    rows: Counter[str] = field(default_factory=Counter)
    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    counties: Counter[str] = field(default_factory=Counter)
    serial_from: int = 0
    serial_to: int = 0


def _previous_runs() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=GENERATE_ACTION).order_by("created_at"))


def _refuse_if_generated(previous: list[AuditEntry]) -> None:
    if not previous:
        return
    total = sum(int(run.data.get("merchants", 0)) for run in previous)
    last = timezone.localtime(previous[-1].created_at)
    raise DomainError(
        f"Generated province data already exists: {total} merchants from {len(previous)} "
        f"run(s), the last on {last:%Y-%m-%d %H:%M}. Add --append to add more, or start from "
        "an empty database."
    )


def _write_merchant_batch(ctx: Context, n: int, rows: Counter[str]) -> list[MerchantSpec]:
    specs = merchant_specs(ctx, n)
    rows["users"] += bulk_write(User, USER_COLUMNS, owner_rows(ctx, specs))
    rows["merchants"] += bulk_write(Merchant, MERCHANT_COLUMNS, merchant_rows(specs))
    rows["memberships"] += bulk_write(Membership, MEMBERSHIP_COLUMNS, membership_rows(specs))
    rows["permits"] += bulk_write(Permit, PERMIT_COLUMNS, permit_rows(specs))
    return specs


def _write_declaration_batch(
    ctx: Context, merchants: list[MerchantSpec], rows: Counter[str], seed: int
) -> None:
    specs = declaration_specs(ctx, merchants)
    rows["declarations"] += bulk_write(
        Declaration,
        DECLARATION_COLUMNS,
        declaration_rows(specs),
        json_columns=(DECLARATION_COLUMNS.index("details"),),
    )
    rows["declaration events"] += bulk_write(
        DeclarationEvent,
        EVENT_COLUMNS,
        event_rows(ctx.rng, specs),
        json_columns=(EVENT_COLUMNS.index("message"),),
    )
    rows["accepted commitments"] += bulk_write(
        Declaration.accepted_commitments.through,
        COMMITMENT_COLUMNS,
        commitment_rows(ctx.rng, specs),
    )
    rows["district members"] += bulk_write(
        Declaration.member_merchants.through, MEMBER_COLUMNS, member_rows(specs)
    )
    rows["standings"] += bulk_write(
        Standing,
        STANDING_COLUMNS,
        standing_rows(standings_rng(seed, merchants), ctx.now, specs),
        json_columns=(STANDING_COLUMNS.index("acknowledged_triggers"),),
    )


def _write_record_batch(
    ctx: Context, merchants: list[MerchantSpec], rows: Counter[str], seed: int
) -> None:
    rng = records_rng(seed, merchants)
    for model, columns, make_rows, label in RECORD_TABLES:
        rows[label] += bulk_write(model, columns, make_rows(rng, ctx.now, merchants))


COMPLAINT_CHUNK = 20_000  # complaint rows built and written at a time (bounds the memory)


def _write_complaint_batch(
    ctx: Context, merchants: list[MerchantSpec], count: int, rows: Counter[str], seed: int
) -> None:
    rng = complaints_rng(seed, merchants)
    targets = complaint_targets(rng, merchants, count)
    for start in range(0, len(targets), COMPLAINT_CHUNK):
        chunk = complaint_rows(
            rng, ctx.now, targets[start : start + COMPLAINT_CHUNK], ctx.reviewers
        )
        rows["complaints"] += bulk_write(Complaint, COMPLAINT_COLUMNS, chunk)


def _write_inspection_batch(
    ctx: Context,
    merchants: list[MerchantSpec],
    count: int,
    plan: InspectionPlan,
    rows: Counter[str],
    seed: int,
) -> None:
    inspections, assignments, rectifications = inspection_rows(
        inspections_rng(seed, merchants),
        ctx.now,
        merchants,
        count,
        plan,
        ctx.reviewers,
        ctx.ids.take(Inspection, count),
        ctx.generator_user_id,
    )
    rows["inspections"] += bulk_write(
        Inspection,
        INSPECTION_COLUMNS,
        inspections,
        json_columns=(INSPECTION_COLUMNS.index("answers"),),
    )
    rows["inspection assignments"] += bulk_write(
        InspectionAssignment, ASSIGNMENT_COLUMNS, assignments
    )
    rows["rectifications"] += bulk_write(Rectification, RECTIFICATION_COLUMNS, rectifications)


COMPLAINT_TABLES: tuple[type[models.Model], ...] = (Complaint,)
INSPECTION_TABLES: tuple[type[models.Model], ...] = (
    Inspection,
    InspectionAssignment,
    Rectification,
)
MAX_INSPECTIONS_PER_MERCHANT = 4

LOADED_TABLES: tuple[type[models.Model], ...] = (
    User,
    Merchant,
    Membership,
    Permit,
    Declaration,
    DeclarationEvent,
    Declaration.accepted_commitments.through,
    Declaration.member_merchants.through,
    Standing,
)


def province_generate(
    *,
    merchants: int,
    seed: int | None = None,
    batch_size: int = 10_000,
    append: bool = False,
    declarations: bool = True,
    records: bool = True,
    complaints: int = 0,
    inspections: int = 0,
    progress: Callable[[str], None] | None = None,
) -> ProvinceGenerationResult:
    """Generate `merchants` merchants with permits, a few owners, declarations, external
    records, and `complaints` complaints and `inspections` inspections against them, in one go.

    On PostgreSQL the loaded tables are locked until the run commits: use a database no one
    else is working in.
    """
    if merchants < 1 or batch_size < 1:
        raise DomainError("The number of merchants and the batch size must be positive.")
    if complaints < 0 or inspections < 0:
        raise DomainError("The numbers of complaints and inspections cannot be negative.")
    if inspections > MAX_INSPECTIONS_PER_MERCHANT * merchants:
        raise DomainError(
            f"At most {MAX_INSPECTIONS_PER_MERCHANT} inspections per merchant: ask for at most "
            f"{MAX_INSPECTIONS_PER_MERCHANT * merchants}."
        )
    previous = _previous_runs()
    if not append:
        _refuse_if_generated(previous)
    seed = seed if seed is not None else secrets.randbelow(2**31)
    result = ProvinceGenerationResult(seed=seed)
    say = progress or (lambda _message: None)
    clock = time.perf_counter
    started = clock()

    with transaction.atomic():
        counties, county_weights = load_counties()
        generator_user_id, reviewers = ensure_staff(counties)
        ctx = Context(
            rng=random.Random(seed),
            now=timezone.now(),
            counties=counties,
            county_cum_weights=county_weights,
            schemes=load_schemes(),
            generator_user_id=generator_user_id,
            reviewers=reviewers,
            serial=max((int(run.data.get("serial_to", 0)) for run in previous), default=0) + 1,
        )
        result.serial_from = ctx.serial
        plan = None
        if inspections:
            plan = create_campaigns(seed, ctx.now, counties, reviewers)
        extra = (COMPLAINT_TABLES if complaints else ()) + (INSPECTION_TABLES if plan else ())
        with foreign_keys_suspended(LOADED_TABLES + extra):
            result.seconds["setup"] = clock() - started
            with indexes_suspended((RECORD_MODELS if records else ()) + extra):
                done = 0
                while done < merchants:
                    n = min(batch_size, merchants - done)
                    t0 = clock()
                    specs = _write_merchant_batch(ctx, n, result.rows)
                    result.counties.update(m.county.code for m in specs)
                    t1 = clock()
                    result.seconds["merchants"] += t1 - t0
                    if declarations:
                        _write_declaration_batch(ctx, specs, result.rows, seed)
                        result.seconds["declarations"] += clock() - t1
                    if records:
                        t2 = clock()
                        _write_record_batch(ctx, specs, result.rows, seed)
                        result.seconds["records"] += clock() - t2
                    if complaints:
                        t3 = clock()
                        count = share(complaints, done, n, merchants)
                        _write_complaint_batch(ctx, specs, count, result.rows, seed)
                        result.seconds["complaints"] += clock() - t3
                    if plan is not None:
                        t4 = clock()
                        count = share(inspections, done, n, merchants)
                        _write_inspection_batch(ctx, specs, count, plan, result.rows, seed)
                        result.seconds["inspections"] += clock() - t4
                    done += n
                    say(f"{done:,} / {merchants:,} merchants ({clock() - started:.1f} s)")
                if (
                    complaints
                ):  # numbered before the indexes are built again: one pass, no index upkeep
                    t_numbers = clock()
                    complaints_number_missing()
                    result.seconds["complaints"] += clock() - t_numbers
                t_indexes = clock()
            if records or extra:
                result.seconds["indexes"] = clock() - t_indexes
            t_keys = clock()
        result.seconds["foreign keys"] = clock() - t_keys
        result.serial_to = ctx.serial - 1
        if plan is not None:
            city_of = {c.code: c.city_code for c in counties}
            per_city: Counter[str] = Counter()
            for county_code, n in result.counties.items():
                per_city[city_of[county_code]] += n
            finish_campaigns(plan, per_city)
            result.rows["campaigns"] = sum(len(c) for c in plan.campaigns.values())
        AuditEntry.objects.create(
            action=GENERATE_ACTION,
            object_repr=f"{merchants} generated merchants",
            data={
                "seed": seed,
                "merchants": merchants,
                "serial_from": result.serial_from,
                "serial_to": result.serial_to,
                "rows": dict(result.rows),
            },
        )
        t_commit = clock()
    result.seconds["commit"] = clock() - t_commit
    if connection.vendor == "postgresql":
        t_analyze = clock()
        _analyze()
        result.seconds["analyze"] = clock() - t_analyze
    return result


def _analyze() -> None:
    """Fresh planner statistics, so the pages and benchmarks that follow get good plans."""
    with connection.cursor() as cursor:
        for model in (*LOADED_TABLES, *RECORD_MODELS, *COMPLAINT_TABLES, *INSPECTION_TABLES):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
