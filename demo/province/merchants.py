"""Merchants and what hangs off them: permits, owner accounts and their memberships."""

import random
import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password

from demo import synthetic as syn
from demo.province.context import Context, MerchantSpec, timestamp, years_later
from demo.province.mix import (
    INDIVIDUAL_SHARE,
    INDUSTRY_MIX,
    LONG_TERM,
    OWNER_SHARE,
    PROGRAMME_START,
)
from merchants.models import Industry, Membership, Merchant, Permit, User
from merchants.uscc import build_uscc


def merchant_specs(ctx: Context, n: int) -> list[MerchantSpec]:
    rng, now = ctx.rng, ctx.now
    counties = rng.choices(ctx.counties, cum_weights=ctx.county_cum_weights, k=n)
    industries = rng.choices(
        [i for i, _ in INDUSTRY_MIX], cum_weights=ctx.industry_cum_weights, k=n
    )
    ids = ctx.ids.take(Merchant, n)
    today = now.date()
    latest_registration = now - timedelta(days=20)
    specs = []
    for merchant_id, county, industry in zip(ids, counties, industries, strict=True):
        individual = rng.random() < INDIVIDUAL_SHARE.get(industry, 0.0)
        entity_type = "92" if individual else "91"
        institution = outlet = trade = ""
        if industry == Industry.FINANCE:
            name, institution, outlet = syn.bank_outlet(rng, county.city_name, county.name)
        elif individual:
            name = syn.shop_name(rng, industry, county.name)
        else:
            name, trade = syn.company_name(rng, industry, county.place)
        # Licences: most recent years heavier; 55% of companies and all shops are long-term (长期).
        valid_from = today - timedelta(days=min(int(rng.expovariate(1 / 2200)), 11_000))
        valid_until = None
        if not individual and rng.random() < 0.45:
            valid_until = years_later(valid_from, rng.choice((10, 20, 30, 50)))
        phone = (
            syn.landline(rng, county.city_code)
            if not individual and rng.random() < 0.6
            else syn.mobile_phone(rng)
        )
        registered_from = max(
            PROGRAMME_START, datetime.combine(valid_from, datetime.min.time(), tzinfo=UTC)
        )
        spec = MerchantSpec(
            id=merchant_id,
            uscc=build_uscc(county.code, ctx.next_body(), entity_type),
            entity_type=entity_type,
            name=name,
            legal_representative=syn.person_name(rng),
            address=syn.address(rng, county.city_name, county.name),
            county=county,
            industry=industry,
            licence_valid_from=valid_from,
            licence_valid_until=valid_until,
            contact_phone=phone,
            created_at=timestamp(rng, registered_from, latest_registration),
            institution=institution,
            outlet=outlet,
            trade=trade,
        )
        spec.permits = permit_specs(rng, spec, today)
        specs.append(spec)
    replace_taken_usccs(ctx, specs)
    return specs


def permit_specs(rng: random.Random, m: MerchantSpec, today: date) -> list[tuple[str, str, date]]:
    """(type, number, valid until) for the permits the merchant's trade needs."""

    def five_year_term() -> date:
        # Issued in the last five years (2% a little longer ago, so already expired).
        age = rng.randrange(1830, 2200) if rng.random() < 0.02 else rng.randrange(0, 1825)
        return today - timedelta(days=age) + timedelta(days=1826)

    industry, county = m.industry, m.county.code
    if m.name.endswith("大药房") or m.trade == "医药连锁":
        return [(Permit.Type.DRUG, syn.drug_licence_number(rng), five_year_term())]
    if industry == Industry.CATERING and rng.random() < 0.97:
        number = syn.food_business_number(rng, county, catering=True)
        return [(Permit.Type.FOOD_BUSINESS, number, five_year_term())]
    if industry == Industry.SUPERMARKET or (industry == Industry.RETAIL and rng.random() < 0.25):
        number = syn.food_business_number(rng, county, catering=False)
        return [(Permit.Type.FOOD_BUSINESS, number, five_year_term())]
    if industry == Industry.HOSPITALITY and rng.random() < 0.5:
        number = syn.food_business_number(rng, county, catering=True)
        return [(Permit.Type.FOOD_BUSINESS, number, five_year_term())]
    if industry == Industry.MANUFACTURING and rng.random() < 0.85:
        if m.trade == "食品":
            number = syn.food_production_number(rng, county)
            return [(Permit.Type.FOOD_PRODUCTION, number, five_year_term())]
        number = syn.production_licence_number(rng)
        return [(Permit.Type.INDUSTRIAL_PRODUCTION, number, five_year_term())]
    if industry == Industry.FINANCE:
        return [(Permit.Type.FINANCIAL, syn.financial_licence_number(rng), LONG_TERM)]
    return []


def replace_taken_usccs(ctx: Context, specs: list[MerchantSpec]) -> None:
    """Give a fresh code to any spec whose code is already registered (e.g. by a person)."""
    codes = [s.uscc for s in specs]
    taken: set[str] = set()
    for start in range(0, len(codes), 5000):
        chunk = codes[start : start + 5000]
        taken.update(Merchant.objects.filter(uscc__in=chunk).values_list("uscc", flat=True))
    for spec in specs:
        while spec.uscc in taken:
            spec.uscc = build_uscc(spec.county.code, ctx.next_body(), spec.entity_type)
            if Merchant.objects.filter(uscc=spec.uscc).exists():
                taken.add(spec.uscc)


MERCHANT_COLUMNS = (
    "id",
    "uscc",
    "name",
    "legal_representative",
    "address",
    "region_id",
    "industry",
    "licence_valid_from",
    "licence_valid_until",
    "contact_phone",
    "public_code",
    "created_at",
    "updated_at",
)


def merchant_rows(specs: list[MerchantSpec]) -> list[tuple[Any, ...]]:
    token = secrets.token_urlsafe
    return [
        (
            m.id,
            m.uscc,
            m.name,
            m.legal_representative,
            m.address,
            m.county.code,
            m.industry,
            m.licence_valid_from,
            m.licence_valid_until,
            m.contact_phone,
            token(12),
            m.created_at,
            m.created_at,
        )
        for m in specs
    ]


PERMIT_COLUMNS = ("merchant_id", "permit_type", "number", "valid_until")


def permit_rows(specs: list[MerchantSpec]) -> list[tuple[Any, ...]]:
    return [(m.id, *permit) for m in specs for permit in m.permits]


USER_COLUMNS = (
    "id",
    "password",
    "is_superuser",
    "username",
    "first_name",
    "last_name",
    "email",
    "is_staff",
    "is_active",
    "date_joined",
    "role",
    "phone",
    "can_review",
    "can_handle_complaints",
    "can_inspect",
    "can_supervise",
)


def owner_rows(ctx: Context, specs: list[MerchantSpec]) -> list[tuple[Any, ...]]:
    """Owner accounts for a small share of merchants; sets `owner_id` on those specs."""
    owned = [m for m in specs if ctx.rng.random() < OWNER_SHARE]
    rows = []
    for user_id, m in zip(ctx.ids.take(User, len(owned)), owned, strict=True):
        m.owner_id = user_id
        rows.append(
            (
                user_id,
                make_password(None),
                False,
                f"owner-{m.uscc.lower()}",
                m.legal_representative[1:],
                m.legal_representative[:1],
                "",
                False,
                True,
                m.created_at,
                User.Role.MERCHANT,
                syn.mobile_phone(ctx.rng),
                False,
                False,
                False,
                False,
            )
        )
    return rows


MEMBERSHIP_COLUMNS = ("user_id", "merchant_id", "role", "created_at")


def membership_rows(specs: list[MerchantSpec]) -> list[tuple[Any, ...]]:
    return [
        (m.owner_id, m.id, Membership.Role.OWNER, m.created_at)
        for m in specs
        if m.owner_id is not None
    ]
