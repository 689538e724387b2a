"""Server time of the review queue (pages and API) on a province-scale PostgreSQL database.

Run after bench/generate_province.py (default database acp_bench, migrated to the current schema):
    .venv/bin/python bench/queue_page.py [--database-url URL] [--repeat 50] [--pending 30000]

Setup (idempotent, one UPDATE): exactly --pending declarations are put in `pending_review` with a
review deadline spread from ten days ago to twenty days ahead, one in seven flagged; the ones
already pending are kept first. Then, as the generated city reviewer of Hangzhou (gen-reg-330100)
and, for comparison, the province and Xihu reviewers, each URL is requested --repeat times through
Django's test client (server time, no network), after two warm-up requests. Prints the median and
p95 server time and the query count; the API is also asked with 10 and 200 rows a page to show
the query count does not depend on the page size.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REGULATORS = ["gen-reg-330100", "gen-reg-330000", "gen-reg-330106"]
TARGET_P95_MS = 150

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
        cursor.execute("ANALYZE merchants_declaration")


def measure(client, url: str, repeat: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        assert client.get(url, HTTP_HOST="127.0.0.1").status_code == 200, url
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url, HTTP_HOST="127.0.0.1")
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times), statistics.quantiles(times, n=20)[-1], len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/acp_bench"
        ),
    )
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--pending", type=int, default=30_000)
    parser.add_argument("--no-setup", action="store_true", help="leave the declarations as is")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db.models import Count, Q
    from django.test import Client

    from merchants.models import Declaration, Merchant, Scheme, User

    if not args.no_setup:
        setup(args.pending)
    totals = Declaration.objects.aggregate(
        all=Count("id"),
        pending=Count("id", filter=Q(state="pending_review")),
        hangzhou=Count(
            "id", filter=Q(state="pending_review", merchant__region__code__startswith="3301")
        ),
    )
    print(
        f"merchants {Merchant.objects.count():,}; declarations {totals['all']:,}; "
        f"pending review {totals['pending']:,} (Hangzhou {totals['hangzhou']:,})"
    )
    scheme = Scheme.objects.get(code="no-reason-return")
    pages = [
        "/review/",
        "/review/?page=10",
        f"/review/?scheme={scheme.pk}",
        "/review/?tab=overdue",
        "/review/?tab=decided",
        "/api/v1/review/declarations/",
        "/api/v1/review/declarations/?page=10",
        "/api/v1/review/declarations/?page_size=10",
        "/api/v1/review/declarations/?page_size=200",
        "/api/v1/review/declarations/?scheme=no-reason-return",
    ]
    print(f"{'reviewer':16} {'page':52} {'median':>8} {'p95':>8} {'queries':>8}")
    worst = 0.0
    client = Client()
    for username in REGULATORS:
        client.force_login(User.objects.get(username=username))
        for url in pages:
            median, p95, queries = measure(client, url, args.repeat)
            if username == REGULATORS[0]:
                worst = max(worst, p95)
            print(f"{username:16} {url:52} {median:7.0f}ms {p95:7.0f}ms {queries:8d}")
    verdict = "met" if worst < TARGET_P95_MS else "NOT met"
    print(f"Hangzhou worst p95 {worst:.0f} ms: target p95 < {TARGET_P95_MS} ms {verdict}")


if __name__ == "__main__":
    main()
