"""A regulator's work list: what waits for them, each item a count and a link to the list where
the work is done (new complaints, declarations to review, warnings past their date, …).

The work lives in the apps above this one, so this module only names the shape of an item and
keeps a registry of providers: each higher app registers one in its AppConfig.ready()
(`worklist_register`, the pattern of merchants/sources.py). A provider reads through its own
app's selectors and permissions (the counts are those of the linked page) and returns nothing for
work the person has no ability for.

Counts are bounded (`bounded_count`): at most `WORKLIST_LIMIT` + 1 rows are read however long the
history, and a full list shows as "100+".
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from common import counts

WORKLIST_LIMIT = 100


@dataclass(frozen=True, slots=True)
class WorkItem:
    """One line of the work list: `label` is a translatable label (lazy, or a msgid), stored in
    a digest as its msgid; `count` is bounded (WORKLIST_LIMIT + 1 means "more than the limit");
    `overdue` marks work past its deadline."""

    kind: str  # "<app>.<what>", stable: the API's key and the page's anchor
    label: Any
    count: int
    url: str
    overdue: bool = False

    @property
    def is_capped(self) -> bool:
        return self.count > WORKLIST_LIMIT

    @property
    def count_text(self) -> str:
        return counts.count_text(self.count, WORKLIST_LIMIT)


# A provider: (user, today) → the items of its app for this person (none without the ability).
Provider = Callable[[Any, date], list[WorkItem]]

_PROVIDERS: dict[str, Provider] = {}


def has_worklist(user: Any) -> bool:
    """Who has a work list: active regulators (bound to a region) and platform admins."""
    return (
        user.is_authenticated and user.is_active and (user.is_regulator or user.is_platform_admin)
    )


def worklist_register(name: str, provider: Provider) -> None:
    """A higher app's provider of work-list items (registered in its ready(); by name, so a
    second registration replaces the first)."""
    _PROVIDERS[name] = provider


def bounded_count(queryset: QuerySet, limit: int = WORKLIST_LIMIT) -> int:
    """How many rows, reading at most limit + 1 of them (common.counts.bounded_count)."""
    return counts.bounded_count(queryset, limit)


def worklist_items(
    *, user: Any, today: date | None = None, all_items: bool = False
) -> list[WorkItem]:
    """The person's work list in the providers' order: only items with work in them, unless
    `all_items` (the API and the page's quiet list show the empty ones too)."""
    if not has_worklist(user):
        return []
    today = today or timezone.localdate()
    items = [item for provider in _PROVIDERS.values() for item in provider(user, today)]
    items.sort(key=lambda item: not item.overdue)  # overdue work first, otherwise in order
    return items if all_items else [item for item in items if item.count]
