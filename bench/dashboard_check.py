"""Every figure of the supervision cockpit against a direct count over the raw tables, for the
province, a city and a county (supervision.selectors.audit: explicit month bounds, working
days counted in Python); prints each mismatch and the totals. Exit status 1 on any mismatch.

    .venv/bin/python bench/dashboard_check.py [--database-url URL] [--refresh] [CODE ...]
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/acp_province"
        ),
    )
    parser.add_argument("--refresh", action="store_true", help="a full refresh first")
    parser.add_argument("regions", nargs="*", default=["330000", "330100", "330106"])
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from supervision.management.commands.supervision_audit import place_of
    from supervision.selectors.audit import audit_region
    from supervision.services.refresh import supervision_refresh

    if args.refresh:
        print(f"full refresh {supervision_refresh(recent=False).seconds:.1f} s")
    total_figures = total_mismatches = 0
    for code in args.regions:
        started = time.perf_counter()
        result = audit_region(place_of(code))
        for mismatch in result.mismatches:
            print(f"  {code}: {mismatch}")
        print(
            f"{code}: {result.figures:,} figures compared, {len(result.mismatches)} mismatches "
            f"({time.perf_counter() - started:.1f} s)"
        )
        total_figures += result.figures
        total_mismatches += len(result.mismatches)
    print(f"total: {total_figures:,} figures, {total_mismatches} mismatches")
    return 1 if total_mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
