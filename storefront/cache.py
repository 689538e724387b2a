"""The cache of merchants' public pages (/s/<code>/), and how services invalidate it.

A page is cached per public code and language under the current generation, in two variants:
its content, and the whole page as a visitor without a session sees it. A service that
changes what one page shows deletes that page's entries after commit; a bulk change (an import
of registry records) moves the generation on, which retires every page at once.
"""

from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "store-page:generation"


def store_page_generation() -> int:
    return cache.get_or_set(GENERATION_KEY, 1, timeout=None)


VARIANTS = ("content", "anonymous")


def store_page_key(
    public_code: str, language: str, generation: int, variant: str = "content"
) -> str:
    return f"store-page:{generation}:{variant}:{language}:{public_code}"


def store_page_invalidate(public_codes: Iterable[str]) -> None:
    """Forget the cached pages of these merchants once the current transaction commits."""
    codes = [code for code in public_codes if code]
    if not codes:
        return

    def forget() -> None:
        generation = store_page_generation()
        cache.delete_many(
            [
                store_page_key(code, language, generation, variant)
                for code in codes
                for language, _name in settings.LANGUAGES
                for variant in VARIANTS
            ]
        )

    transaction.on_commit(forget)


def store_page_invalidate_all() -> None:
    """Retire every cached page once the current transaction commits."""

    def bump() -> None:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:  # no generation yet: nothing is cached under one
            cache.set(GENERATION_KEY, 2, timeout=None)

    transaction.on_commit(bump)
