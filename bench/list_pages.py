"""Server time of every list a regulator opens (pages and list endpoints) on a province-scale
PostgreSQL database, beside a floor measured in the same round.

Run after bench/generate_province.py (with --complaints and --inspections), migrated:
    .venv/bin/python bench/list_pages.py [--database-url URL] [--repeat 10] [--rounds 3]
        [--only TEXT ...] [--explain [pools|inspections]]

Each round asks, as the generated province (330000), Hangzhou (330100) and Xihu (330106)
regulators, every list below --repeat times through Django's test client (server time, no
network) after one warm-up request, whose time is kept apart as "first". The floor, asked in the
same round by the same users, is a bare signed-in view behind the same middleware that reads one
row by primary key (bench/queue_page.py's) and `/healthz/`. Prints per list the p50 and p95 of
each round as "min / median over the rounds", the median first request, the query count and the
load average at the start of each round. The collector is tuned first as the web workers tune
it (config.workers: the startup heap frozen, young collections every 20,000 allocations);
`--default-gc` keeps Python's defaults, whose full collections land on some requests as
100-240 ms spikes (bench/README.md). `--only` keeps the lists whose URL contains one of the
texts; `--explain` prints EXPLAIN ANALYZE of the pool browser's queries for the province,
`--explain inspections` those of the Hangzhou regulator's inspection lists.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from queue_page import (
    DEFAULT_GC_HELP,
    FLOOR,
    REGULATORS,
    floor_urlconf,
    measured_rounds,
    timed_gets,
)

ROOT = Path(__file__).resolve().parents[1]
TARGET_P95_MS = 150
FLOORS = [FLOOR, "/healthz/"]
PAGES = [
    *FLOORS,
    # The pool browser (ratings): the page, a deep page, its tabs and orders, the API.
    "/ratings/pools/",
    "/ratings/pools/?page=100",
    "/ratings/pools/?pool=star_rated",
    "/ratings/pools/?pool=warning",
    "/ratings/pools/?pool=cultivation&page=100",
    "/ratings/pools/?sort=-score",
    "/ratings/pools/?sort=-score&page=100",
    "/ratings/pools/?sort=since",
    "/ratings/pools/?stars=3",
    "/api/v1/ratings/standings/",
    "/api/v1/ratings/standings/?page=100",
    "/api/v1/ratings/standings/?pool=warning",
    # The other ratings lists.
    "/ratings/rectifications/",
    "/ratings/appeals/",
    "/ratings/nominations/",
    "/ratings/runs/",
    "/api/v1/ratings/rectifications/",
    "/api/v1/ratings/appeals/",
    "/api/v1/ratings/nominations/",
    "/api/v1/ratings/runs/",
    # Merchants and declarations.
    "/regulator/merchants/",
    "/regulator/merchants/?page=100",
    "/regulator/declarations/",
    "/regulator/declarations/?page=100",
    "/regulator/declarations/?state=pending_review",
    "/regulator/county-changes/",
    "/regulator/stations/",
    "/api/v1/merchants/",
    "/api/v1/merchants/?page=100",
    "/api/v1/declarations/",
    "/api/v1/declarations/?page=100",
    "/api/v1/stations/",
    # Inspections.
    "/review/campaigns/",
    "/review/inspections/",
    "/review/inspections/?page=100",
    "/review/patrols/",
    "/api/v1/review/campaigns/",
    "/api/v1/review/inspections/",
    "/api/v1/review/inspections/?page=100",
    "/api/v1/review/inspections/?assigned=true",
    "/api/v1/review/inspections/?assigned=true&page=100",
    "/api/v1/review/patrols/",
    # Complaints besides the queue (bench/queue_page.py), and the work list.
    "/complaints/filed/",
    "/disclosures/flags/",
    "/api/v1/complaints/transfers/",
    "/api/v1/complaints/disclosure-flags/",
    "/worklist/",
    "/api/v1/worklist/",
]


def measure(client, url: str, repeat: int) -> tuple[float, float, float, int, int]:
    """(first, p50, p95, queries, status) of `repeat` requests after one warm-up (the first)."""
    start = time.perf_counter()
    status = client.get(url, HTTP_HOST="127.0.0.1").status_code
    first = (time.perf_counter() - start) * 1000
    if status != 200:
        return first, 0.0, 0.0, 0, status
    median, p95, queries = timed_gets(client, url, repeat)
    return first, median, p95, queries, 200


# What --explain shows: the lists' URLs, the user asking and the table their queries read.
EXPLAINED = {
    "pools": (
        REGULATORS[0],
        ("/ratings/pools/", "/ratings/pools/?page=100", "/ratings/pools/?sort=-score"),
        "ratings_standing",
    ),
    "inspections": (
        REGULATORS[1],
        (
            "/review/inspections/",
            "/review/inspections/?page=100",
            "/api/v1/review/inspections/?assigned=true&page=100",
            "/api/v1/review/inspections/",
            "/api/v1/review/inspections/?page=100",
        ),
        "review_inspection",
    ),
}


def explain(lists: str) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of one family of lists' queries, as the pages run them: the
    province regulator's pool browser (counts, page 1, the keys of page 100:
    common.pages.KeysFirstPaginator) or the Hangzhou regulator's inspections (its own, page 1
    and 100, and the staff list's API)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from merchants.models import User

    username, urls, table = EXPLAINED[lists]
    client = Client()
    client.force_login(User.objects.get(username=username))
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            client.get(url, HTTP_HOST="127.0.0.1")
        for query in queries.captured_queries:
            sql = query["sql"]
            if table not in sql:
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            print(f"--- {username} {url}\n{sql}\n{plan}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/acp_bench"
        ),
    )
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=[], help="lists whose URL contains one")
    parser.add_argument(
        "--explain",
        nargs="?",
        const="pools",
        choices=sorted(EXPLAINED),
        help="plans of the pool browser (the default) or of the inspection lists",
    )
    parser.add_argument("--default-gc", action="store_true", help=DEFAULT_GC_HELP)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.test import Client
    from django.test.utils import override_settings

    from merchants.models import Merchant
    from ratings.models import Standing

    pages = [
        url for url in PAGES if url in FLOORS or not args.only or any(t in url for t in args.only)
    ]
    print(f"merchants {Merchant.objects.count():,}; standings {Standing.objects.count():,}")
    with override_settings(ROOT_URLCONF=floor_urlconf()):
        if args.explain:
            explain(args.explain)
        client = Client()
        results = measured_rounds(
            client,
            pages,
            rounds=args.rounds,
            measure=lambda c, u: measure(c, u, args.repeat),
            default_gc=args.default_gc,
        )
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"{'regulator':15} {'page':44} {'p50 min/med':>15} {'p95 min/med':>15} "
        f"{'first':>7} {'queries':>7}"
    )
    worst, worst_url = 0.0, ""
    for (username, url), rounds in results.items():
        if rounds[-1][4] != 200:
            print(f"{username:15} {url:44} status {rounds[-1][4]}")
            continue
        firsts, p50s, p95s = ([r[i] for r in rounds] for i in range(3))
        if url not in FLOORS and statistics.median(p95s) > worst:
            worst, worst_url = statistics.median(p95s), f"{username} {url}"
        print(
            f"{username:15} {url:44} {min(p50s):6.1f}/{statistics.median(p50s):6.1f}ms "
            f"{min(p95s):6.1f}/{statistics.median(p95s):6.1f}ms "
            f"{statistics.median(firsts):5.0f}ms {rounds[-1][3]:7d}"
        )
    verdict = "met" if worst < TARGET_P95_MS else "NOT met"
    print(f"worst median p95 {worst:.0f} ms ({worst_url}): p95 < {TARGET_P95_MS} ms {verdict}")


if __name__ == "__main__":
    main()
