"""The comprehensive evaluation's read-and-score step over a whole province (issue 6, first part).

Run after bench/generate_province.py (default database acp_bench):
    .venv/bin/python bench/evaluation.py [--database-url URL] [--runs 3] [--all]

Times ratings.evaluation.evaluate over the merchants in the programme (those with an approved
declaration; --all: every merchant) under the current policy: the grouped queries, each with its
time, and the arithmetic in Python; prints the merchants scored, the score distribution and the
process's peak memory. It writes nothing: storing the evaluations and moving merchants between
pools come with the pools' workflow and get their own figures then.
"""

import argparse
import os
import resource
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/acp_bench"
        ),
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--all", action="store_true", help="every merchant, not only approved")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from complaints.models import Complaint
    from merchants.models import Declaration, DeclarationState, Merchant
    from ratings.evaluation import evaluate
    from ratings.models import EvaluationPolicy
    from review.models import Inspection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        server = cursor.fetchone()[0].split(" on ")[0]
    print(f"machine: {os.cpu_count()} cores; {server}")
    print(
        f"merchants {Merchant.objects.count():,}; complaints {Complaint.objects.count():,}; "
        f"inspections {Inspection.objects.count():,}"
    )
    policy = EvaluationPolicy.current()
    if args.all:
        ids = list(Merchant.objects.values_list("pk", flat=True))
    else:
        ids = list(
            Declaration.objects.filter(state=DeclarationState.APPROVED)
            .order_by()
            .values_list("merchant_id", flat=True)
            .distinct()
        )
    print(f"evaluating {len(ids):,} merchants under policy version {policy.version}")
    walls = []
    for run in range(1, args.runs + 1):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            results = evaluate(ids, policy=policy)
            wall = time.perf_counter() - start
        sql = sum(float(q["time"]) for q in queries.captured_queries)
        walls.append(wall)
        print(
            f"run {run}: {wall:.2f} s wall, {sql:.2f} s in {len(queries.captured_queries)} "
            f"queries, {wall - sql:.2f} s Python; {len(results):,} scored"
        )
        for q in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:8]:
            table = q["sql"].split(" FROM ", 1)[1].split()[0] if " FROM " in q["sql"] else "?"
            print(f"    {float(q['time']):6.2f} s  {table}")
    scores = [r.score for r in results.values()]
    bands = Counter(min(s // 10 * 10, 90) for s in scores)
    triggers = Counter(t for r in results.values() for t in r.triggers)
    print(
        f"median {statistics.median(walls):.2f} s over {len(walls)} runs; "
        f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )
    print(f"mean score {statistics.mean(scores):.1f}; by band: {dict(sorted(bands.items()))}")
    print(f"warning triggers: {dict(triggers.most_common())}")


if __name__ == "__main__":
    main()
