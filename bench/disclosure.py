"""Time of a disclosure snapshot over 3,000,000 complaints on PostgreSQL (target < 60 s).

Setup (once; a copy of the province database, migrated):
    createdb -h 127.0.0.1 -U postgres -T acp_bench acp_hc_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/acp_hc_bench .venv/bin/python manage.py migrate
Run:
    .venv/bin/python bench/disclosure.py [--database-url URL] [--complaints 3000000] [--reload]

Loading (skipped when the table already holds --complaints rows, unless --reload): complaints are
streamed with COPY in chunks of 200,000, a year of submissions (2025-10-01 to 2026-09-30) over
the 90 counties (uneven weights) and the 7 categories; 80 % name a platform merchant, skewed so
that one merchant in twenty draws most of them; states, acceptance, closing dates, deadlines and
ratings follow a plausible mix. Then a disclosure date covering the whole year is built (twice:
cold and warm), and the time and row counts are printed.
"""

import argparse
import io
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 60
CHUNK = 200_000
START = datetime(2025, 9, 30, 16, 0, tzinfo=UTC)  # 2025-10-01 00:00 Beijing time
SECONDS_IN_PERIOD = 365 * 86400
CATEGORIES = ["quality", "price", "service", "refund_refused", "advertising", "safety", "other"]
CATEGORY_WEIGHTS = [30, 12, 20, 18, 8, 4, 8]
STATES = [
    "submitted",
    "declined",
    "with_merchant",
    "proposed",
    "mediation",
    "settled",
    "mediation_failed",
    "withdrawn",
]
STATE_WEIGHTS = [4, 10, 8, 3, 7, 52, 7, 9]
CLOSED = {"declined", "settled", "mediation_failed", "withdrawn"}
COLUMNS = (
    "tracking_token, business_name, business_address, category, description, wanted_outcome, "
    "complainant_name, complainant_phone, complainant_email, consent_to_contact, state, "
    "decline_ground, proposal, agreement, created_at, updated_at, accepted_at, closed_at, "
    "accept_due, close_due, is_overdue, rating, rating_comment, merchant_id, region_id"
)


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else r"\N"


def _rows(start: int, count: int, merchants: list[tuple[int, str]], counties: list[str]):
    rng = random.Random(start)
    county_weights = [1 + (i * 37 % 11) for i in range(len(counties))]
    popular = merchants[: max(1, len(merchants) // 20)]
    categories = rng.choices(CATEGORIES, CATEGORY_WEIGHTS, k=count)
    states = rng.choices(STATES, STATE_WEIGHTS, k=count)
    free_counties = rng.choices(counties, county_weights, k=count)
    for i in range(count):
        n = start + i
        roll = rng.random()
        if merchants and roll < 0.56:
            merchant_id, county = rng.choice(popular)
        elif merchants and roll < 0.8:
            merchant_id, county = rng.choice(merchants)
        else:
            merchant_id, county = None, free_counties[i]
        created = START + timedelta(seconds=rng.randrange(SECONDS_IN_PERIOD))
        state = states[i]
        accepted = state not in ("submitted", "declined")
        accepted_at = created + timedelta(days=rng.randint(1, 9)) if accepted else None
        close_due = (accepted_at + timedelta(days=63)).date() if accepted_at else None
        closed_at = None
        if state in CLOSED:
            closed_at = (accepted_at or created) + timedelta(days=rng.randint(1, 75))
        overdue = not closed_at and accepted and rng.random() < 0.3
        rating = str(rng.randint(1, 5)) if closed_at and rng.random() < 0.6 else r"\N"
        yield "\t".join(
            (
                f"bench-{n}",
                "" if merchant_id else f"个体商户{n % 5000}",
                "",
                categories[i],
                "批量生成的投诉",
                "退款",
                "测试",
                f"139{n % 100_000_000:08d}",
                "",
                "f",
                state,
                "missing_details" if state == "declined" else "",
                "",
                "",
                _iso(created),
                _iso(closed_at or created),
                _iso(accepted_at),
                _iso(closed_at),
                (created + timedelta(days=10)).date().isoformat(),
                close_due.isoformat() if close_due else r"\N",
                "t" if overdue else "f",
                rating,
                "",
                str(merchant_id) if merchant_id else r"\N",
                county,
            )
        )


def load(total: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id, region_id FROM merchants_merchant ORDER BY md5(id::text)")
        merchants = cursor.fetchall()
        cursor.execute("SELECT code FROM merchants_region WHERE level = 'county' ORDER BY code")
        counties = [code for (code,) in cursor.fetchall()]
        cursor.execute("TRUNCATE complaints_complaint RESTART IDENTITY CASCADE")
    print(f"loading {total:,} complaints ({len(merchants):,} merchants, {len(counties)} counties)")
    started = time.perf_counter()
    raw = connection.connection
    for offset in range(0, total, CHUNK):
        buffer = io.StringIO()
        for line in _rows(offset, min(CHUNK, total - offset), merchants, counties):
            buffer.write(line)
            buffer.write("\n")
        buffer.seek(0)
        with raw.cursor() as cursor:
            cursor.copy_expert(f"COPY complaints_complaint ({COLUMNS}) FROM STDIN", buffer)
        raw.commit()
        print(f"  {offset + CHUNK:>9,} rows, {time.perf_counter() - started:5.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE complaints_complaint")
    print(f"loaded in {time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/acp_hc_bench"
        ),
    )
    parser.add_argument("--complaints", type=int, default=3_000_000)
    parser.add_argument("--reload", action="store_true")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from datetime import date

    from complaints.models import Complaint, DisclosureDate
    from complaints.services.disclosure import disclosure_build

    if args.reload or Complaint.objects.count() != args.complaints:
        load(args.complaints)
    bench_date, _ = DisclosureDate.objects.update_or_create(
        date=date(2030, 1, 1),
        defaults={
            "name": "Benchmark (one year)",
            "period_start": date(2025, 10, 1),
            "period_end": date(2026, 9, 30),
            "is_active": False,
        },
    )
    for label in ("cold", "warm"):
        started = time.perf_counter()
        snapshot = disclosure_build(disclosure_date=bench_date)
        elapsed = time.perf_counter() - started
        regions = snapshot.region_rows.count()
        merchants = snapshot.merchant_rows.count()
        province = snapshot.region_rows.get(level="province", category="")
        print(
            f"{label}: disclosure_build {elapsed:.1f} s; region rows {regions:,}, merchant rows "
            f"{merchants:,} (threshold {snapshot.merchant_threshold}); province received "
            f"{province.received:,}, accepted {province.accepted:,}, resolved "
            f"{province.resolved:,}"
        )
    verdict = "met" if elapsed < TARGET_SECONDS else "NOT met"
    print(f"target < {TARGET_SECONDS} s: {verdict}")


if __name__ == "__main__":
    main()
