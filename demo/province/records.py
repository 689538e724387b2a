"""External records for the generated merchants, as the five feeding systems would send them.

Registry: nearly every merchant; ~97% active, ~2% on the abnormal-operations list, ~0.3% on the
serious-dishonesty list, ~1% with an expired business licence, credit mostly A or B. Quality: spot
checks for ~10% of manufacturers and retailers, ~4% of those with a failure in the last 12 months.
Food chain: the food permit of ~90% of caterers (the few expired permits stay expired). Cold chain:
checks for ~5% of food retailers. Enforcement: penalties for ~3% of merchants over 3 years.
Record ids are derived from the USCC, unique across runs. The records draw from a generator of
their own, seeded by the batch, so a run with or without them makes the same merchants.
"""

import random
from bisect import bisect
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from itertools import accumulate
from typing import Any

from django.db import connection
from django.db.models import Model

from demo import synthetic as syn
from demo.province.context import MerchantSpec
from merchants.models import (
    ColdChainRecord,
    FoodChainRecord,
    Industry,
    PenaltyRecord,
    Permit,
    QualityRecord,
    RegistryRecord,
)

REGISTRY_SHARE = 0.995
ABNORMAL_SHARE = 0.02
DISHONEST_SHARE = 0.003
EXPIRED_LICENCE_SHARE = 0.01
STATUS_MIX = (
    (RegistryRecord.Status.ACTIVE, 97),
    (RegistryRecord.Status.CANCELLED, 1.5),
    (RegistryRecord.Status.REVOKED, 1),
    (RegistryRecord.Status.SUSPENDED, 0.5),
)
CREDIT_MIX = (
    (RegistryRecord.Credit.A, 72),
    (RegistryRecord.Credit.B, 24),
    (RegistryRecord.Credit.C, 3.5),
    (RegistryRecord.Credit.D, 0.5),
)
QUALITY_INDUSTRIES = frozenset({Industry.MANUFACTURING, Industry.RETAIL, Industry.SUPERMARKET})
QUALITY_SHARE = 0.10
QUALITY_RECENT_FAIL_SHARE = 0.04
FOOD_CHAIN_SHARE = 0.90
COLD_CHAIN_SHARE = 0.05
PENALTY_SHARE = 0.03
SEVERITY_MIX = (
    (PenaltyRecord.Severity.MINOR, 55),
    (PenaltyRecord.Severity.ORDINARY, 40),
    (PenaltyRecord.Severity.SERIOUS, 5),
)
RETAIL_PRODUCTS = (
    "食用植物油",
    "瓶装饮用水",
    "儿童服装",
    "休闲食品",
    "茶叶",
    "电线电缆",
    "插座",
    "学生文具",
    "塑料购物袋",
    "小家电",
    "儿童玩具",
    "化妆品",
    "眼镜片",
    "黄金饰品",
)
COLD_CHAIN_FINDINGS = (
    "冷库温度记录不完整",
    "冷藏柜温度超出规定范围",
    "进口冷链食品未提供检验检疫证明",
    "未按规定上传冷链追溯信息",
)
PENALTY_DESCRIPTIONS = (
    "未按规定明码标价",
    "未在经营场所醒目位置公示营业执照",
    "发布虚假广告",
    "销售不合格产品",
    "拒绝履行七日无理由退货义务",
    "使用不合格计量器具",
    "侵犯注册商标专用权",
)
FOOD_PENALTY_DESCRIPTIONS = (
    "经营超过保质期的食品",
    "从业人员未取得健康证明",
    "未按规定落实进货查验记录制度",
    "餐具未按规定清洗消毒",
)


def _days_ago(rng: random.Random, today: date, low: int, high: int) -> date:
    return today - timedelta(days=rng.randrange(low, high))


def _after(rng: random.Random, day: date, today: date, low: int, high: int) -> date:
    """The date a source publishes what happened on `day`: a few days later, never in the future."""
    return min(today, day + timedelta(days=rng.randrange(low, high)))


REGISTRY_COLUMNS = (
    "uscc",
    "record_id",
    "as_of",
    "imported_at",
    "entity_status",
    "licence_valid_until",
    "on_abnormal_list",
    "on_dishonest_list",
    "credit_level",
)


def registry_rows(
    rng: random.Random, now: datetime, specs: list[MerchantSpec]
) -> list[tuple[Any, ...]]:
    # The bulk of the records (one per merchant): plain values and one random() per choice.
    today, stamp, draw = now.date(), now.isoformat(), rng.random
    recent = [today - timedelta(days=d) for d in range(30)]
    statuses = [str(status) for status, _weight in STATUS_MIX]
    status_cum = list(accumulate(weight / 100 for _status, weight in STATUS_MIX))
    credits = [str(credit) for credit, _weight in CREDIT_MIX]
    credit_cum = list(accumulate(weight / 100 for _credit, weight in CREDIT_MIX))
    rows = []
    for m in specs:
        if draw() >= REGISTRY_SHARE:
            continue
        abnormal = draw() < ABNORMAL_SHARE
        dishonest = draw() < DISHONEST_SHARE
        if dishonest:
            credit = "D"
        elif abnormal:
            credit = "C" if draw() < 0.7 else "D"
        else:
            credit = credits[min(bisect(credit_cum, draw()), len(credits) - 1)]
        valid_until = m.licence_valid_until
        if draw() < EXPIRED_LICENCE_SHARE:
            valid_until = _days_ago(rng, today, 1, 400)
        rows.append(
            (
                m.uscc,
                f"QY-{m.uscc}",
                recent[int(draw() * 30)],
                stamp,
                statuses[min(bisect(status_cum, draw()), len(statuses) - 1)],
                valid_until,
                abnormal,
                dishonest,
                credit,
            )
        )
    return rows


QUALITY_COLUMNS = ("uscc", "record_id", "as_of", "imported_at", "checked_on", "product", "result")


def quality_rows(
    rng: random.Random, now: datetime, specs: list[MerchantSpec]
) -> list[tuple[Any, ...]]:
    today = now.date()
    rows = []
    for m in specs:
        if m.industry not in QUALITY_INDUSTRIES or rng.random() >= QUALITY_SHARE:
            continue
        recent_fail = rng.random() < QUALITY_RECENT_FAIL_SHARE
        for n in range(rng.choice((1, 1, 1, 2, 2, 3))):
            if n == 0 and recent_fail:
                checked_on, result = _days_ago(rng, today, 5, 365), QualityRecord.Result.FAIL
            else:
                # Older checks fail now and then; a failure inside 12 months is the rare case above.
                checked_on = _days_ago(rng, today, 370, 1095)
                failed = rng.random() < 0.03
                result = QualityRecord.Result.FAIL if failed else QualityRecord.Result.PASS
            if m.industry == Industry.MANUFACTURING:
                product = syn.FACTORY_CATEGORIES.get(m.trade, "日用小商品")
            else:
                product = rng.choice(RETAIL_PRODUCTS)
            rows.append(
                (
                    m.uscc,
                    f"ZL-{m.uscc}-{n + 1}",
                    _after(rng, checked_on, today, 7, 30),
                    now,
                    checked_on,
                    product,
                    result,
                )
            )
    return rows


FOOD_CHAIN_COLUMNS = (
    "uscc",
    "record_id",
    "as_of",
    "imported_at",
    "permit_number",
    "permit_valid_until",
    "traceability_compliant",
)


def food_chain_rows(
    rng: random.Random, now: datetime, specs: list[MerchantSpec]
) -> list[tuple[Any, ...]]:
    today = now.date()
    rows = []
    for m in specs:
        if m.industry != Industry.CATERING or rng.random() >= FOOD_CHAIN_SHARE:
            continue
        permit = next((p for p in m.permits if p[0] == Permit.Type.FOOD_BUSINESS), None)
        if permit is None:  # a caterer the platform holds no permit for: the source has one
            number = syn.food_business_number(rng, m.county.code, catering=True)
            valid_until = today + timedelta(days=rng.randrange(30, 1826))
        else:
            _type, number, valid_until = permit
        rows.append(
            (
                m.uscc,
                f"ZSL-{m.uscc}",
                _days_ago(rng, today, 0, 60),
                now,
                number,
                valid_until,
                rng.random() < 0.96,
            )
        )
    return rows


COLD_CHAIN_COLUMNS = (
    "uscc",
    "record_id",
    "as_of",
    "imported_at",
    "checked_on",
    "compliant",
    "note",
)


def _sells_food(m: MerchantSpec) -> bool:
    if m.industry == Industry.SUPERMARKET:
        return True
    return m.industry == Industry.RETAIL and any(
        p[0] == Permit.Type.FOOD_BUSINESS for p in m.permits
    )


def cold_chain_rows(
    rng: random.Random, now: datetime, specs: list[MerchantSpec]
) -> list[tuple[Any, ...]]:
    today = now.date()
    rows = []
    for m in specs:
        if not _sells_food(m) or rng.random() >= COLD_CHAIN_SHARE:
            continue
        for n in range(rng.randrange(1, 5)):
            checked_on = _days_ago(rng, today, 1, 730)
            compliant = rng.random() < 0.93
            rows.append(
                (
                    m.uscc,
                    f"LL-{m.uscc}-{n + 1}",
                    _after(rng, checked_on, today, 0, 3),
                    now,
                    checked_on,
                    compliant,
                    "" if compliant else rng.choice(COLD_CHAIN_FINDINGS),
                )
            )
    return rows


PENALTY_COLUMNS = (
    "uscc",
    "record_id",
    "as_of",
    "imported_at",
    "decided_on",
    "severity",
    "description",
)


def penalty_rows(
    rng: random.Random, now: datetime, specs: list[MerchantSpec]
) -> list[tuple[Any, ...]]:
    today = now.date()
    severities, severity_weights = zip(*SEVERITY_MIX, strict=True)
    rows = []
    for m in specs:
        if rng.random() >= PENALTY_SHARE:
            continue
        food = m.industry in (Industry.CATERING, Industry.SUPERMARKET)
        descriptions = PENALTY_DESCRIPTIONS + (FOOD_PENALTY_DESCRIPTIONS if food else ())
        for n in range(rng.choices((1, 2, 3), (80, 15, 5))[0]):
            decided_on = _days_ago(rng, today, 1, 1095)
            rows.append(
                (
                    m.uscc,
                    f"CF-{m.uscc}-{n + 1}",
                    _after(rng, decided_on, today, 1, 15),
                    now,
                    decided_on,
                    rng.choices(severities, severity_weights)[0],
                    rng.choice(descriptions),
                )
            )
    return rows


def records_rng(seed: int, specs: list[MerchantSpec]) -> random.Random:
    """The batch's own generator: the run's seed and the batch's first code pick it."""
    return random.Random(f"records {seed} {specs[0].uscc if specs else ''}")


@contextmanager
def indexes_suspended(models: Sequence[type[Model]]) -> Iterator[None]:
    """Drop the tables' secondary indexes and unique constraints for a load and build them again
    at the end, as PostgreSQL's "Populating a Database" advises: one sorted build per index
    instead of a b-tree insert per row (loading the registry records takes a third of the time).
    Must run inside a transaction, like `foreign_keys_suspended`. No-op on other databases.
    """
    if connection.vendor != "postgresql" or not models:
        yield
        return
    tables = [model._meta.db_table for model in models]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'u' AND conrelid = ANY(%s::regclass[])",
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            [tables],
        )
        indexes = cursor.fetchall()
        for table, name, _definition in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in constraints:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")


RECORD_TABLES = (
    (RegistryRecord, REGISTRY_COLUMNS, registry_rows, "registry records"),
    (QualityRecord, QUALITY_COLUMNS, quality_rows, "quality spot checks"),
    (FoodChainRecord, FOOD_CHAIN_COLUMNS, food_chain_rows, "food-chain records"),
    (ColdChainRecord, COLD_CHAIN_COLUMNS, cold_chain_rows, "cold-chain records"),
    (PenaltyRecord, PENALTY_COLUMNS, penalty_rows, "penalties"),
)
RECORD_MODELS: tuple[type[Model], ...] = tuple(table[0] for table in RECORD_TABLES)
