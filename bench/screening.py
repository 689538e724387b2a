#!/usr/bin/env python
"""Bulk screening throughput on a province-scale PostgreSQL database (target ≥ 200/s).

Creates the database (default acp_h2_bench) with `generate_province --no-declarations` when it
is missing or has too few merchants (merchants, permits and the five sources' external records),
otherwise reuses it. Then puts N complete declarations into `submitted`, one per merchant
(commitments ticked, a placeholder row for each mandatory document; made once, reset on a
re-run, their earlier screening runs deleted), and times `declarations_screen_bulk` over them.
Run from the project root:

    .venv/bin/python bench/screening.py               # 300,000 merchants, 30,000 declarations
    .venv/bin/python bench/screening.py --declarations 5000 --batch 1000
    .venv/bin/python bench/screening.py --regenerate  # drop and generate again

E-mail goes to Django's dummy backend: the bench measures screening, not an SMTP server.
"""

import argparse
import os
import platform
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg2
from benchlib import recreate_database

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/acp_h2_bench"


def database_merchants(url: str) -> int | None:
    """How many merchants the database holds; None if it does not exist or is not migrated."""
    try:
        conn = psycopg2.connect(url)
    except psycopg2.OperationalError:
        return None
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT to_regclass('merchants_merchant') IS NOT NULL")
            if not cursor.fetchone()[0]:
                return None
            cursor.execute("SELECT count(*) FROM merchants_merchant")
            return cursor.fetchone()[0]
    finally:
        conn.close()


def manage(env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)
    return time.perf_counter() - started


def prepare(args: argparse.Namespace, env: dict[str, str]) -> None:
    have = database_merchants(args.database_url)
    if args.regenerate or have is None or have < args.merchants:
        print(f"generating {args.merchants:,} merchants into a fresh database …", flush=True)
        recreate_database(args.database_url)
        manage(env, "migrate", "--no-input", "-v", "0")
        seconds = manage(
            env,
            "generate_province",
            "--merchants",
            str(args.merchants),
            "--seed",
            "1",
            "--batch",
            "10000",
            "--no-declarations",
            "-v",
            "0",
        )
        print(f"generated in {seconds:.1f} s")
    else:
        manage(env, "migrate", "--no-input", "-v", "0")
        print(f"reusing the database: {have:,} merchants")


SCHEME_BY_INDUSTRY = {
    "manufacturing": "assured-factory",
    "finance": "assured-financial-outlet",
    "retail": "no-reason-return",
    "supermarket": "no-reason-return",
}
DETAILS_BY_SCHEME: dict[str, dict[str, Any]] = {
    "assured-factory": {"production_licence": "XK13-001-00001", "product_categories": "服装"},
    "assured-financial-outlet": {"institution": "某银行", "outlet": "某支行营业部"},
    "no-reason-return": {
        "return_days": 15,
        "goods_covered": "店内所售商品",
        "goods_excluded": "",
        "cross_store_returns": False,
    },
    "assured-unit": {},
}


def submitted_declarations(n: int) -> list[int]:
    """n declarations in `submitted`, each complete (commitments ticked, mandatory documents
    attached), one per merchant. Made once by the bench's own account; a re-run resets them."""
    from django.db import connection, transaction
    from django.utils import timezone

    from merchants.models import Declaration, Merchant, Scheme, User
    from review.models import ScreeningRun

    now = timezone.now()
    author, _ = User.objects.get_or_create(
        username="bench-screening", defaults={"role": User.Role.MERCHANT}
    )
    schemes = {s.code: s for s in Scheme.objects.all()}
    with transaction.atomic():
        ids = list(
            Declaration.objects.filter(created_by=author)
            .order_by("pk")
            .values_list("pk", flat=True)
        )[:n]
        missing = n - len(ids)
        if missing > 0:
            used = Declaration.objects.filter(created_by=author).values("merchant_id")
            merchants = (
                Merchant.objects.exclude(pk__in=used)
                .order_by("pk")
                .values_list("pk", "industry", "region_id")[:missing]
            )
            rows = []
            for merchant_id, industry, region_id in merchants:
                code = SCHEME_BY_INDUSTRY.get(industry, "assured-unit")
                rows.append(
                    Declaration(
                        merchant_id=merchant_id,
                        region_id=region_id,
                        scheme=schemes[code],
                        state="submitted",
                        details=DETAILS_BY_SCHEME[code],
                        created_by=author,
                        created_at=now,
                        submitted_at=now,
                    )
                )
            ids += [d.pk for d in Declaration.objects.bulk_create(rows, batch_size=5000)]
        ScreeningRun.objects.filter(declaration_id__in=ids).delete()
        Declaration.objects.filter(pk__in=ids).update(
            state="submitted",
            submitted_at=now,
            updated_at=now,
            flagged=False,
            screening_incomplete=False,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO merchants_declaration_accepted_commitments
                    (declaration_id, commitment_id)
                SELECT d.id, c.id
                FROM merchants_declaration d
                JOIN merchants_commitment c ON c.scheme_id = d.scheme_id
                WHERE d.id = ANY(%s)
                ON CONFLICT DO NOTHING
                """,
                [ids],
            )
            cursor.execute(
                """
                INSERT INTO merchants_declarationdocument
                    (declaration_id, required_document_id, file, original_name, content_type,
                     size, uploaded_by_id, uploaded_at)
                SELECT d.id, r.id, 'bench/placeholder.pdf', 'placeholder.pdf',
                       'application/pdf', 1024, d.created_by_id, %s
                FROM merchants_declaration d
                JOIN merchants_requireddocument r
                  ON r.scheme_id = d.scheme_id AND r.is_mandatory
                WHERE d.id = ANY(%s)
                  AND NOT EXISTS (
                    SELECT 1 FROM merchants_declarationdocument x
                    WHERE x.declaration_id = d.id AND x.required_document_id = r.id)
                """,
                [now, ids],
            )
    with connection.cursor() as cursor:
        for table in ("merchants_declaration", "merchants_declarationdocument"):
            cursor.execute(f"ANALYZE {table}")
    return ids


def timed(store: dict[str, float], fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            store[fn.__name__] = store.get(fn.__name__, 0.0) + time.perf_counter() - started

    return wrapper


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--merchants", type=int, default=300_000)
    parser.add_argument("--declarations", type=int, default=30_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()

    env = os.environ | {
        "DATABASE_URL": args.database_url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-" + "x" * 40,
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }
    env.pop("CELERY_BROKER_URL", None)
    print(
        f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}"
    )
    prepare(args, env)

    os.environ.update(env)
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from merchants.models import Declaration, RegistryRecord
    from review.models import ScreeningCheck
    from review.services import screening as svc

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        print(f"PostgreSQL {cursor.fetchone()[0]}")
    print(
        f"registry records: {RegistryRecord.objects.count():,}; "
        f"declarations: {Declaration.objects.count():,}"
    )
    ids = submitted_declarations(args.declarations)
    print(f"{len(ids):,} declarations in `submitted`; screening in batches of {args.batch}")

    phases: dict[str, float] = {}
    svc._claim = timed(phases, svc._claim)
    svc.evaluate = timed(phases, svc.evaluate)
    svc._record = timed(phases, svc._record)
    started = time.perf_counter()
    summary = svc.declarations_screen_bulk(ids, batch_size=args.batch)
    seconds = time.perf_counter() - started

    outcomes = Counter(run.outcome for run in summary.runs)
    states = Counter(Declaration.objects.filter(pk__in=ids).values_list("state", flat=True))
    checks = ScreeningCheck.objects.filter(run__declaration_id__in=ids).count()
    print(f"\nscreened {len(summary.runs):,} declarations in {seconds:.1f} s")
    print(f"throughput: {len(summary.runs) / seconds:,.0f} declarations/second (target ≥ 200)")
    print(f"checks stored: {checks:,}")
    print("run outcomes: " + ", ".join(f"{k} {v:,}" for k, v in outcomes.most_common()))
    print("states after: " + ", ".join(f"{k} {v:,}" for k, v in states.most_common()))
    print(
        "phases: "
        + ", ".join(
            f"{name.strip('_')} {value:.1f} s"
            for name, value in [
                ("claim", phases.get("_claim", 0)),
                ("evaluate", phases.get("evaluate", 0)),
                ("record", phases.get("_record", 0)),
            ]
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
