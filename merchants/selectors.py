"""Every read a page and the API share: querysets scoped to what the user may see."""

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from merchants.models import (
    CountyChangeRequest,
    Declaration,
    DeclarationDocument,
    DeclarationEvent,
    Invitation,
    Membership,
    Merchant,
    Region,
    RequiredDocument,
    Scheme,
    Station,
    User,
)


def region_subtree(region: Region) -> QuerySet[Region]:
    """The region and every region below it, to list or choose regions from."""
    return Region.objects.filter(code__startswith=region.prefix)


def region_subtree_codes(region: Region) -> list[str]:
    """Codes of the region and every region below it (the tree is small: 102 rows). Filtering
    `region_id IN (codes)` uses the foreign-key index, which `LIKE 'prefix%'` would not."""
    return list(region_subtree(region).values_list("code", flat=True))


CODE_LENGTH = 6  # GB/T 2260: every region code has six digits


def subtree_q(region: Region, field: str = "region_id") -> Q:
    """Rows whose `field` (a region code) lies in `region` or below: the one query idiom for
    "this region and below"; its counterpart for one object is permissions.reaches.

    The codes below a region share its prefix and all have six digits, so the subtree is one
    range of codes (330100 to 330199 for 3301): an index range scan, with no query of its own.
    A county's is its code alone, compared for equality: an index on (field, x) then also
    gives its rows in x order (a range on the leading column does not)."""
    pad = CODE_LENGTH - len(region.prefix)
    if not pad:
        return Q(**{field: region.prefix})
    return Q(
        **{f"{field}__gte": region.prefix + "0" * pad, f"{field}__lte": region.prefix + "9" * pad}
    )


def regions_reaching(code: str) -> set[str]:
    """The codes of the regions whose people reach region `code`: itself, its city and the
    province (the reverse of subtree_q: `reaches(user, code)` holds exactly for these)."""
    return {code, code[:4].ljust(CODE_LENGTH, "0"), code[:2].ljust(CODE_LENGTH, "0")}


def region_list() -> QuerySet[Region]:
    return Region.objects.select_related("parent")


def county_list(*, user: User) -> list[Region]:
    """The counties a regulator or coordinator reaches (every county, for admins), to filter by."""
    counties = region_list().filter(level=Region.Level.COUNTY)
    if not user.is_platform_admin:
        counties = counties.filter(subtree_q(user.region, "code"))
    return list(counties)


def scheme_list(*, active_only: bool = False) -> QuerySet[Scheme]:
    qs = Scheme.objects.prefetch_related("commitments", "required_documents")
    return qs.filter(is_active=True) if active_only else qs


def _merchant_scope(user: User) -> Q | None:
    """The Q that limits merchants to the user's reach; None means everything."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_platform_admin:
        return None
    if user.role in (User.Role.REGULATOR, User.Role.COORDINATOR) and user.region_id:
        return subtree_q(user.region)
    return Q(memberships__user=user)


def merchant_list(*, user: User) -> QuerySet[Merchant]:
    qs = Merchant.objects.select_related("region", "region__parent")
    scope = _merchant_scope(user)
    return qs if scope is None else qs.filter(scope)


def merchant_get(*, user: User, pk: int) -> Merchant:
    return get_object_or_404(merchant_list(user=user), pk=pk)


def merchant_list_for_member(*, user: User) -> QuerySet[Merchant]:
    """Merchants the user works for (as owner or staff), whatever other role they hold."""
    return (
        Merchant.objects.filter(memberships__user=user)
        .select_related("region", "region__parent")
        .prefetch_related(
            Prefetch(
                "declarations",
                queryset=Declaration.objects.select_related("scheme").order_by("-updated_at"),
            )
        )
    )


def membership_list(*, merchant: Merchant) -> QuerySet[Membership]:
    return merchant.memberships.select_related("user").order_by("role", "user__username")


def declaration_list(*, user: User) -> QuerySet[Declaration]:
    qs = Declaration.objects.select_related("merchant", "merchant__region", "scheme")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_platform_admin:
        return qs
    if user.role in (User.Role.REGULATOR, User.Role.COORDINATOR) and user.region_id:
        return qs.filter(subtree_q(user.region))
    return qs.filter(merchant_id__in=Membership.objects.filter(user=user).values("merchant_id"))


def declaration_get(*, user: User, pk: int) -> Declaration:
    qs = declaration_list(user=user).prefetch_related(
        "accepted_commitments",
        "member_merchants",
        "documents__required_document",
        Prefetch("events", queryset=DeclarationEvent.objects.select_related("actor")),
        "scheme__commitments",
        "scheme__required_documents",
    )
    return get_object_or_404(qs, pk=pk)


def merchant_list_by_uscc(*, usccs: list[str]) -> QuerySet[Merchant]:
    """Registered merchants with these codes. A USCC and a name are public (the store's page)."""
    return Merchant.objects.filter(uscc__in=usccs).only("pk", "uscc", "name")


def invitation_get_by_token(*, token: str) -> Invitation | None:
    """The token is the secret that grants access: whoever holds it may see the invitation."""
    return Invitation.objects.select_related("merchant", "invited_by").filter(token=token).first()


def invitation_list_pending(*, merchant: Merchant) -> QuerySet[Invitation]:
    return merchant.invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True)


def declaration_document_rows(
    declaration: Declaration,
) -> list[tuple[RequiredDocument, list[DeclarationDocument]]]:
    """Each document the scheme asks for, with the files attached for it (the documents
    partial of the merchant's and the reviewer's pages)."""
    attached: dict[int, list[DeclarationDocument]] = {}
    for document in declaration.documents.all():
        attached.setdefault(document.required_document_id, []).append(document)
    return [(rd, attached.get(rd.pk, [])) for rd in declaration.scheme.required_documents.all()]


def county_change_list_for_regulator(*, user: User) -> QuerySet[CountyChangeRequest]:
    """County change requests INTO the user's region and below (the receiving side decides);
    open ones first. Platform admins see all; anyone else none."""
    qs = CountyChangeRequest.objects.select_related(
        "merchant", "from_region", "to_region", "requested_by", "decided_by"
    ).order_by("-state", "-requested_at", "-id")
    # "requested" sorts after "refused" and "approved": -state puts open requests first.
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_platform_admin:
        return qs
    if user.is_regulator:
        return qs.filter(subtree_q(user.region, "to_region_id"))
    return qs.none()


def county_change_list_for_merchant(*, merchant: Merchant) -> QuerySet[CountyChangeRequest]:
    return merchant.county_change_requests.select_related(
        "from_region", "to_region", "requested_by", "decided_by"
    )


# Liaison stations -----------------------------------------------------------------------------


def station_list(
    *, user: User, county_code: str | None = None, active: bool | None = None
) -> QuerySet[Station]:
    """The stations of the regulator's region and below (every one, for admins), of one county
    and active or not if asked."""
    qs = Station.objects.select_related("region", "region__parent").prefetch_related(
        Prefetch("coordinators", queryset=User.objects.order_by("last_name", "first_name", "pk"))
    )
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if not user.is_platform_admin:
        if not user.is_regulator:
            return qs.none()
        qs = qs.filter(subtree_q(user.region))
    if county_code:
        qs = qs.filter(region_id=county_code)
    return qs if active is None else qs.filter(is_active=active)


def station_get(*, user: User, pk: int) -> Station:
    return get_object_or_404(station_list(user=user), pk=pk)


def station_list_public(*, county_code: str | None = None) -> QuerySet[Station]:
    """What anyone may see: active stations, of one county if given."""
    qs = Station.objects.filter(is_active=True).select_related("region", "region__parent")
    qs = qs.prefetch_related(
        Prefetch("coordinators", queryset=User.objects.filter(is_active=True).order_by("pk"))
    )
    return qs.filter(region_id=county_code) if county_code else qs


def station_list_for_coordinator(*, user: User) -> QuerySet[Station]:
    """The active stations a coordinator serves (for their visits and, later, the complaints
    they lodge at a station); none for anyone else."""
    if not user.is_authenticated or not user.is_coordinator:
        return Station.objects.none()
    return Station.objects.filter(coordinators=user, is_active=True, region_id=user.region_id)


def coordinator_choices(*, user: User, county: Region | None = None) -> QuerySet[User]:
    """The accounts that may serve a station: the active coordinators of `county`, or, before
    the county is chosen, those of every county the user reaches."""
    qs = User.objects.filter(role=User.Role.COORDINATOR, is_active=True)
    if county is not None:
        qs = qs.filter(region=county)
    elif not user.is_platform_admin:
        qs = qs.filter(subtree_q(user.region))
    return qs.select_related("region").order_by("region_id", "last_name", "first_name", "pk")


def public_county_list() -> QuerySet[Region]:
    """Counties that have at least one active station, for the public page's choice."""
    return (
        region_list()
        .filter(level=Region.Level.COUNTY, stations__is_active=True)
        .distinct()
        .order_by("code")
    )
