"""The public store pages follow what the other apps announce: every change a page shows drops
that page from the cache after commit (storefront.cache). One home, so a new writer of a shown
fact only has to announce it.

Connected in StorefrontConfig.ready(); the list of signals and receivers is in ARCHITECTURE.md.
"""

from typing import Any

from django.dispatch import receiver

from complaints.signals import complaint_changed
from merchants.models import DeclarationState, Merchant
from merchants.signals import (
    DeclarationChange,
    declarations_changed,
    merchant_facts_changed,
    records_changed,
)
from ratings.signals import standings_changed
from review.signals import inspection_changed
from storefront.cache import store_page_invalidate, store_page_invalidate_all

# External sources the page shows (the registry's credit level): a change retires every page.
SHOWN_SOURCES = frozenset({"registry"})


@receiver(declarations_changed, dispatch_uid="storefront.declarations")
def declarations(*, changes: list[DeclarationChange], **kwargs: Any) -> None:
    """The page shows approved schemes only: an approval, or the end of one, changes it."""
    approved = DeclarationState.APPROVED
    merchant_ids = [
        c.declaration.merchant_id for c in changes if approved in (c.from_state, c.to_state)
    ]
    if merchant_ids:
        store_page_invalidate(
            Merchant.objects.filter(pk__in=merchant_ids).values_list("public_code", flat=True)
        )


@receiver(merchant_facts_changed, dispatch_uid="storefront.merchant_facts")
def merchant_facts(*, public_codes: list[str] | None, **kwargs: Any) -> None:
    if public_codes is None:
        store_page_invalidate_all()
    else:
        store_page_invalidate(public_codes)


@receiver(records_changed, dispatch_uid="storefront.records")
def records(*, source: str, **kwargs: Any) -> None:
    if source in SHOWN_SOURCES:
        store_page_invalidate_all()


@receiver(inspection_changed, dispatch_uid="storefront.inspection")
def inspection(*, inspection: Any, **kwargs: Any) -> None:
    """The page lists recorded inspections."""
    store_page_invalidate([inspection.merchant.public_code])


@receiver(complaint_changed, dispatch_uid="storefront.complaint")
def complaint(*, complaint: Any, **kwargs: Any) -> None:
    """The page shows the merchant's complaint figures."""
    store_page_invalidate(
        Merchant.objects.filter(pk=complaint.merchant_id).values_list("public_code", flat=True)
    )


@receiver(standings_changed, dispatch_uid="storefront.standings")
def standings(*, public_codes: Any, **kwargs: Any) -> None:
    """The page shows the pool, stars, warnings and appeals."""
    store_page_invalidate(public_codes)
