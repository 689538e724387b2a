"""How a web worker keeps Python's cyclic garbage collector off the request path.

A list page's request leaves a few thousand objects in reference cycles (model instances and
the prefetched querysets that point back at them, query trees), which only the collector frees.
With Python's default thresholds (700, 10, 10) the objects of the request in flight are promoted
until they reach the oldest generation, and its full collection walks everything the process
holds — Django, the URLconf, every model and template loaded — on whichever request it lands:
100 to 240 ms at province scale, where the page itself takes 40 to 90 ms (bench/README.md, "Web
workers and the garbage collector"). So once the application is loaded (config.wsgi), a worker:

- imports its URLconf (every view module) now rather than on its first request, collects once
  and freezes what is there: the startup heap is never walked again (`gc.freeze`);
- collects the youngest generation every YOUNG_COLLECTION_EVERY allocations instead of 700, so
  a request's short-lived cycles are found dead by a cheap young collection instead of being
  promoted to the oldest generation.
"""

import gc

from django.urls import get_resolver

YOUNG_COLLECTION_EVERY = 20_000


def web_worker_gc() -> None:
    """Tune the collector of a process that serves requests, after Django is set up."""
    get_resolver().url_patterns  # noqa: B018 - imports every view module
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, middle, oldest)
