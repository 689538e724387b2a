"""The evaluation runs at province scale (issues 6, 17): the whole monthly run beside its floor,
measured in the same rounds, and the nightly run with 1% of the merchants changed.

Run after bench/generate_province.py with complaints and inspections (it writes the standings):
    .venv/bin/python bench/generate_province.py --merchants 300000 --complaints 3000000 \\
        --inspections 600000 --database-url postgres://postgres@127.0.0.1:5432/acp_bench6
    .venv/bin/python bench/evaluation.py --rounds 3 \\
        --database-url postgres://postgres@127.0.0.1:5432/acp_bench6

Each round starts from the generated standings: the first round copies them to the table
bench_standing_initial; every round empties the runs, evaluations and pool changes (and the
notices they sent), puts the standings back and vacuums. Then, one after the other (a VACUUM
of the standings between them, not timed), so that floor and run alternate over the rounds:
- the floor: the hand-written statement (HAND_SQL: one SELECT of every programme merchant's
  score) and one UPDATE of every standing with those scores (`UPDATE … FROM (HAND_SQL)`), timed
  together as one statement and committed; the SELECT alone is printed beside it;
- `ratings.services.runs.evaluation_run(kind="monthly")` in a child process, which reports its
  time and phases; the child's peak memory comes from wait4 (ru_maxrss).
The run's stored scores are compared with the hand-written statement's (mismatches counted and
shown); then 1% of the merchants (standings in the programme, picked by a hash of the id) are
marked as changed and `evaluation_run(kind="nightly")` runs in another child. With
--next-month, the next month's run follows (the steady state, with a month's pool moves).
The end prints the min and median of each figure over the rounds and the ratio of the run to
its floor; the load average is printed before, during (each round) and after.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/acp_bench6"
SNAPSHOT = "bench_standing_initial"
BROKER_URL = "redis://127.0.0.1:6379/5"


def setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # No mail leaves the machine (and the children only queue it: run_child).
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# The child: one run, timed by phase.


def backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) the PostgreSQL backend process has used (same machine)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child(kind: str, now_iso: str, batch_size: int) -> None:
    from datetime import datetime

    from django.db import connection

    from ratings.services import runs

    phases: dict[str, list[float]] = {}

    def add(name: str, wall: float, cpu: float) -> None:
        wall_cpu = phases.setdefault(name, [0.0, 0.0])
        wall_cpu[0] += wall
        wall_cpu[1] += cpu

    def timed(name, fn):
        """Wall time and this thread's CPU time (the Python side) of every call. The batches are
        stored in another thread while the next is read and scored, so the parts overlap."""

        def wrapper(*args, **kwargs):
            t, cpu = time.perf_counter(), time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                add(name, time.perf_counter() - t, time.thread_time() - cpu)

        return wrapper

    runs._evaluate_scored = timed("run (after the scope)", runs._evaluate_scored)
    runs._alongside = timed("batches (wall, 2 threads)", runs._alongside)
    runs.evaluation_batch_scored = timed("batches stored", runs.evaluation_batch_scored)
    runs.moves_apply = timed("pool rules (SQL)", runs.moves_apply)
    now = datetime.fromisoformat(now_iso)
    connection.ensure_connection()
    backend = connection.connection.get_backend_pid()
    cpu, db_cpu = time.process_time(), backend_cpu(backend)
    start = time.perf_counter()
    run = runs.evaluation_run(kind=kind, now=now, batch_size=batch_size or None)
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu
    # Its backend's own (not the parallel workers PostgreSQL starts for the scoring statement).
    db_cpu = backend_cpu(backend) - db_cpu
    print(
        "CHILD "
        + json.dumps(
            {
                "run": run.pk,
                "state": run.state,
                "seconds": wall,
                "evaluated": run.merchants_evaluated,
                "pool_changes": run.pool_changes,
                "phases": phases,
                "cpu": cpu,
                "db_cpu": db_cpu,
            }
        ),
        flush=True,
    )


def run_child(url: str, kind: str, now_iso: str, batch_size: int | None) -> tuple[dict, float, int]:
    """Run one evaluation run in a child; (its report, wall seconds of the process, peak RSS
    in KiB)."""
    # As in production, the notices' mail is a Celery task for other worker processes: the
    # child queues it on a Redis database of its own, which nobody consumes and which is
    # emptied afterwards.
    env = os.environ | {"DATABASE_URL": url, "CELERY_BROKER_URL": BROKER_URL}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [
            *(sys.executable, __file__, "--database-url", url, "--child", kind),
            *("--now", now_iso, "--batch", str(batch_size or 0)),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        print(out)
        raise SystemExit(f"the {kind} run failed")
    import redis

    redis.Redis.from_url(BROKER_URL).flushdb()
    report = next(json.loads(line[6:]) for line in out.splitlines() if line.startswith("CHILD "))
    return report, seconds, usage.ru_maxrss


def print_phases(report: dict) -> None:
    """The time spent in each part (summed over the worker threads when there are several)."""
    print(f"    {'part':<26} {'wall':>8} {'Python CPU':>11}")
    for name, (seconds, cpu) in report["phases"].items():
        print(f"    {name:<26} {seconds:6.2f} s {cpu:9.2f} s")
    print(f"    CPU: worker {report['cpu']:.1f} s, its PostgreSQL backend {report['db_cpu']:.1f} s")


# The hand-written statement.

HAND_SQL = """
WITH c AS (
    SELECT merchant_id,
        count(*) FILTER (WHERE accepted_at IS NOT NULL AND created_at >= %(c_window)s) AS accepted,
        count(*) FILTER (WHERE is_overdue AND created_at >= %(c_window)s) AS overdue,
        count(*) FILTER (WHERE accepted_at IS NOT NULL AND category = 'refund_refused'
                         AND created_at >= %(r_window)s) AS refused,
        count(*) FILTER (WHERE accepted_at IS NOT NULL AND closed_at IS NOT NULL
                         AND created_at >= %(c_window)s) AS closed,
        count(*) FILTER (WHERE accepted_at IS NOT NULL AND closed_at IS NOT NULL
                         AND created_at >= %(c_window)s
                         AND (closed_at AT TIME ZONE %(tz)s)::date <= close_due) AS on_time
    FROM complaints_complaint
    WHERE created_at >= %(c_earliest)s
    GROUP BY merchant_id
), i AS (
    SELECT merchant_id,
        count(*) FILTER (WHERE result = 'fail') AS failed,
        count(*) FILTER (WHERE result = 'rectify') AS rectify,
        count(*) FILTER (WHERE score = 100) AS perfect
    FROM review_inspection
    WHERE visited_at >= %(i_window)s AND state <> 'cancelled'
    GROUP BY merchant_id
), p AS (
    SELECT uscc,
        count(*) FILTER (WHERE severity = 'minor') AS minor,
        count(*) FILTER (WHERE severity = 'ordinary') AS ordinary,
        count(*) FILTER (WHERE severity = 'serious') AS serious
    FROM merchants_penaltyrecord
    WHERE decided_on >= %(p_since)s
    GROUP BY uscc
), r AS (
    SELECT uscc, on_abnormal_list, on_dishonest_list, credit_level
    FROM merchants_registryrecord r1
    WHERE NOT EXISTS (
        SELECT 1 FROM merchants_registryrecord r2
        WHERE r2.uscc = r1.uscc AND (r2.as_of, r2.id) > (r1.as_of, r1.id)
    )
), d AS (
    SELECT d.merchant_id,
        min(d.decided_at) AS first_approved,
        sum(coalesce(asked.n, 0)) AS asked,
        max(coalesce((d.details ->> 'return_days')::int, 0)) AS return_days
    FROM merchants_declaration d
    LEFT JOIN (SELECT scheme_id, count(*) AS n FROM merchants_commitment GROUP BY scheme_id)
        asked ON asked.scheme_id = d.scheme_id
    WHERE d.state = 'approved'
    GROUP BY d.merchant_id
), da AS (
    SELECT d.merchant_id, count(DISTINCT ac.commitment_id) AS accepted
    FROM merchants_declaration d
    JOIN merchants_declaration_accepted_commitments ac ON ac.declaration_id = d.id
    WHERE d.state = 'approved'
    GROUP BY d.merchant_id
), parts AS (
    SELECT m.id,
        greatest(0, %(w_c)s - %(per_acc)s * coalesce(c.accepted, 0)
                    - %(per_over)s * coalesce(c.overdue, 0)) AS complaints,
        greatest(0, %(w_i)s - %(per_fail)s * coalesce(i.failed, 0)
                    - %(per_rect)s * coalesce(i.rectify, 0)) AS inspections,
        CASE WHEN coalesce(p.serious, 0) > 0 OR coalesce(r.on_dishonest_list, false) THEN 0
             ELSE greatest(0, %(w_comp)s - %(per_minor)s * coalesce(p.minor, 0)
                              - %(per_ord)s * coalesce(p.ordinary, 0)
                              - CASE WHEN r.on_abnormal_list THEN %(abnormal)s ELSE 0 END
                              - CASE WHEN r.uscc IS NULL THEN 0 ELSE {credit} END)
        END AS compliance,
        round(%(w_comm)s * (
            (least(CASE WHEN d.first_approved IS NULL THEN 0 ELSE greatest(0,
                (extract(year FROM %(now)s::timestamptz AT TIME ZONE 'UTC')
                 - extract(year FROM d.first_approved AT TIME ZONE 'UTC')) * 12
                + extract(month FROM %(now)s::timestamptz AT TIME ZONE 'UTC')
                - extract(month FROM d.first_approved AT TIME ZONE 'UTC')
                - CASE WHEN extract(day FROM %(now)s::timestamptz AT TIME ZONE 'UTC')
                            < extract(day FROM d.first_approved AT TIME ZONE 'UTC')
                       THEN 1 ELSE 0 END) END, 12)::float8 / 12
             + CASE WHEN coalesce(c.refused, 0) > 0 THEN 0 ELSE 1 END)
            + CASE WHEN coalesce(d.asked, 0) = 0 THEN 0
                   ELSE least(1.0::float8, coalesce(da.accepted, 0)::float8 / d.asked::float8)
              END
        ) / 3) AS commitments,
        least(%(bonus_max)s,
              CASE WHEN coalesce(d.return_days, 0) > 7 THEN 5 ELSE 0 END
            + CASE WHEN coalesce(i.perfect, 0) > 0 THEN 5 ELSE 0 END
            + CASE WHEN coalesce(c.closed, 0) >= 3 AND c.on_time = c.closed THEN 5 ELSE 0 END
        ) AS bonus
    FROM ratings_standing s
    JOIN merchants_merchant m ON m.id = s.merchant_id
    LEFT JOIN c ON c.merchant_id = m.id
    LEFT JOIN i ON i.merchant_id = m.id
    LEFT JOIN p ON p.uscc = m.uscc
    LEFT JOIN r ON r.uscc = m.uscc
    LEFT JOIN d ON d.merchant_id = m.id
    LEFT JOIN da ON da.merchant_id = m.id
    WHERE s.pool IN ('selection', 'cultivation', 'star_rated', 'warning')
)
SELECT id, least(100, complaints + inspections + compliance + commitments + bonus)::int
FROM parts
"""


def hand_sql(policy, now) -> tuple[str, dict]:
    """The statement and its parameters: the policy's numbers and the windows as of `now`."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    credit = "CASE r.credit_level {} ELSE 0 END".format(
        " ".join(
            f"WHEN '{level}' THEN {int(points)}"
            for level, points in sorted(policy.credit_deductions.items())
            if level.isalnum()
        )
    )
    c_window = now - timedelta(days=policy.complaint_window_days)
    r_window = now - timedelta(days=365)
    params = {
        "now": now,
        "tz": settings.TIME_ZONE,
        "c_window": c_window,
        "r_window": r_window,
        "c_earliest": min(c_window, r_window),
        "i_window": now - timedelta(days=policy.inspection_window_days),
        "p_since": timezone.localdate(now) - timedelta(days=policy.penalty_window_days),
        "w_c": policy.weight_complaints,
        "w_i": policy.weight_inspections,
        "w_comp": policy.weight_compliance,
        "w_comm": policy.weight_commitments,
        "bonus_max": policy.bonus_max,
        "per_acc": policy.deduction_per_accepted_complaint,
        "per_over": policy.deduction_per_overdue_complaint,
        "per_fail": policy.deduction_per_failed_inspection,
        "per_rect": policy.deduction_per_rectify_inspection,
        "per_minor": policy.deduction_per_minor_penalty,
        "per_ord": policy.deduction_per_ordinary_penalty,
        "abnormal": policy.deduction_abnormal_list,
    }
    return HAND_SQL.replace("{credit}", credit), params


# The parent.


def reset(cursor) -> None:
    """Back to the generated standings, with no runs, evaluations or pool changes."""
    cursor.execute("SELECT to_regclass(%s)", [SNAPSHOT])
    if cursor.fetchone()[0] is None:
        cursor.execute(f"CREATE TABLE {SNAPSHOT} AS SELECT * FROM ratings_standing")
    cursor.execute("DELETE FROM merchants_notification WHERE key LIKE 'pool-change-%%'")
    cursor.execute(
        "TRUNCATE ratings_standing, ratings_poolchange, ratings_evaluation, "
        "ratings_evaluationrun CASCADE"
    )
    cursor.execute(f"INSERT INTO ratings_standing SELECT * FROM {SNAPSHOT}")
    for table in ("ratings_standing", "ratings_evaluation", "ratings_poolchange"):
        cursor.execute(f"VACUUM ANALYZE {table}")


def load() -> str:
    return "load average (1, 5, 15 min): {:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg())


def floor(cursor, policy, now) -> tuple[float, float, dict[int, int]]:
    """The floor: the hand-written statement alone (its scores fetched), then the statement
    and one UPDATE of every standing with its scores, timed together and rolled back."""
    sql, params = hand_sql(policy, now)
    # Tuned for one big statement: hash tables in memory, no JIT compilation (which costs it
    # about 2.5 s); the run sets the same for its scoring statement.
    cursor.execute("BEGIN")
    cursor.execute("SET LOCAL work_mem = '64MB'; SET LOCAL jit = off")
    t = time.perf_counter()
    cursor.execute(sql, params)
    expected = dict(cursor.fetchall())
    select = time.perf_counter() - t
    t = time.perf_counter()
    cursor.execute(
        "UPDATE ratings_standing s SET score = h.score, needs_evaluation = false, "
        f"updated_at = %(now)s FROM ({sql}) AS h(id, score) WHERE s.merchant_id = h.id",
        params,
    )
    cursor.execute("COMMIT")  # what the floor writes is paid for at the commit
    whole = time.perf_counter() - t
    return select, whole, expected


def summary(name: str, values: list[float], unit: str = "s") -> str:
    return (
        f"{name}: min {min(values):.2f} {unit}, median {statistics.median(values):.2f} {unit} "
        f"({', '.join(f'{v:.2f}' for v in values)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--rounds", type=int, default=3, help="rounds of floor + runs")
    parser.add_argument("--dirty", type=float, default=0.01, help="share of merchants changed")
    parser.add_argument("--batch", type=int, default=0, help="merchants per batch (0: the run's)")
    parser.add_argument("--next-month", action="store_true", help="also the next month's run")
    parser.add_argument("--child", choices=["monthly", "nightly"], help=argparse.SUPPRESS)
    parser.add_argument("--now", help=argparse.SUPPRESS)
    args = parser.parse_args()
    setup(args.database_url)
    if args.child:
        child(args.child, args.now, args.batch)
        return
    from datetime import timedelta

    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from ratings.models import Evaluation, EvaluationPolicy, PoolChange, Standing

    connection.ensure_connection()
    connection.connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        server = cursor.fetchone()[0].split(" on ")[0]
        cursor.execute(
            "SELECT (SELECT count(*) FROM merchants_merchant), "
            "(SELECT count(*) FROM complaints_complaint), "
            "(SELECT count(*) FROM review_inspection)"
        )
        merchants, complaints, inspections = cursor.fetchone()
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()}; {server}"
    )
    print(f"merchants {merchants:,}; complaints {complaints:,}; inspections {inspections:,}")
    print(load())
    policy = EvaluationPolicy.current()
    figures: dict[str, list[float]] = {}

    def note(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)

    for round_no in range(1, args.rounds + 1):
        with connection.cursor() as cursor:
            t = time.perf_counter()
            reset(cursor)
            print(
                f"\nround {round_no}: reset to the generated standings in "
                f"{time.perf_counter() - t:.1f} s; {load()}"
            )
        pools = dict(Standing.objects.values_list("pool").annotate(n=Count("pk")))
        print(f"standings: {pools}")
        now = timezone.now()
        report = expected = None
        for part in ("floor", "run"):
            if part == "floor":
                with connection.cursor() as cursor:
                    select, whole, expected = floor(cursor, policy, now)
                    cursor.execute("VACUUM ratings_standing")
                print(
                    f"floor: hand-written statement {select:.2f} s ({len(expected):,} scores); "
                    f"statement + UPDATE of every standing {whole:.2f} s"
                )
                note("floor: statement + UPDATE of every standing", whole)
                note("floor: statement alone", select)
                continue
            report, process_seconds, peak_kib = run_child(
                args.database_url, "monthly", now.isoformat(), args.batch
            )
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ratings_standing")
            print(
                f"monthly run: {report['seconds']:.2f} s ({report['state']}; process "
                f"{process_seconds:.1f} s with start-up); {report['evaluated']:,} merchants "
                f"evaluated, {report['pool_changes']:,} pool changes; "
                f"peak memory {peak_kib / 1024:.0f} MiB"
            )
            print_phases(report)
            note("monthly run", report["seconds"])
            note("monthly run: peak memory (MiB)", peak_kib / 1024)
        rows = Evaluation.objects.filter(run_id=report["run"]).count()
        changes = dict(
            PoolChange.objects.filter(run_id=report["run"])
            .values_list("reason_code")
            .annotate(n=Count("pk"))
        )
        print(f"    evaluation rows {rows:,}; pool changes by reason {changes}")

        # Same scores?
        stored = dict(
            Evaluation.objects.filter(run_id=report["run"]).values_list("merchant_id", "score")
        )
        mismatches = [
            (pk, expected.get(pk), score)
            for pk, score in stored.items()
            if expected.get(pk) != score
        ]
        missing = len(expected.keys() - stored.keys())
        print(
            f"compared with the hand-written SQL: {len(stored):,} scores, "
            f"{len(mismatches):,} mismatches, {missing:,} merchants not evaluated"
        )
        for pk, want, got in mismatches[:10]:
            print(f"    merchant {pk}: SQL {want}, run {got}")
        note("score mismatches", len(mismatches) + missing)
        ratio = report["seconds"] / figures["floor: statement + UPDATE of every standing"][-1]
        print(f"ratio run / floor (this round): {ratio:.2f}x; {load()}")
        note("ratio run / floor", ratio)

        # The nightly run with 1% changed.
        dirty = int(merchants * args.dirty)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE ratings_standing SET needs_evaluation = true WHERE id IN ("
                " SELECT id FROM ratings_standing"
                " WHERE pool IN ('selection', 'cultivation', 'star_rated', 'warning')"
                " ORDER BY md5(merchant_id::text || %s) LIMIT %s)",
                [str(round_no), dirty],
            )
            marked = cursor.rowcount
        report, process_seconds, peak_kib = run_child(
            args.database_url, "nightly", timezone.now().isoformat(), args.batch
        )
        print(
            f"nightly run, {marked:,} merchants changed: {report['seconds']:.2f} s "
            f"(process {process_seconds:.1f} s); {report['evaluated']:,} evaluated, "
            f"{report['pool_changes']:,} pool changes; peak memory {peak_kib / 1024:.0f} MiB"
        )
        print_phases(report)
        note("nightly run, 1% changed", report["seconds"])

        if args.next_month:
            next_month = now + timedelta(days=31)
            report, process_seconds, peak_kib = run_child(
                args.database_url, "monthly", next_month.isoformat(), args.batch
            )
            changes = dict(
                PoolChange.objects.filter(run_id=report["run"])
                .values_list("reason_code")
                .annotate(n=Count("pk"))
            )
            print(
                f"next month's monthly run: {report['seconds']:.2f} s; "
                f"{report['evaluated']:,} evaluated, {report['pool_changes']:,} pool changes "
                f"{changes}; peak memory {peak_kib / 1024:.0f} MiB"
            )
            print_phases(report)
            note("next month's run", report["seconds"])

    print(f"\nover {args.rounds} rounds (floor and run alternating):")
    for name, values in figures.items():
        unit = "" if name in ("score mismatches", "ratio run / floor") else "s"
        if name.endswith("(MiB)") or not unit:
            print(
                f"{name}: min {min(values):.2f}, median {statistics.median(values):.2f} "
                f"({', '.join(f'{v:.2f}' for v in values)})"
            )
        else:
            print(summary(name, values))
    whole = figures["floor: statement + UPDATE of every standing"]
    run = figures["monthly run"]
    print(
        f"ratio of the monthly run to its floor: min/min {min(run) / min(whole):.2f}x, "
        f"median/median {statistics.median(run) / statistics.median(whole):.2f}x"
    )
    print(load())


if __name__ == "__main__":
    main()
