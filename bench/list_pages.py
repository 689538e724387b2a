"""Server time of the regulator list pages and list endpoints on a province-scale database.

Run after bench/generate_province.py (it reads the database it left, acp_bench):
    .venv/bin/python bench/list_pages.py [--database-url URL] [--repeat 20]
Prints, per regulator level and page, the median and p95 server time and the query count.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = [
    "/regulator/merchants/",
    "/regulator/merchants/?page=100",
    "/regulator/declarations/",
    "/regulator/declarations/?state=pending_review",
    "/api/v1/merchants/",
    "/api/v1/declarations/",
    "/ratings/pools/",
    "/ratings/pools/?page=100",
    "/api/v1/ratings/standings/",
    "/review/campaigns/",
    "/api/v1/review/campaigns/",
]
REGULATORS = ["gen-reg-330000", "gen-reg-330100", "gen-reg-330106"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/acp_bench"
        ),
    )
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from merchants.models import Merchant, User

    print(f"merchants in the database: {Merchant.objects.count():,}")
    print(f"{'regulator':16} {'page':48} {'median':>8} {'p95':>8} {'queries':>8}")
    client = Client()
    for username in REGULATORS:
        client.force_login(User.objects.get(username=username))
        for url in PAGES:
            times = []
            for _ in range(args.repeat):
                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    response = client.get(url, HTTP_HOST="127.0.0.1")
                    times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            p95 = statistics.quantiles(times, n=20)[-1]
            print(
                f"{username:16} {url:48} {statistics.median(times):7.0f}ms {p95:7.0f}ms "
                f"{len(queries):8d}"
            )


if __name__ == "__main__":
    main()
