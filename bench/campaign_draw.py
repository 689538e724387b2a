"""A spot-check campaign drawing 5% of a city, on a province-scale PostgreSQL database.

Run after bench/generate_province.py (default database acp_bench, migrated to the current schema):
    .venv/bin/python bench/campaign_draw.py [--database-url URL] [--city 330100] [--ratio 0.05]
        [--runs 3] [--inspectors-per-county 4] [--inspectors-per-visit 2]

Setup (idempotent): in every county of the city, --inspectors-per-county regulators with the
inspector capability (bench-insp-<county>-<n>), and a supervisor at the city (bench-sup-<city>);
the generated regulators (gen-reg-<code>) already inspect too. Each run first closes the drawn
campaigns of earlier bench runs (campaign_close cancels their scheduled visits, which would
otherwise leave those merchants out of the next population), then, for the plain campaign and
the cross-inspection variant (each after closing the one before, so both draw from the same
population), creates a fresh campaign over the city (sample ratio --ratio,
on-site, general checklist) and times review.services.campaigns.campaign_draw: population
query, draw, bulk inserts and notifications, all in the one call. Every SQL statement of the
call is captured with its time, so the print-out splits the wall time into the population query,
the other reads, the inserts and Python (hashing, sorting, building rows). Then it times
campaign_verify_draw (the public re-run from the stored seed) and campaign_close.
"""

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 5.0
NAME_PREFIX = "bench campaign"


def setup_people(city_code: str, per_county: int):
    """The city's supervisor and per_county inspectors in each county; idempotent."""
    from django.db import transaction

    from merchants.models import Region, User

    city = Region.objects.get(code=city_code)
    counties = list(Region.objects.filter(parent=city).values_list("code", flat=True))
    with transaction.atomic():
        supervisor, _ = User.objects.update_or_create(
            username=f"bench-sup-{city_code}",
            defaults={
                "role": User.Role.REGULATOR,
                "region": city,
                "can_supervise": True,
                "can_inspect": False,
                "is_active": True,
            },
        )
        created = 0
        for county in counties:
            for n in range(1, per_county + 1):
                _user, was_created = User.objects.update_or_create(
                    username=f"bench-insp-{county}-{n}",
                    defaults={
                        "role": User.Role.REGULATOR,
                        "region_id": county,
                        "can_inspect": True,
                        "is_active": True,
                    },
                )
                created += was_created
    return city, counties, supervisor, created


def close_earlier(supervisor) -> tuple[int, float]:
    """Close the drawn bench campaigns of this supervisor's city."""
    from review.models import Campaign
    from review.services.campaigns import campaign_close

    start = time.perf_counter()
    drawn = list(
        Campaign.objects.filter(
            name__startswith=NAME_PREFIX, state=Campaign.State.DRAWN, region=supervisor.region
        )
    )
    for campaign in drawn:
        campaign_close(actor=supervisor, campaign=campaign)
    return len(drawn), time.perf_counter() - start


def classify(sql: str) -> str:
    text = sql.lstrip().upper()
    if text.startswith("INSERT"):
        table = sql.split('"')[1] if '"' in sql else "?"
        return f"insert {table}"
    if text.startswith("UPDATE"):
        table = sql.split('"')[1] if '"' in sql else "?"
        return f"update {table}"
    if 'FROM "MERCHANTS_MERCHANT"' in text and "EXISTS" in text:
        return "population query"
    if text.startswith("SELECT"):
        table = sql.split('FROM "')[1].split('"')[0] if 'FROM "' in sql else "?"
        return f"select {table}"
    return text.split()[0].lower()


def one_draw(*, city, supervisor, checklist, ratio: Decimal, cross: bool, per_visit: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from review.models import InspectionAssignment
    from review.services.campaigns import campaign_create, campaign_draw, campaign_verify_draw

    campaign = campaign_create(
        actor=supervisor,
        name=f"{NAME_PREFIX} {'cross' if cross else 'plain'} {timezone.now():%H:%M:%S}",
        region=city,
        method="on_site",
        checklist=checklist,
        due_date=timezone.localdate() + timedelta(days=30),
        sample_ratio=ratio,
        inspectors_per_visit=per_visit,
        is_cross=cross,
    )
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        campaign = campaign_draw(actor=supervisor, campaign=campaign)
        wall = time.perf_counter() - start
    phases: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    for query in queries.captured_queries:
        phase = phases[classify(query["sql"])]
        phase[0] += float(query["time"])
        phase[1] += 1
    start = time.perf_counter()
    check = campaign_verify_draw(campaign)
    verify = time.perf_counter() - start
    return {
        "campaign": campaign,
        "population": campaign.population_count,
        "sample": campaign.inspections.count(),
        "assignments": InspectionAssignment.objects.filter(inspection__campaign=campaign).count(),
        "wall": wall,
        "sql": sum(p[0] for p in phases.values()),
        "queries": len(queries.captured_queries),
        "phases": dict(phases),
        "verify": verify,
        "matches": check.matches,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/acp_bench"
        ),
    )
    parser.add_argument("--city", default="330100", help="city region code (Hangzhou)")
    parser.add_argument("--ratio", type=Decimal, default=Decimal("0.05"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--inspectors-per-county", type=int, default=4)
    parser.add_argument("--inspectors-per-visit", type=int, default=2)
    parser.add_argument("--no-cross", action="store_true", help="skip the cross-inspection runs")
    parser.add_argument("--keep", action="store_true", help="leave the last campaigns drawn")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Notifications are mailed in-process (no broker); keep the mails off the print-out.
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.urls import reverse

    from merchants.models import Merchant, User
    from review.models import Campaign, ChecklistTemplate

    reverse("home")  # load the URLconf first, as a running web process has (about 0.3 s)

    city, counties, supervisor, created = setup_people(args.city, args.inspectors_per_county)
    inspectors = User.objects.filter(
        role=User.Role.REGULATOR, can_inspect=True, region__code__startswith=city.prefix
    ).count()
    checklist = ChecklistTemplate.objects.filter(scheme__isnull=True, is_active=True).first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        server = cursor.fetchone()[0].split(" on ")[0]
    print(f"machine: {os.cpu_count()} cores; {server}")
    print(
        f"merchants {Merchant.objects.count():,}; {city.name} ({city.code}) "
        f"{Merchant.objects.filter(region__code__startswith=city.prefix).count():,} merchants in "
        f"{len(counties)} counties; {inspectors} inspectors in the city ({created} created now); "
        f"supervisor {supervisor.username}"
    )
    variants = [False] if args.no_cross else [False, True]
    walls: dict[bool, list[float]] = {False: [], True: []}
    header = (
        f"{'run':>3} {'variant':7} {'population':>10} {'sample':>6} {'assign':>6} "
        f"{'wall':>7} {'sql':>6} {'python':>7} {'queries':>7} {'verify':>7} {'match':>5}"
    )
    print(header)
    for run in range(1, args.runs + 1):
        for cross in variants:
            closed, close_seconds = close_earlier(supervisor)
            if closed:
                print(f"    closed {closed} earlier bench campaign(s) in {close_seconds:.2f} s")
            r = one_draw(
                city=city,
                supervisor=supervisor,
                checklist=checklist,
                ratio=args.ratio,
                cross=cross,
                per_visit=args.inspectors_per_visit,
            )
            walls[cross].append(r["wall"])
            print(
                f"{run:>3} {'cross' if cross else 'plain':7} {r['population']:>10,} "
                f"{r['sample']:>6,} {r['assignments']:>6,} {r['wall']:>6.2f}s {r['sql']:>5.2f}s "
                f"{r['wall'] - r['sql']:>6.2f}s {r['queries']:>7} {r['verify']:>6.2f}s "
                f"{'yes' if r['matches'] else 'NO':>5}"
            )
            for name, (seconds, count) in sorted(r["phases"].items(), key=lambda kv: -kv[1][0]):
                if seconds >= 0.01:
                    print(f"      {name:45} {seconds:6.2f}s  ({count} statements)")
    if not args.keep:
        closed, close_seconds = close_earlier(supervisor)
        print(f"closed the {closed} bench campaigns of the last run in {close_seconds:.2f} s")
    worst = max(max(v) for v in walls.values() if v)
    for cross in variants:
        values = walls[cross]
        print(
            f"{'cross' if cross else 'plain'}: median {statistics.median(values):.2f} s, "
            f"worst {max(values):.2f} s over {len(values)} runs"
        )
    verdict = "met" if worst < TARGET_SECONDS else "NOT met"
    print(f"worst draw {worst:.2f} s: target < {TARGET_SECONDS:.0f} s {verdict}")
    print(f"campaigns in the database now: {Campaign.objects.count()}")


if __name__ == "__main__":
    main()
