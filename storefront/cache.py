"""The cache of merchants' public pages (/s/<code>/), and what each announced change drops.

A page is cached per public code and language under the current generation, in two variants:
its content, and the whole page as a visitor without a session sees it. A change to what one
page shows deletes that page's entries after commit; a bulk change (an import of registry
records) moves the generation on, which retires every page at once. The other apps only
announce their changes; storefront/receivers.py calls the `store_pages_follow_*` functions.
"""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache

from common.cache import require_cache
from common.outbox import handler, outbox_add
from merchants.models import DeclarationState, Merchant
from merchants.signals import DeclarationChange

GENERATION_KEY = "store-page:generation"


def store_page_generation() -> int:
    return cache.get_or_set(GENERATION_KEY, 1, timeout=None)


VARIANTS = ("content", "anonymous")


def store_page_key(
    public_code: str, language: str, generation: int, variant: str = "content"
) -> str:
    return f"store-page:{generation}:{variant}:{language}:{public_code}"


def store_page_invalidate(public_codes: Iterable[str]) -> None:
    """Forget the cached pages of these merchants once the current transaction commits (an
    outbox item: tried again if the cache was away, so no stale page outlives an outage)."""
    codes = [code for code in public_codes if code]
    if codes:
        outbox_add("store-pages-forget", {"codes": codes})


def store_page_invalidate_all() -> None:
    """Retire every cached page once the current transaction commits."""
    outbox_add("store-pages-retire", {})


@handler("store-pages-forget")
def _forget(payload: dict[str, Any]) -> None:
    require_cache()
    generation = store_page_generation()
    cache.delete_many(
        [
            store_page_key(code, language, generation, variant)
            for code in payload["codes"]
            for language, _name in settings.LANGUAGES
            for variant in VARIANTS
        ]
    )


@handler("store-pages-retire")
def _retire(payload: dict[str, Any]) -> None:
    require_cache()
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet: nothing is cached under one
        cache.set(GENERATION_KEY, 2, timeout=None)


# What each announced change drops (storefront/receivers.py calls these).

# External sources the page shows (the registry's credit level): a change retires every page.
SHOWN_SOURCES = frozenset({"registry"})


def _codes_of(merchant_ids: list[int]) -> Iterable[str]:
    return Merchant.objects.filter(pk__in=merchant_ids).values_list("public_code", flat=True)


def store_pages_follow_declarations(changes: list[DeclarationChange]) -> None:
    """The page shows approved schemes only: an approval, or the end of one, changes it."""
    approved = DeclarationState.APPROVED
    ids = [c.declaration.merchant_id for c in changes if approved in (c.from_state, c.to_state)]
    if ids:
        store_page_invalidate(_codes_of(ids))


def store_pages_follow_facts(public_codes: Iterable[str] | None) -> None:
    if public_codes is None:
        store_page_invalidate_all()
    else:
        store_page_invalidate(public_codes)


def store_pages_follow_records(source: str) -> None:
    if source in SHOWN_SOURCES:
        store_page_invalidate_all()


def store_page_follow_merchant(merchant: Merchant) -> None:
    """A complaint or inspection step: the page shows the figures and the inspection record."""
    store_page_invalidate([merchant.public_code])
