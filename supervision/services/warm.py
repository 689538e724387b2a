"""After a refresh, the cockpit's tables of the province and each city are built once in every
language and kept in the cache until the next refresh (`_cached` in supervision.selectors.figures
keys them by the refresh time), and the page's figures rendered from them (the page's fragment
cache, `supervision/_figures.html`): no regulator waits for a province's or a city's sums over
the rollups or for their rendering; a county's tables read few rows and are built on its first
visit. With the local-memory
cache of `make run` each process has its own cache, so this helps only the process that
refreshed; production shares one Redis cache."""

import time
from dataclasses import replace

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from merchants.models import Region
from supervision.selectors.figures import DashboardPage, Place, refreshed_at
from supervision.services.refresh import RefreshResult, supervision_refresh


def supervision_tables_warm() -> int:
    """Build the province's and each city's tables and rendered figures in every language into
    the cache; returns how many regions."""
    regions = list(Region.objects.order_by("code"))
    children: dict[str | None, list[Region]] = {}
    for region in regions:
        children.setdefault(region.parent_id, []).append(region)
    summed = [r for r in regions if r.level != Region.Level.COUNTY]
    stamp = refreshed_at()
    for region in summed:
        place = Place.of(region, children.get(region.code, []))
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                page = DashboardPage(place, stamp=stamp)
                render_to_string("supervision/_figures.html", {"place": place, "page": page})
    return len(summed)


def supervision_refresh_warm(*, recent: bool) -> RefreshResult:
    """A refresh, then the tables warmed: the whole job of the periodic tasks and the command
    (its seconds include the warming)."""
    started = time.perf_counter()
    result = supervision_refresh(recent=recent)
    supervision_tables_warm()
    return replace(result, seconds=time.perf_counter() - started)
