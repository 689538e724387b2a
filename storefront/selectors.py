"""One store, one code (一店一码): what a merchant's public page shows and the public search.
Public facts only: nothing here reads consumers' details, inspectors, internal notes or anything
not yet approved. What the public may see of a standing is ratings' rule (ratings.selectors).

`store_page_row` reads the merchant with everything its page shows as one row of one query (the
short lists as JSON arrays, the complaint figures and the credit level as JSON objects, each a
subquery built by the app whose rule it is); `store_page_data` turns that into the page. A new
field is a column of `_PAGE_FIELDS` / `_PAGE_COLUMNS` or a subquery of `_page_annotations`. The
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
from common.precompiled import Slot, values_compiled
from common.prepared import prepared_statements
from complaints.selectors.complaints import (
    merchant_complaint_figures_from_json,
    merchant_complaint_figures_json,
)
from merchants.models import (
    Commitment,
    Declaration,
    DeclarationState,
    Industry,
    Merchant,
    Permit,
    Pool,
    Region,
    RegistryRecord,
    Scheme,
    Station,
)
from merchants.selectors import subtree_q
from ratings.models import Standing
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


# The merchant's columns the page shows, and its region's and standing's, named as
# store_page_data reads them.
_STANDING_FIELDS = [name.removeprefix("standing__") for name in PUBLIC_STANDING_FIELDS]
_PAGE_FIELDS = (
    "name",
    "uscc",
    "address",
    "industry",
    "contact_phone",
    "licence_valid_from",
    "licence_valid_until",
    "public_code",
)
_PAGE_COLUMNS = {
    "county_code": F("region__code"),
    "county_name": F("region__name"),
    "city_code": F("region__parent__code"),
    "city_name": F("region__parent__name"),
    **{f"standing_{name}": F(f"standing__{name}") for name in _STANDING_FIELDS},
}


def _page_query(today: date) -> QuerySet[Merchant]:
    # The code is unique: no ORDER BY to compile or run.
    return (
        Merchant.objects.filter(public_code=Slot())
        .order_by()
        .values(*_PAGE_FIELDS, **_PAGE_COLUMNS, **_page_annotations(today))
    )


def store_page_row(*, public_code: str, today: date | None = None) -> dict[str, Any]:
    """The merchant with this public code, or 404, as one row of everything `store_page_data`
    shows: only the public columns, its standing, the appeal against its latest decision and
    the page's lists and figures. One query, compiled once a day (the ORM would spend most of
    the page's time building it) and prepared once per connection (planning its subqueries
    would cost more than running them)."""
    query = values_compiled(_page_query, today or timezone.localdate())
    with prepared_statements():
        row = query.first(public_code)
    if row is None:
        raise Http404
    return row


def store_merchant_exists(*, public_code: str) -> bool:
    return Merchant.objects.filter(public_code=public_code).exists()


# Commitments in plain words


def scheme_terms(scheme: Scheme, details: dict[str, Any]) -> list[str]:
    """The scheme-specific terms of an approved declaration, as a consumer would say them."""
    return [term.strip() for term in scheme.spec.public_terms(details)]


# The page


def _standing_holder(row: dict[str, Any]) -> Merchant:
    """What ratings.selectors.public_standing reads of a merchant, from the page's row: its
    standing (none when the row has no pool) and the appeal beside its latest decision."""
    merchant = Merchant()
    if row["standing_pool"] is not None:
        merchant.standing = Standing(**{name: row[f"standing_{name}"] for name in _STANDING_FIELDS})
    for name in ("state", "statement", "submitted_at", "decided_at"):
        setattr(merchant, f"decision_appeal_{name}", row[f"decision_appeal_{name}"])
    return merchant


def store_badge(row: dict[str, Any], schemes: list[dict[str, Any]]) -> dict[str, Any]:
    """The current badge: the schemes the merchant is approved for and what the public may see
    of its standing (ratings.selectors.public_standing)."""
    standing = public_standing(_standing_holder(row))
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
    return store_page_data(row=store_page_row(public_code=public_code, today=today), today=today)


def store_page_data(*, row: dict[str, Any], today: date | None = None) -> dict[str, Any]:
    """Everything the public page shows, from the row `store_page_row` read (no further
    query). Labels are in the active language (the page is cached per language)."""
    today = today or timezone.localdate()

    permits = []
    for permit in row["page_permits"]:
        valid_until = parse_date(permit["valid_until"])
        permits.append(
            {
                "type": permit["type"],
                "type_label": _label(Permit.Type, permit["type"]),
                "number": permit["number"],
                "valid_until": valid_until,
                "expired": valid_until < today,
            }
        )
    schemes = [_scheme(scheme) for scheme in row["page_schemes"]]
    supervision = [
        {
            "date": parse_date(visit["date"]),
            "method": visit["method"],
            "method_label": _label(InspectionMethod, visit["method"]),
            "result": visit["result"],
            "result_label": _label(InspectionResult, visit["result"]) if visit["result"] else "",
        }
        for visit in row["page_visits"]
    ]
    figures = merchant_complaint_figures_from_json(row["page_complaints"], today=today)
    complaints = figures if figures["received"] else None

    code, licence_until = row["public_code"], row["licence_valid_until"]
    return {
        "public_code": code,
        "name": row["name"],
        "uscc": row["uscc"],
        "address": row["address"],
        "county": {"code": row["county_code"], "name": row["county_name"]},
        "city": {"code": row["city_code"], "name": row["city_name"]} if row["city_code"] else None,
        "industry": row["industry"],
        "industry_label": _label(Industry, row["industry"]),
        "contact_phone": row["contact_phone"],
        "licence": {
            "valid_from": row["licence_valid_from"],
            "valid_until": licence_until,
            "expired": licence_until is not None and licence_until < today,
        },
        "permits": permits,
        "schemes": schemes,
        "badge": store_badge(row, schemes),
        "supervision": supervision,
        "supervision_since": today - timedelta(days=PUBLIC_RECORD_DAYS),
        "credit": _credit(row["page_credit"]),
        "complaints": complaints,
        "url": store_public_url(code),
        # The store page is where the store's QR code leads: its complaints come by that channel.
        "complaint_url": reverse("complaint-new") + f"?merchant={code}&channel=qr",
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
