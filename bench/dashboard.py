"""Server time of the supervision cockpit (the page and each statistics endpoint) and of the
rollups' full refresh, on a province-scale PostgreSQL database.

Run after bench/generate_province.py with complaints and inspections, migrated to the current
schema:
    .venv/bin/python bench/dashboard.py [--database-url URL] [--rounds 3] [--repeat 30]

Each round: a full refresh and a recent one (timed), then, as the generated regulators of the
province, of Hangzhou and of Xihu, each URL --repeat times through Django's test client (server
time, no network) after two warm-up requests, and /healthz/ as the floor in the same round.
Prints each round's p50 and p95 and, at the end, the min and median over the rounds, with the
load average at the start of each round and the query count of each URL.
"""

import argparse
import os
import statistics
import sys
from pathlib import Path

from queue_page import measure  # the same timing of one URL as the queue benchmark

ROOT = Path(__file__).resolve().parents[1]
REGULATORS = ["gen-reg-330000", "gen-reg-330100", "gen-reg-330106"]
TABLES = ["headline", "regions", "trends", "flows", "categories", "industries", "league"]
TARGET_P95_MS = 300
TARGET_REFRESH_S = 60


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/acp_province"
        ),
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.test import Client

    from complaints.models import Complaint
    from merchants.models import Merchant, User
    from review.models import Inspection
    from supervision.services.warm import supervision_refresh_warm

    print(
        f"merchants {Merchant.objects.count():,}; complaints {Complaint.objects.count():,}; "
        f"inspections {Inspection.objects.count():,}"
    )
    urls = ["/healthz/", "/supervision/"]
    urls += [f"/api/v1/statistics/{key}/" for key in TABLES]
    urls += ["/supervision/download/?table=trends&format=xlsx"]
    results: dict[tuple[str, str], list[tuple[float, float, int]]] = {}
    refresh: dict[str, list[float]] = {"full": [], "recent": []}
    client = Client()
    for round_no in range(1, args.rounds + 1):
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"\nround {round_no}, load average {load}")
        for kind in ("full", "recent"):
            seconds = supervision_refresh_warm(recent=kind == "recent").seconds
            refresh[kind].append(seconds)
            print(f"  {kind} refresh {seconds:.1f} s")
        print(f"  {'regulator':16} {'url':52} {'p50':>8} {'p95':>8} {'queries':>8}")
        for username in REGULATORS:
            client.force_login(User.objects.get(username=username))
            for url in urls:
                p50, p95, queries = measure(client, url, args.repeat)
                results.setdefault((username, url), []).append((p50, p95, queries))
                print(f"  {username:16} {url:52} {p50:7.1f}ms {p95:7.1f}ms {queries:8d}")

    print(f"\nover {args.rounds} rounds: min / median")
    for kind, values in refresh.items():
        print(f"  {kind} refresh: {min(values):.1f} / {statistics.median(values):.1f} s")
    print(f"  {'regulator':16} {'url':52} {'p50 min/med':>16} {'p95 min/med':>16} {'queries':>8}")
    worst = 0.0
    for (username, url), rows in results.items():
        p50s, p95s = [r[0] for r in rows], [r[1] for r in rows]
        if url != "/healthz/":
            worst = max(worst, statistics.median(p95s))
        print(
            f"  {username:16} {url:52} {min(p50s):7.1f}/{statistics.median(p50s):<7.1f} "
            f"{min(p95s):7.1f}/{statistics.median(p95s):<7.1f} {rows[-1][2]:8d}"
        )
    full = statistics.median(refresh["full"])
    print(
        f"worst median p95 {worst:.0f} ms (target < {TARGET_P95_MS} ms: "
        f"{'met' if worst < TARGET_P95_MS else 'NOT met'}); full refresh median {full:.1f} s "
        f"(target < {TARGET_REFRESH_S} s: {'met' if full < TARGET_REFRESH_S else 'NOT met'})"
    )
    return 0 if worst < TARGET_P95_MS and full < TARGET_REFRESH_S else 1


if __name__ == "__main__":
    sys.exit(main())
