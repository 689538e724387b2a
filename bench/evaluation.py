"""The evaluation runs at province scale (issue 6): the monthly run, one hand-written SQL
statement for the same scores, and the nightly run with 1% of the merchants changed.

Run after bench/generate_province.py with complaints and inspections (it writes the standings):
    .venv/bin/python bench/generate_province.py --merchants 300000 --complaints 3000000 \\
        --inspections 600000 --database-url postgres://postgres@127.0.0.1:5432/acp_bench6
    .venv/bin/python bench/evaluation.py --database-url postgres://postgres@127.0.0.1:5432/acp_bench6

Each round starts from the generated standings: the first round copies them to the table
bench_standing_initial; every round empties the runs, evaluations and pool changes (and the
notices they sent) and puts the standings back. Then:
1. the hand-written statement (twice; the faster time counts) computes every programme
   merchant's score in one SELECT, as of the same instant as the run;
2. `ratings.services.runs.evaluation_run(kind="monthly")` runs in a child process, which reports
   its own time and phases; the child's peak memory comes from wait4 (ru_maxrss);
3. the run's stored scores are compared with the statement's (mismatches counted and shown);
4. 1% of the merchants (standings in the programme, picked by a hash of the id) are marked as
   changed and `evaluation_run(kind="nightly")` runs in another child.

The children also report their CPU time (Python) and that of their PostgreSQL backend (from
/proc: same machine; not the parallel workers PostgreSQL starts for the big read), which another
load on the machine changes much less than wall times; the load average is printed before and
after. --batch sets the batch size (default 5,000).
"""

import argparse
import json
import os
import platform
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

    def timed_batches(fn):
        """The time spent waiting for each batch of inputs from the cursor."""

        def wrapper(*args, **kwargs):
            batches = fn(*args, **kwargs)
            try:
                while True:
                    t, cpu = time.perf_counter(), time.thread_time()
                    batch = next(batches, None)
                    add("inputs (read)", time.perf_counter() - t, time.thread_time() - cpu)
                    if batch is None:
                        return
                    yield batch
            finally:
                batches.close()

        return wrapper

    def timed_scorer(fn):
        def wrapper(*args, **kwargs):
            return timed("scoring", fn(*args, **kwargs))

        return wrapper

    if kind == "score":
        score_only(now_iso, batch_size)
        return
    runs._input_batches = timed_batches(runs._input_batches)
    runs.row_scorer = timed_scorer(runs.row_scorer)
    runs._evaluations_write = timed("evaluation rows", runs._evaluations_write)
    runs._standings_evaluated = timed("standings (score)", runs._standings_evaluated)
    runs.pools_apply = timed("pool rules + changes", runs.pools_apply)
    runs._standings_save = timed("standings (moves)", runs._standings_save)
    store_db_cpu: list[tuple[int, float]] = []

    def measured_batch(fn):
        """The CPU of the storing thread's PostgreSQL backend during each batch."""

        def wrapper(*args, **kwargs):
            connection.ensure_connection()
            pid = connection.connection.get_backend_pid()
            before = backend_cpu(pid)
            try:
                return fn(*args, **kwargs)
            finally:
                store_db_cpu.append((pid, backend_cpu(pid) - before))

        return wrapper

    runs.evaluation_batch = timed("batches stored (all)", measured_batch(runs.evaluation_batch))
    now = datetime.fromisoformat(now_iso)
    connection.ensure_connection()
    backend = connection.connection.get_backend_pid()
    cpu, db_cpu = time.process_time(), backend_cpu(backend)
    start = time.perf_counter()
    run = runs.evaluation_run(kind=kind, now=now, batch_size=batch_size)
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu
    # The reading backend's own (not its parallel workers'), plus the storing thread's when
    # the batches were stored on another connection.
    db_cpu = backend_cpu(backend) - db_cpu
    db_cpu += sum(used for pid, used in store_db_cpu if pid != backend)
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


def score_only(now_iso: str, batch_size: int) -> None:
    """The like-for-like figure for the hand-written statement: the run's code reading the
    inputs of the same merchants (the same statement and cursor) and scoring them, without
    writing anything."""
    from contextlib import closing
    from datetime import datetime

    from ratings.models import IN_PROGRAMME, EvaluationPolicy, Standing
    from ratings.services.evaluation import inputs_query, row_scorer
    from ratings.services.runs import _input_batches

    policy, now = EvaluationPolicy.current(), datetime.fromisoformat(now_iso)
    start, scored = time.perf_counter(), 0
    merchants = list(  # as the run passes them: the ids
        Standing.objects.filter(pool__in=IN_PROGRAMME)
        .order_by("merchant_id")
        .values_list("merchant_id", flat=True)
    )
    score = row_scorer(policy, now)
    query = inputs_query(merchants, policy=policy, now=now)
    with closing(_input_batches(query, batch_size, fetch_ahead=True)) as batches:
        for rows in batches:
            results = {row[0]: score(row) for row in rows}
            scored += len(results)
    print("CHILD " + json.dumps({"seconds": time.perf_counter() - start, "scored": scored}))


def run_child(url: str, kind: str, now_iso: str, batch_size: int) -> tuple[dict, float, int]:
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
            *("--now", now_iso, "--batch", str(batch_size)),
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--rounds", type=int, default=1, help="monthly + nightly rounds")
    parser.add_argument("--dirty", type=float, default=0.01, help="share of merchants changed")
    parser.add_argument("--batch", type=int, default=5000, help="merchants per batch")
    parser.add_argument("--child", choices=["monthly", "nightly", "score"], help=argparse.SUPPRESS)
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
    print("load average (1, 5, 15 min): {:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg()))
    policy = EvaluationPolicy.current()

    for round_no in range(1, args.rounds + 1):
        with connection.cursor() as cursor:
            t = time.perf_counter()
            reset(cursor)
            print(
                f"\nround {round_no}: reset to the generated standings in "
                f"{time.perf_counter() - t:.1f} s"
            )
        pools = dict(Standing.objects.values_list("pool").annotate(n=Count("pk")))
        print(f"standings: {pools}")
        now = timezone.now()

        # 1. The hand-written statement.
        sql, params = hand_sql(policy, now)
        times = []
        with connection.cursor() as cursor:
            # Tuned for one big statement: hash tables in memory, no JIT compilation (which
            # costs it about 2.5 s).
            cursor.execute("SET work_mem = '64MB'")
            cursor.execute("SET jit = off")
            for _ in range(2):
                t = time.perf_counter()
                cursor.execute(sql, params)
                expected = dict(cursor.fetchall())
                times.append(time.perf_counter() - t)
            cursor.execute("RESET work_mem")
            cursor.execute("RESET jit")
        hand = min(times)
        print(
            f"hand-written SQL: {len(expected):,} scores in "
            + ", ".join(f"{s:.2f} s" for s in times)
        )

        # 2. The monthly run.
        report, process_seconds, peak_kib = run_child(
            args.database_url, "monthly", now.isoformat(), args.batch
        )
        print(
            f"monthly run: {report['seconds']:.2f} s ({report['state']}; process "
            f"{process_seconds:.1f} s with start-up); {report['evaluated']:,} merchants "
            f"evaluated, {report['pool_changes']:,} pool changes; "
            f"peak memory {peak_kib / 1024:.0f} MiB"
        )
        print_phases(report)
        rows = Evaluation.objects.filter(run_id=report["run"]).count()
        changes = dict(
            PoolChange.objects.filter(run_id=report["run"])
            .values_list("reason_code")
            .annotate(n=Count("pk"))
        )
        print(f"    evaluation rows {rows:,}; pool changes by reason {changes}")

        # 3. Same scores?
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
        print(
            f"ratio run / hand-written SQL: {report['seconds']:.2f} / {hand:.2f} = "
            f"{report['seconds'] / hand:.2f}x"
        )

        # 3b. Like for like: the Django code computing the same scores, without writing.
        scoring, _s, _peak = run_child(args.database_url, "score", now.isoformat(), args.batch)
        print(
            f"scoring only (the run's read and scoring, no writes): {scoring['scored']:,} "
            "scores in "
            f"{scoring['seconds']:.2f} s; ratio to the hand-written SQL: "
            f"{scoring['seconds'] / hand:.2f}x"
        )

        # 4. The nightly run with 1% changed.
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

        # 5. The next month's run: the steady state, with the pool moves of one month.
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
            f"next month's monthly run: {report['seconds']:.2f} s; {report['evaluated']:,} "
            f"evaluated, {report['pool_changes']:,} pool changes {changes}; "
            f"peak memory {peak_kib / 1024:.0f} MiB"
        )
        print_phases(report)
    print("\nload average (1, 5, 15 min): {:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
