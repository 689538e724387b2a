"""What every generator shares: the run's context, the specs it builds, reference data."""

import csv
import random
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import accumulate
from typing import Any

from django.contrib.auth.hashers import make_password

from common.errors import DomainError
from demo import synthetic as syn
from demo.province.mix import INDUSTRY_MIX, OBFUSCATE, STATE_MIX
from merchants.models import Region, Scheme, User
from merchants.seed import DATA_DIR
from merchants.services.bulk import IdAllocator

GENERATOR_USERNAME = "province-generator"
REGULATOR_USERNAME = "gen-reg-{code}"


@dataclass(slots=True)
class County:
    code: str
    name: str
    city_code: str
    city_name: str
    place: str


@dataclass(slots=True)
class SchemeInfo:
    id: int
    kind: str
    commitment_ids: list[int]


@dataclass(slots=True)
class MerchantSpec:
    id: int
    uscc: str
    entity_type: str
    name: str
    legal_representative: str
    address: str
    county: County
    industry: str
    licence_valid_from: date
    licence_valid_until: date | None
    contact_phone: str
    created_at: datetime
    permits: list[tuple[str, str, date]] = field(default_factory=list)
    owner_id: int | None = None
    institution: str = ""
    outlet: str = ""
    trade: str = ""


@dataclass(slots=True)
class DeclarationSpec:
    id: int
    merchant: MerchantSpec
    scheme: SchemeInfo
    created_by_id: int
    path: tuple[str, ...]
    times: list[datetime]
    reviewer_id: int
    details: dict[str, Any]
    members: list[int]


@dataclass
class Context:
    rng: random.Random
    now: datetime
    counties: list[County]
    county_cum_weights: list[float]
    schemes: dict[str, SchemeInfo]
    generator_user_id: int
    reviewers: dict[str, tuple[int, int, int]]  # county code → (county, city, province) reviewer
    serial: int
    ids: IdAllocator = field(default_factory=IdAllocator)
    industry_cum_weights: list[float] = field(
        default_factory=lambda: list(accumulate(w for _, w in INDUSTRY_MIX))
    )
    state_cum_weights: list[float] = field(
        default_factory=lambda: list(accumulate(w for _, w in STATE_MIX))
    )

    def next_body(self) -> int:
        """The next organisation-code body: serials scrambled so codes do not look sequential."""
        while True:
            body = (self.serial * OBFUSCATE) % 100_000_000
            self.serial += 1
            if body not in syn.DEMO_SERIALS:
                return body


def load_counties() -> tuple[list[County], list[float]]:
    with open(DATA_DIR / "county_weights.csv", encoding="utf-8") as f:
        weights = {row["code"]: float(row["weight"]) for row in csv.DictReader(f)}
    counties = []
    for region in Region.objects.filter(level=Region.Level.COUNTY).select_related("parent"):
        city = region.parent
        counties.append(
            County(
                code=region.code,
                name=region.name,
                city_code=city.code,
                city_name=city.name,
                place=syn.short_place(city.name, region.name),
            )
        )
    if not counties:
        raise DomainError("No counties found: run the migrations first (they seed the regions).")
    cum = list(accumulate(weights.get(c.code, 30.0) for c in counties))
    return counties, cum


def load_schemes() -> dict[str, SchemeInfo]:
    schemes: dict[str, SchemeInfo] = {}
    for scheme in Scheme.objects.filter(is_active=True).prefetch_related("commitments"):
        schemes.setdefault(
            scheme.kind,
            SchemeInfo(scheme.pk, scheme.kind, [c.pk for c in scheme.commitments.all()]),
        )
    return schemes


def ensure_staff(counties: list[County]) -> tuple[int, dict[str, tuple[int, int, int]]]:
    """The generator's own account and one reviewing regulator per region; created if missing."""
    province = Region.objects.get(level=Region.Level.PROVINCE)
    codes = {province.code} | {c.code for c in counties} | {c.city_code for c in counties}
    wanted = {REGULATOR_USERNAME.format(code=code): code for code in codes}
    existing = set(
        User.objects.filter(username__in=[*wanted, GENERATOR_USERNAME]).values_list(
            "username", flat=True
        )
    )
    new_users = [
        User(
            username=username,
            password=make_password(None),
            role=User.Role.REGULATOR,
            region_id=code,
            can_review=True,
            can_handle_complaints=True,
            can_inspect=True,
            first_name="生成",
            last_name="监管",
        )
        for username, code in wanted.items()
        if username not in existing
    ]
    if GENERATOR_USERNAME not in existing:
        # Files the declarations of generated merchants that have no owner account; cannot log in.
        new_users.append(
            User(
                username=GENERATOR_USERNAME,
                password=make_password(None),
                role=User.Role.MERCHANT,
                is_active=False,
                first_name="数据生成",
            )
        )
    User.objects.bulk_create(new_users)
    ids = dict(
        User.objects.filter(username__in=[*wanted, GENERATOR_USERNAME]).values_list(
            "username", "id"
        )
    )
    by_code = {code: ids[username] for username, code in wanted.items()}
    reviewers = {
        c.code: (by_code[c.code], by_code[c.city_code], by_code[province.code]) for c in counties
    }
    return ids[GENERATOR_USERNAME], reviewers


def years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def timestamp(rng: random.Random, start: datetime, end: datetime) -> datetime:
    if end <= start:
        return start
    return start + (end - start) * rng.random()
