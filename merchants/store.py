"""One store, one code (一店一码): what a merchant's public page shows, its QR code and the
public search. Public facts only: nothing here reads consumers' details, inspectors, internal
notes or anything not yet approved.

`store_page_data` assembles the page in a handful of queries; the page (merchants.store_views)
and the public API (merchants.public_api) both show exactly this and nothing more.
"""

import io
from datetime import date, timedelta
from typing import Any

import segno
from django.conf import settings
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from complaints.selectors import merchant_complaint_figures
from merchants.models import (
    Commitment,
    Declaration,
    DeclarationState,
    Merchant,
    Permit,
    Pool,
    RegistryRecord,
    Scheme,
)
from ratings.models import Appeal, PoolChange, Standing
from review.selectors import PUBLIC_RECORD_DAYS, public_inspection_record

SEARCH_PAGE_SIZE = 20


# The merchant and its public URL


def store_merchant_get(*, public_code: str) -> Merchant:
    """The merchant with this public code, or 404. Only the public columns are read, with its
    standing and the appeal against its latest decision in the same query."""
    merchant = (
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
            *STANDING_FIELDS,
        )
        .annotate(**_latest_decision_appeal())
        .filter(public_code=public_code)
        .first()
    )
    if merchant is None:
        raise Http404
    return merchant


def store_merchant_exists(*, public_code: str) -> bool:
    return Merchant.objects.filter(public_code=public_code).exists()


def store_path(public_code: str) -> str:
    return reverse("store-page", args=[public_code])


def store_public_url(public_code: str) -> str:
    """The address the QR code carries: the platform's public site, not the request's host."""
    return settings.SITE_URL.rstrip("/") + store_path(public_code)


# QR code


def store_qr(public_code: str) -> segno.QRCode:
    # Level M survives a scuffed or partly covered print and keeps the code small.
    return segno.make_qr(store_public_url(public_code), error="m")


def store_qr_svg(public_code: str) -> bytes:
    buffer = io.BytesIO()
    store_qr(public_code).save(
        buffer, kind="svg", scale=8, border=4, xmldecl=True, title=store_public_url(public_code)
    )
    return buffer.getvalue()


def store_qr_png(public_code: str) -> bytes:
    buffer = io.BytesIO()
    store_qr(public_code).save(buffer, kind="png", scale=10, border=4)
    return buffer.getvalue()


# Commitments in plain words


def scheme_terms(scheme: Scheme, details: dict[str, Any]) -> list[str]:
    """The scheme-specific terms of an approved declaration, as a consumer would say them."""
    terms: list[str] = []
    if scheme.kind == Scheme.Kind.NO_REASON_RETURN:
        days = details.get("return_days")
        if days:
            if details.get("cross_store_returns"):
                terms.append(
                    ngettext(
                        "%(days)d-day no-reason returns, also at our other stores",
                        "%(days)d-day no-reason returns, also at our other stores",
                        days,
                    )
                    % {"days": days}
                )
            else:
                terms.append(
                    ngettext(
                        "%(days)d-day no-reason returns at this store",
                        "%(days)d-day no-reason returns at this store",
                        days,
                    )
                    % {"days": days}
                )
        if covered := details.get("goods_covered"):
            terms.append(_("Goods covered: %(goods)s") % {"goods": covered})
        if excluded := details.get("goods_excluded"):
            terms.append(_("Not covered: %(goods)s") % {"goods": excluded})
    elif scheme.kind == Scheme.Kind.FACTORY:
        if categories := details.get("product_categories"):
            terms.append(_("Products: %(categories)s") % {"categories": categories})
        if licence := details.get("production_licence"):
            terms.append(_("Production licence: %(number)s") % {"number": licence})
    elif scheme.kind == Scheme.Kind.FINANCIAL_OUTLET:
        institution, outlet = details.get("institution"), details.get("outlet")
        if institution or outlet:
            terms.append(
                _("Outlet: %(institution)s %(outlet)s")
                % {"institution": institution or "", "outlet": outlet or ""}
            )
    return [term.strip() for term in terms]


# The page


def _approved_declarations(merchant_id: int) -> QuerySet[Declaration]:
    return (
        Declaration.objects.filter(merchant_id=merchant_id, state=DeclarationState.APPROVED)
        .select_related("scheme")
        .only(
            "pk",
            "merchant_id",
            "scheme",
            "state",
            "details",
            "decided_at",
            "scheme__code",
            "scheme__kind",
            "scheme__name",
            "scheme__name_en",
            "scheme__order",
        )
        .prefetch_related(
            Prefetch(
                "accepted_commitments",
                queryset=Commitment.objects.only("pk", "name", "name_en", "order").order_by(
                    "order", "pk"
                ),
            )
        )
        .order_by("scheme__order", "scheme__code")
    )


# The rating: what the public sees of a merchant's standing (ratings.models.Standing). Shown: the
# star rating, the cultivation pool, a warning being rectified and a removal (an exit with a
# waiting time before declaring again: 摘牌). Not shown: the selection pool (a declaration under
# review, or a regulator's invitation; nothing not yet approved is public) and an exit by a
# rejected declaration (no removal: it may declare again at once). Never the score, the reasons
# or anything a regulator wrote.

STANDING_FIELDS = (
    "standing__pool",
    "standing__stars",
    "standing__since",
    "standing__rectification_due",
    "standing__reentry_after",
)
# Appeals shown beside the decision: an overturned one has undone it (its reversal is the latest
# move, so the appeal is no longer beside the decision in force).
SHOWN_APPEALS = (Appeal.State.PENDING, Appeal.State.UPHELD)


def _latest_decision_appeal() -> dict[str, Subquery]:
    """The appeal against the merchant's latest pool move, as annotations of the merchant row
    (one row: a few indexed look-ups, no extra query)."""
    latest = PoolChange.objects.filter(merchant=OuterRef("pk")).order_by("-created_at", "-id")
    return {
        f"decision_appeal_{name}": Subquery(latest.values(f"appeal__{name}")[:1])
        for name in ("state", "statement", "submitted_at", "decided_at")
    }


def _standing(merchant: Merchant) -> Standing | None:
    try:
        return merchant.standing
    except Standing.DoesNotExist:
        return None


def public_pool(standing: Standing | None) -> str | None:
    """The pool the public sees, or None when the standing is not public."""
    if standing is None:
        return None
    if standing.pool in (Pool.CULTIVATION, Pool.STAR_RATED, Pool.WARNING):
        return standing.pool
    if standing.pool == Pool.EXITED and standing.reentry_after is not None:
        return Pool.EXITED
    return None


def rating_label(pool: str | None, stars: int | None) -> str:
    """The rating in words, as a screen reader says it and the API gives it."""
    if pool == Pool.STAR_RATED and stars:
        return ngettext(
            "%(stars)d star (assured consumption star rating)",
            "%(stars)d stars (assured consumption star rating)",
            stars,
        ) % {"stars": stars}
    return {
        Pool.CULTIVATION: _("Cultivation pool"),
        Pool.WARNING: _("Under warning: rectifying"),
        Pool.EXITED: _("Removed from the assured consumption programme"),
    }.get(pool or "", "")


def store_rating(merchant: Merchant) -> dict[str, Any]:
    """Pool, stars and label of a merchant read with its standing (select_related)."""
    standing = _standing(merchant)
    pool = public_pool(standing)
    stars = standing.stars if standing is not None and pool == Pool.STAR_RATED else None
    return {"pool": pool, "stars": stars, "label": rating_label(pool, stars)}


def _appeal(merchant: Merchant) -> dict[str, Any] | None:
    state = getattr(merchant, "decision_appeal_state", None)
    if state not in SHOWN_APPEALS:
        return None
    decided_at = merchant.decision_appeal_decided_at
    return {
        "state": state,
        "state_label": str(Appeal.State(state).label),
        "statement": merchant.decision_appeal_statement,
        "submitted_on": timezone.localdate(merchant.decision_appeal_submitted_at),
        "decided_on": timezone.localdate(decided_at) if decided_at else None,
    }


def store_badge(merchant: Merchant, schemes: list[dict[str, Any]]) -> dict[str, Any]:
    """The current badge: the schemes the merchant is approved for and its rating, with the
    merchant's appeal against the decision behind it (its right to reply). A removed merchant
    carries no scheme seal."""
    standing = _standing(merchant)
    rating = store_rating(merchant)
    pool = rating["pool"]
    return {
        "schemes": []
        if pool == Pool.EXITED
        else [{"code": s["code"], "name": s["name"]} for s in schemes],
        **rating,
        "since": timezone.localdate(standing.since) if pool else None,
        "rectify_by": standing.rectification_due if pool == Pool.WARNING else None,
        "appeal": _appeal(merchant) if pool else None,
    }


def _credit(uscc: str) -> dict[str, Any] | None:
    record = (
        RegistryRecord.objects.filter(uscc=uscc)
        .only("pk", "credit_level", "as_of")
        .order_by("-as_of", "-imported_at", "-pk")
        .first()
    )
    if record is None or not record.credit_level:
        return None
    return {
        "level": record.credit_level,
        "label": str(record.get_credit_level_display()),
        "as_of": record.as_of,
    }


def store_page_data(*, merchant: Merchant, today: date | None = None) -> dict[str, Any]:
    """Everything the public page shows, in six queries after the merchant. Labels are in the
    active language (the page is cached per language)."""
    today = today or timezone.localdate()
    county, city = merchant.region, merchant.region.parent

    permits = [
        {
            "type": permit.permit_type,
            "type_label": str(permit.get_permit_type_display()),
            "number": permit.number,
            "valid_until": permit.valid_until,
            "expired": permit.valid_until < today,
        }
        for permit in Permit.objects.filter(merchant_id=merchant.pk)
        .only("pk", "merchant_id", "permit_type", "number", "valid_until")
        .order_by("permit_type", "valid_until", "pk")
    ]

    schemes = [
        {
            "code": declaration.scheme.code,
            "kind": declaration.scheme.kind,
            "name": declaration.scheme.display_name,
            "approved_on": timezone.localdate(declaration.decided_at)
            if declaration.decided_at
            else None,
            "terms": scheme_terms(declaration.scheme, declaration.details or {}),
            "commitments": [c.display_name for c in declaration.accepted_commitments.all()],
        }
        for declaration in _approved_declarations(merchant.pk)
    ]

    supervision = [
        {
            "date": timezone.localdate(inspection.visited_at),
            "method": inspection.method,
            "method_label": str(inspection.get_method_display()),
            "result": inspection.result,
            "result_label": str(inspection.get_result_display()) if inspection.result else "",
        }
        for inspection in public_inspection_record(merchant_id=merchant.pk, today=today)
    ]

    figures = merchant_complaint_figures(merchant_id=merchant.pk, today=today)
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
        "credit": _credit(merchant.uscc),
        "complaints": complaints,
        "url": store_public_url(merchant.public_code),
        "complaint_url": reverse("complaint-new") + f"?merchant={merchant.public_code}",
        "generated_on": today,
    }


# Public search


def store_search(
    *,
    q: str = "",
    uscc: str = "",
    region_prefix: str = "",
    scheme_code: str = "",
    min_stars: int | None = None,
) -> QuerySet[Merchant]:
    """Merchants by part of the name, full USCC, region (a city or county code prefix),
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
        *STANDING_FIELDS,
    )
    if q := q.strip():
        qs = qs.filter(name__icontains=q)
    if uscc:
        qs = qs.filter(uscc=uscc)
    if region_prefix:
        # The region's primary key is its code, so this needs no join.
        qs = qs.filter(region__code__startswith=region_prefix)
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
    rating = store_rating(merchant)
    return {
        "public_code": merchant.public_code,
        "name": merchant.name,
        "address": merchant.address,
        "county": {"code": county.code, "name": county.name},
        "city": {"code": city.code, "name": city.name} if city else None,
        "schemes": []
        if rating["pool"] == Pool.EXITED
        else [
            {"code": d.scheme.code, "name": d.scheme.display_name}
            for d in getattr(merchant, "approved_declarations", [])
        ],
        "pool": rating["pool"],
        "stars": rating["stars"],
        "rating": rating["label"],
        "url": store_public_url(merchant.public_code),
    }
