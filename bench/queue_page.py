"""Server time of the regulators' queues (complaint queue and list API, review queue and API) on
a province-scale PostgreSQL database, beside a floor measured in the same round.

Run after bench/generate_province.py (with --complaints), migrated to the current schema:
    .venv/bin/python bench/queue_page.py [--database-url URL] [--repeat 20] [--rounds 3]
        [--pending 30000 | --no-setup] [--explain]

Setup (idempotent, one UPDATE; skipped with --no-setup): exactly --pending declarations are put
in `pending_review` with a review deadline spread from ten days ago to twenty days ahead, one in
seven flagged; the ones already pending are kept first.

Each round asks, as the generated province, Hangzhou (330100) and Xihu (330106) regulators, the
first tab, the closed/decided tab and a deep page (page 100 of the closed complaints, page 20 of
the decided declarations) of each queue, and the complaint list API on its first and 100th page,
each --repeat times through Django's test client (server time, no network) after two warm-up
requests. The floor, asked in the same round by the same users, is a bare view behind the same
middleware that reads one row by primary key: what any signed-in page costs before its own
work. Prints, per page, the median and p95 of each round as "min / median over the rounds", the
query count, and the load average at the start of each round. --explain prints EXPLAIN
(ANALYZE, BUFFERS) of the province regulator's queue queries (the pages' lists and counts).
"""

import argparse
import os
import statistics
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REGULATORS = ["gen-reg-330000", "gen-reg-330100", "gen-reg-330106"]
TARGET_P95_MS = 150
FLOOR = "/bench-floor/"
DEFAULT_GC_HELP = (
    "keep Python's default collector settings instead of tuning it as the web workers do "
    "(config.workers)"
)
PAGES = [
    FLOOR,
    "/complaints/queue/",
    "/complaints/queue/?tab=closed",
    "/complaints/queue/?tab=closed&page=100",
    "/api/v1/complaints/",
    "/api/v1/complaints/?page=100",
    "/review/",
    "/review/?tab=decided",
    "/review/?tab=decided&page=20",
    "/api/v1/review/declarations/?tab=decided",
]

SETUP_SQL = """
WITH pick AS (
    SELECT id FROM merchants_declaration
    WHERE state NOT IN ('rejected', 'withdrawn', 'revoked', 'expired')
    ORDER BY (state = 'pending_review') DESC, md5(id::text)
    LIMIT %(pending)s
)
UPDATE merchants_declaration AS d SET
    state = 'pending_review',
    reviewer_id = NULL,
    claimed_at = NULL,
    decided_at = NULL,
    submitted_at = COALESCE(d.submitted_at, now() - (d.id %% 20)::int * interval '1 day'),
    review_due = current_date + ((d.id %% 30) - 10)::int,
    is_overdue = false,
    flagged = (d.id %% 7 = 0),
    screening_incomplete = false
FROM pick WHERE d.id = pick.id
"""


def setup(pending: int) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE merchants_declaration SET state = 'approved', decided_at = now() "
            "WHERE id IN (SELECT id FROM merchants_declaration WHERE state = 'pending_review' "
            "ORDER BY id OFFSET %(pending)s)",
            {"pending": pending},
        )
        cursor.execute(SETUP_SQL, {"pending": pending})
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE merchants_declaration")


def floor_urlconf():
    """The project's URLs plus the floor: a bare view, signed in, one primary-key read."""
    from django.contrib.auth.decorators import login_required
    from django.http import HttpResponse
    from django.urls import include, path

    from merchants.models import User

    @login_required
    def floor(request):
        user = User.objects.only("username").get(pk=request.user.pk)
        return HttpResponse(user.username)

    module = types.ModuleType("queue_bench_urls")
    module.urlpatterns = [path(FLOOR.strip("/") + "/", floor), path("", include("config.urls"))]
    sys.modules[module.__name__] = module
    return module.__name__


def timed_gets(client, url: str, repeat: int) -> tuple[float, float, int]:
    """`repeat` GETs of `url`, each a 200: the median and p95 in ms, and one's query count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url, HTTP_HOST="127.0.0.1")
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times), statistics.quantiles(times, n=20)[-1], len(queries)


def measure(client, url: str, repeat: int) -> tuple[float, float, int]:
    for _ in range(2):
        assert client.get(url, HTTP_HOST="127.0.0.1").status_code == 200, url
    return timed_gets(client, url, repeat)


def measured_rounds(
    client: Any,
    urls: list[str],
    *,
    rounds: int,
    measure: Callable[[Any, str], tuple],
    default_gc: bool = False,
) -> dict[tuple[str, str], list[tuple]]:
    """Per (regulator, URL), what `measure(client, url)` gave in each round: every round asks
    every URL as each of REGULATORS, the load average printed at its start. The collector is
    tuned first as the web workers tune it (config.workers), unless `default_gc`."""
    from config.workers import web_worker_gc
    from merchants.models import User

    if not default_gc:
        web_worker_gc()
    results: dict[tuple[str, str], list[tuple]] = {}
    for round_no in range(1, rounds + 1):
        print(f"round {round_no}: load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        for username in REGULATORS:
            client.force_login(User.objects.get(username=username))
            for url in urls:
                results.setdefault((username, url), []).append(measure(client, url))
    return results


def explain(username: str) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every queue query the province regulator's pages run."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from complaints.selectors import complaints as complaint_queue
    from merchants.models import User
    from review.selectors import queue as review_queue

    user = User.objects.get(username=username)
    work = {
        "complaint counts": lambda: complaint_queue.complaint_queue_counts(user=user),
        "complaint new tab, page 1": lambda: list(
            complaint_queue.complaint_queue(user=user, tab="new")[:50]
        ),
        "complaint closed tab, page 1": lambda: list(
            complaint_queue.complaint_queue(user=user, tab="closed")[:50]
        ),
        # A deep page reads its keys first (common.pages.KeysFirstPaginator), then its rows.
        "complaint closed tab, page 100, keys": lambda: list(
            complaint_queue.complaint_queue(user=user, tab="closed").values_list("pk")[4950:5000]
        ),
        "complaint list API, page 1": lambda: list(complaint_queue.complaint_list(user=user)[:50]),
        "complaint list API, page 100, keys": lambda: list(
            complaint_queue.complaint_list(user=user).values_list("pk")[4950:5000]
        ),
        "review counts": lambda: review_queue.review_queue_counts(user=user),
        "review pending tab, page 1": lambda: list(
            review_queue.review_queue(user=user, tab="pending")[:50]
        ),
        "review decided tab, page 1": lambda: list(
            review_queue.review_queue(user=user, tab="decided")[:50]
        ),
    }
    for title, run in work.items():
        with CaptureQueriesContext(connection) as queries:
            run()
        for query in queries.captured_queries:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                plan = "\n".join(row[0] for row in cursor.fetchall())
            print(f"--- {username}: {title}\n{query['sql']}\n{plan}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/acp_bench"
        ),
    )
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pending", type=int, default=30_000)
    parser.add_argument("--no-setup", action="store_true", help="leave the declarations as is")
    parser.add_argument("--explain", action="store_true", help="print the province's plans")
    parser.add_argument("--default-gc", action="store_true", help=DEFAULT_GC_HELP)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db.models import Count, Q
    from django.test import Client
    from django.test.utils import override_settings

    from complaints.models import Complaint
    from merchants.models import Declaration, Merchant

    if not args.no_setup:
        setup(args.pending)
    pending = Declaration.objects.aggregate(
        all=Count("id"), pending=Count("id", filter=Q(state="pending_review"))
    )
    print(
        f"merchants {Merchant.objects.count():,}; complaints {Complaint.objects.count():,}; "
        f"declarations {pending['all']:,}; pending review {pending['pending']:,}"
    )
    if args.explain:
        explain(REGULATORS[0])
    with override_settings(ROOT_URLCONF=floor_urlconf()):
        results = measured_rounds(
            Client(),
            PAGES,
            rounds=args.rounds,
            measure=lambda c, u: measure(c, u, args.repeat),
            default_gc=args.default_gc,
        )
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'regulator':15} {'page':42} {'p50 min/med':>14} {'p95 min/med':>14} {'queries':>7}")
    worst = 0.0
    for (username, url), rounds in results.items():
        p50s, p95s = [r[0] for r in rounds], [r[1] for r in rounds]
        if url != FLOOR:
            worst = max(worst, statistics.median(p95s))
        print(
            f"{username:15} {url:42} {min(p50s):6.1f}/{statistics.median(p50s):6.1f}ms "
            f"{min(p95s):6.1f}/{statistics.median(p95s):6.1f}ms {rounds[-1][2]:7d}"
        )
    verdict = "met" if worst < TARGET_P95_MS else "NOT met"
    print(f"worst median p95 {worst:.0f} ms: target p95 < {TARGET_P95_MS} ms {verdict}")


if __name__ == "__main__":
    main()
