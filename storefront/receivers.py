"""The public store pages follow what the other apps announce: every change a page shows drops
that page from the cache after commit (storefront.cache). One home, so a new writer of a shown
fact only has to announce it.

Connected in StorefrontConfig.ready(); the list of signals and receivers is in ARCHITECTURE.md.
"""

from typing import Any

from django.dispatch import receiver

from complaints.signals import complaint_changed
from merchants.signals import declarations_changed, merchant_facts_changed, records_changed
from ratings.signals import standings_changed
from review.signals import inspection_changed
from storefront.cache import (
    store_page_follow_merchant,
    store_page_invalidate,
    store_pages_follow_declarations,
    store_pages_follow_facts,
    store_pages_follow_records,
)


@receiver(declarations_changed, dispatch_uid="storefront.declarations")
def declarations(*, changes: Any, **kwargs: Any) -> None:
    store_pages_follow_declarations(changes)


@receiver(merchant_facts_changed, dispatch_uid="storefront.merchant_facts")
def merchant_facts(*, public_codes: Any, **kwargs: Any) -> None:
    store_pages_follow_facts(public_codes)


@receiver(records_changed, dispatch_uid="storefront.records")
def records(*, source: str, **kwargs: Any) -> None:
    store_pages_follow_records(source)


@receiver(inspection_changed, dispatch_uid="storefront.inspection")
def inspection(*, inspection: Any, **kwargs: Any) -> None:
    store_page_follow_merchant(inspection.merchant)


@receiver(complaint_changed, dispatch_uid="storefront.complaint")
def complaint(*, complaint: Any, **kwargs: Any) -> None:
    store_page_follow_merchant(complaint.merchant)


@receiver(standings_changed, dispatch_uid="storefront.standings")
def standings(*, public_codes: Any, **kwargs: Any) -> None:
    store_page_invalidate(public_codes)
