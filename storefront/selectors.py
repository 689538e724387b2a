"""One store, one code (一店一码): what a merchant's public page shows and the public search.
Public facts only: nothing here reads consumers' details, inspectors, internal notes or anything
not yet approved. What the public may see of a standing is ratings' rule (ratings.selectors).

`store_merchant_get` reads the merchant with everything its page shows in one query (the short
lists as JSON arrays, the complaint figures and the credit level as JSON objects, each a
subquery built by the app whose rule it is); `store_page_data` turns that into the page. The
page (storefront.views) and the public API (storefront.api) both show exactly this and nothing
more.
"""

import json
from datetime import date, timedelta
from typing import Any

from django.db import models
from django.db.models import F, JSONField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import JSONObject, TruncDate
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date

from common.jsonrows import JSONRows
from common.precompiled import annotations_compiled
from common.prepared import prepared_statements
from complaints.selectors.complaints import (
    merchant_complaint_figures_from_json,
    merchant_complaint_figures_json,
)
from merchants.models import (
    Commitment,
    Declaration,
    DeclarationState,
    Merchant,
    Permit,
    Pool,
    Region,
    RegistryRecord,
    Scheme,
    Station,
)
from merchants.selectors import subtree_q
from ratings.selectors.public import (
    PUBLIC_STANDING_FIELDS,
    public_decision_appeal_annotations,
    public_rating,
    public_shows_schemes,
    public_standing,
)
from review.models import InspectionMethod, InspectionResult
from review.selectors.inspections import PUBLIC_RECORD_DAYS, public_inspection_record
from storefront.qr import store_public_url

SEARCH_PAGE_SIZE = 20


# The merchant with its page


def _page_annotations(today: date) -> dict[str, Any]:
    """The appeal beside the decision, and the page's lists and figures as JSON values of the
    merchant row (one query in all)."""
    merchant = OuterRef("pk")
    accepted = Declaration.accepted_commitments.through.objects.filter(
        declaration_id=OuterRef("pk")
    ).order_by("commitment__order", "commitment__pk")
    approved = Declaration.objects.filter(
        merchant_id=merchant, state=DeclarationState.APPROVED
    ).order_by("scheme__order", "scheme__code")
    credit = (
        RegistryRecord.objects.filter(uscc=OuterRef("uscc"))
        .order_by("-as_of", "-imported_at", "-pk")
        .values(json=JSONObject(level="credit_level", as_of="as_of"))[:1]
    )
    return {
        **public_decision_appeal_annotations(),
        "page_permits": JSONRows(
            Permit.objects.filter(merchant_id=merchant).order_by(
                "permit_type", "valid_until", "pk"
            ),
            type="permit_type",
            number="number",
            valid_until="valid_until",
        ),
        "page_schemes": JSONRows(
            approved,
            code="scheme__code",
            kind="scheme__kind",
            name="scheme__name",
            name_en="scheme__name_en",
            details="details",
            approved_on=TruncDate("decided_at"),
            commitments=JSONRows(
                accepted, name=F("commitment__name"), name_en=F("commitment__name_en")
            ),
        ),
        "page_visits": JSONRows(
            public_inspection_record(merchant_id=merchant, today=today),
            date=TruncDate("visited_at"),
            method="method",
            result="result",
        ),
        "page_complaints": merchant_complaint_figures_json(merchant=merchant, today=today),
        "page_credit": Subquery(credit, output_field=JSONField()),
    }


def store_merchant_get(*, public_code: str, today: date | None = None) -> Merchant:
    """The merchant with this public code, or 404, with everything `store_page_data` shows:
    only the public columns, its standing, the appeal against its latest decision and the
    page's lists and figures, in one query."""
    merchants = (
        Merchant.objects.select_related("region", "region__parent", "standing")
        .only(
            "pk",
            "name",
            "uscc",
            "address",
            "industry",
            "contact_phone",
            "licence_valid_from",
            "licence_valid_until",
            "public_code",
            "region__code",
            "region__name",
            "region__level",
            "region__parent__code",
            "region__parent__name",
            "region__parent__level",
            *PUBLIC_STANDING_FIELDS,
        )
        # Compiled once a day: the ORM would spend most of the page's time building them.
        .annotate(
            **annotations_compiled(Merchant, _page_annotations, today or timezone.localdate())
        )
        .filter(public_code=public_code)
    )
    # Planned once per connection: planning its subqueries would cost more than running them.
    # The code is unique: no ORDER BY to compile or run.
    with prepared_statements():
        merchant = next(iter(merchants.order_by()[:1]), None)
    if merchant is None:
        raise Http404
    return merchant


def store_merchant_exists(*, public_code: str) -> bool:
    return Merchant.objects.filter(public_code=public_code).exists()


# Commitments in plain words


def scheme_terms(scheme: Scheme, details: dict[str, Any]) -> list[str]:
    """The scheme-specific terms of an approved declaration, as a consumer would say them."""
    return [term.strip() for term in scheme.spec.public_terms(details)]


# The page


def store_badge(merchant: Merchant, schemes: list[dict[str, Any]]) -> dict[str, Any]:
    """The current badge: the schemes the merchant is approved for and what the public may see
    of its standing (ratings.selectors.public_standing)."""
    standing = public_standing(merchant)
    return {
        "schemes": [{"code": s["code"], "name": s["name"]} for s in schemes]
        if public_shows_schemes(standing["pool"])
        else [],
        **standing,
    }


def _label(choices: type[models.TextChoices], value: str) -> str:
    """As get_FOO_display(): the label in the active language, the value if it has none."""
    return str(dict(choices.choices).get(value, value))


def _scheme(row: dict[str, Any]) -> dict[str, Any]:
    scheme = Scheme(code=row["code"], kind=row["kind"], name=row["name"], name_en=row["name_en"])
    details = row["details"]
    if isinstance(details, str):  # SQLite: the JSON column's text
        details = json.loads(details)
    return {
        "code": scheme.code,
        "kind": scheme.kind,
        "name": scheme.display_name,
        "approved_on": parse_date(row["approved_on"]) if row["approved_on"] else None,
        "terms": scheme_terms(scheme, details or {}),
        "commitments": [Commitment(**c).display_name for c in row["commitments"]],
    }


def _credit(record: dict[str, Any] | None) -> dict[str, Any] | None:
    if record is None or not record["level"]:
        return None
    return {
        "level": record["level"],
        "label": _label(RegistryRecord.Credit, record["level"]),
        "as_of": parse_date(record["as_of"]),
    }


def store_page(*, public_code: str, today: date | None = None) -> dict[str, Any]:
    """The public page of the merchant with this code (404 if none): its merchant read and its
    data built on the same day."""
    today = today or timezone.localdate()
    return store_page_data(
        merchant=store_merchant_get(public_code=public_code, today=today), today=today
    )


def store_page_data(*, merchant: Merchant, today: date | None = None) -> dict[str, Any]:
    """Everything the public page shows, from the merchant `store_merchant_get` read (no
    further query). Labels are in the active language (the page is cached per language)."""
    today = today or timezone.localdate()
    county, city = merchant.region, merchant.region.parent

    permits = []
    for row in merchant.page_permits:
        valid_until = parse_date(row["valid_until"])
        permits.append(
            {
                "type": row["type"],
                "type_label": _label(Permit.Type, row["type"]),
                "number": row["number"],
                "valid_until": valid_until,
                "expired": valid_until < today,
            }
        )
    schemes = [_scheme(row) for row in merchant.page_schemes]
    supervision = [
        {
            "date": parse_date(visit["date"]),
            "method": visit["method"],
            "method_label": _label(InspectionMethod, visit["method"]),
            "result": visit["result"],
            "result_label": _label(InspectionResult, visit["result"]) if visit["result"] else "",
        }
        for visit in merchant.page_visits
    ]
    figures = merchant_complaint_figures_from_json(merchant.page_complaints, today=today)
    complaints = figures if figures["received"] else None

    licence_until = merchant.licence_valid_until
    return {
        "public_code": merchant.public_code,
        "name": merchant.name,
        "uscc": merchant.uscc,
        "address": merchant.address,
        "county": {"code": county.code, "name": county.name},
        "city": {"code": city.code, "name": city.name} if city else None,
        "industry": merchant.industry,
        "industry_label": str(merchant.get_industry_display()),
        "contact_phone": merchant.contact_phone,
        "licence": {
            "valid_from": merchant.licence_valid_from,
            "valid_until": licence_until,
            "expired": licence_until is not None and licence_until < today,
        },
        "permits": permits,
        "schemes": schemes,
        "badge": store_badge(merchant, schemes),
        "supervision": supervision,
        "supervision_since": today - timedelta(days=PUBLIC_RECORD_DAYS),
        "credit": _credit(merchant.page_credit),
        "complaints": complaints,
        "url": store_public_url(merchant.public_code),
        # The store page is where the store's QR code leads: its complaints come by that channel.
        "complaint_url": reverse("complaint-new") + f"?merchant={merchant.public_code}&channel=qr",
        "generated_on": today,
    }


# Public search


def store_search(
    *,
    q: str = "",
    uscc: str = "",
    region: Region | None = None,
    scheme_code: str = "",
    min_stars: int | None = None,
) -> QuerySet[Merchant]:
    """Merchants by part of the name, full USCC, region (a city or a county and below),
    approved scheme and least star rating; each with its standing (joined) and its approved
    schemes (prefetched: one query for a page)."""
    qs = Merchant.objects.select_related("region", "region__parent", "standing").only(
        "pk",
        "name",
        "address",
        "public_code",
        "region__code",
        "region__name",
        "region__parent__code",
        "region__parent__name",
        *PUBLIC_STANDING_FIELDS,
    )
    if q := q.strip():
        qs = qs.filter(name__icontains=q)
    if uscc:
        qs = qs.filter(uscc=uscc)
    if region is not None:
        qs = qs.filter(subtree_q(region))
    if scheme_code:
        qs = qs.filter(
            Q(
                pk__in=Declaration.objects.filter(
                    state=DeclarationState.APPROVED, scheme__code=scheme_code
                ).values("merchant_id")
            )
        )
    if min_stars:
        qs = qs.filter(standing__pool=Pool.STAR_RATED, standing__stars__gte=min_stars)
    return qs.prefetch_related(
        Prefetch(
            "declarations",
            queryset=Declaration.objects.filter(state=DeclarationState.APPROVED)
            .select_related("scheme")
            .only(
                "pk",
                "merchant_id",
                "scheme",
                "scheme__code",
                "scheme__name",
                "scheme__name_en",
                "scheme__order",
            )
            .order_by("scheme__order", "scheme__code"),
            to_attr="approved_declarations",
        )
    ).order_by("name", "pk")


def store_search_row(merchant: Merchant) -> dict[str, Any]:
    """One search result: the public facts a list shows."""
    county, city = merchant.region, merchant.region.parent
    rating = public_rating(merchant)
    return {
        "public_code": merchant.public_code,
        "name": merchant.name,
        "address": merchant.address,
        "county": {"code": county.code, "name": county.name},
        "city": {"code": city.code, "name": city.name} if city else None,
        "schemes": [
            {"code": d.scheme.code, "name": d.scheme.display_name}
            for d in getattr(merchant, "approved_declarations", [])
        ]
        if public_shows_schemes(rating["pool"])
        else [],
        "pool": rating["pool"],
        "stars": rating["stars"],
        "rating": rating["label"],
        "url": store_public_url(merchant.public_code),
    }


def public_station_row(station: Station) -> dict[str, Any]:
    """What the public sees of a liaison station: its facts and its coordinators' names only."""
    return {
        "name": station.name,
        "county": {"code": station.region_id, "name": station.region.display_name},
        "address": station.address,
        "phone": station.phone,
        "opening_hours": station.opening_hours,
        "coordinators": [person.display_name for person in station.coordinators.all()],
    }
