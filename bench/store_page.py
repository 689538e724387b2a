"""The public store page /s/<code>/ under load: gunicorn on loopback, wrk as the load tool.

Run after bench/generate_province.py (default database acp_bench, migrated to the current schema):
    .venv/bin/python bench/store_page.py [--database-url URL] [--codes 1000] [--workers 4]
        [--connections 8] [--duration 30] [--warmup 15] [--locmem-warmup 60] [--runs 3]
        [--cache both|redis|locmem] [--locmem-max-entries N] [--path-template "/s/{code}/"]

Picks --codes merchants' public codes at random (fixed seed) and writes their page paths to a
file; collects the static files into a temporary STATIC_ROOT (DEBUG=false serves them through
whitenoise's manifest); then, for each cache setup — Redis (REDIS_URL, the production setup;
its database is flushed first so the pages start uncached) and the local-memory cache of the
settings without REDIS_URL (one per worker process) — starts `gunicorn config.wsgi -w WORKERS`
on 127.0.0.1 (sync workers, DEBUG=false, a bench-only SECRET_KEY) and:

1. cold pass: requests every path once, one at a time (a cache miss: the page is built from
   the database), checks each answers 200 and names its code, and prints the latency figures;
2. warm-up: wrk for --warmup seconds over all the paths (--locmem-warmup with the local-memory
   cache, where each worker process has to build every page itself);
3. --runs measured wrk runs of --duration seconds, each request a path picked at random from
   the file (a Lua script), printing requests/s, p50/p95/p99/max, errors, and the CPU time the
   gunicorn processes used per request (from /proc: a figure other load on the machine does not
   distort, unlike the latency).

The load tool is wrk 4.1 (Debian package `wrk`); the command is printed. wrk is closed-loop: a
fixed number of connections each send the next request when the previous answer is in, so
latency includes the time a request waits for a free gunicorn worker. --path-template runs the
same harness against another page, e.g. "/healthz/?{code}".

--uncached measures instead the server time of an uncached page, in-process (the WSGI handler
with its middleware, no gunicorn, no network), beside its floor in the same run:
    .venv/bin/python bench/store_page.py --uncached [--database-url URL] [--codes 300]
        [--rounds 5] [--tree PATH]
Each round requests, for every picked code in turn, the floor (a bare view reading one merchant
by primary key: one SELECT, an HttpResponse), the page /s/<code>/ as a visitor without a session
(the page cache emptied before each request: a miss, then the page built and stored) and the
same merchant from the public API; it prints each one's median and p95 per round, the queries
per request, and at the end the min and median over the rounds of the per-round medians, with
the load average at each round. Then one build taken apart: the merchant's row (the query
compiled once a day, run prepared), `store_page_data`, the body's template and the layout
rendered whole (as for a signed-in visitor; a plain visit joins a layout rendered once per
language instead: storefront.views._anonymous_page). --tree runs the same
measurement on another checkout (e.g. a worktree of the commit before a change), to compare.
"""

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import psycopg2
from benchlib import HOST, free_port, gunicorn_command, percentile, stop_processes, wait_until_up

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/acp_bench"
TARGET_RPS = 500
TARGET_P95_MS = 50

LUA = r"""
-- Each request: a path picked at random from the file named by WRK_PATHS.
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local next_id = 0
function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
end
function init(args)
  math.randomseed(os.time() * 1000 + (id or 0))
end
function request()
  return wrk.format("GET", paths[math.random(#paths)])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d status_errors=%d socket_errors=%d " ..
    "p50_us=%d p95_us=%d p99_us=%d max_us=%d mean_us=%.0f\n",
    summary.requests, summary.duration, e.status,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
end
"""


def pick_codes(url: str, count: int) -> list[str]:
    try:
        conn = psycopg2.connect(url)
    except psycopg2.OperationalError as error:
        sys.exit(
            f"{error}\nThis script does not build its database: run bench/generate_province.py "
            "--database-url URL first (bench/README.md gives the sizes)."
        )
    with conn.cursor() as cursor:
        # An index built while an older transaction was open (the generator's, beside another
        # session's) is ignored by the planner until that transaction ends: a sequential scan
        # of the complaints per page instead of an index scan.
        cursor.execute(
            "SELECT string_agg(indexrelid::regclass::text, ', ') FROM pg_index WHERE indcheckxmin"
        )
        if waiting := cursor.fetchone()[0]:
            print(
                f"WARNING: indexes not yet usable by every session (pg_index.indcheckxmin): "
                f"{waiting[:300]}; if a query plan skips them, VACUUM FULL their tables"
            )
        cursor.execute("SELECT setseed(0.5)")
        cursor.execute(
            "SELECT public_code FROM merchants_merchant WHERE public_code <> '' "
            "ORDER BY random() LIMIT %s",
            [count],
        )
        codes = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT count(*) FROM merchants_merchant")
        total = cursor.fetchone()[0]
    conn.close()
    print(f"{len(codes):,} public codes picked at random among {total:,} merchants")
    return codes


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def cold_pass(port: int, paths: list[str], codes: list[str]) -> None:
    statuses: Counter[int] = Counter()
    times = []
    unnamed = 0
    for path, code in zip(paths, codes, strict=True):
        start = time.perf_counter()
        status, body = get(port, path)
        times.append((time.perf_counter() - start) * 1000)
        statuses[status] += 1
        unnamed += status == 200 and code.encode() not in body
    print(
        f"  cold pass ({len(paths)} pages, one at a time, uncached): "
        f"median {statistics.median(times):.1f} ms, p95 {percentile(times, 0.95):.1f} ms, "
        f"max {max(times):.1f} ms; statuses {dict(statuses)}"
    )
    if statuses[200] != len(paths):
        bad = next(p for p in paths if get(port, p)[0] != 200)
        sys.exit(f"  not every page answered 200, e.g. {bad}")
    if unnamed:
        print(f"  WARNING: {unnamed} pages do not contain their own code")


def server_cpu_seconds(master: int) -> float:
    """User + system CPU of the gunicorn master and its live workers, from /proc."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    ticks = 0
    for pid in [str(master), *children]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def run_wrk(command: list[str], env: dict[str, str]) -> dict[str, float]:
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    match = re.search(r"^RESULT (.*)$", output, re.M)
    if not match:
        sys.exit(f"no RESULT line from wrk:\n{output}")
    return {k: float(v) for k, v in (kv.split("=") for kv in match.group(1).split())}


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def measure(
    *,
    label: str,
    extra_env: dict[str, str],
    base_env: dict[str, str],
    args: argparse.Namespace,
    paths: list[str],
    codes: list[str],
    paths_file: Path,
    lua_file: Path,
) -> list[dict[str, float]]:
    port = free_port()
    env = base_env | extra_env
    server_cmd = gunicorn_command(ROOT, port, args.workers)
    print(f"\n[{label}] server: gunicorn {' '.join(server_cmd[1:])}")
    server = subprocess.Popen(server_cmd, cwd=ROOT, env=env)
    results = []
    try:
        wait_until_up(port, server)
        cold_pass(port, paths, codes)
        wrk_env = os.environ | {"WRK_PATHS": str(paths_file)}

        def wrk(seconds: int) -> list[str]:
            return [
                "wrk",
                f"-t{args.wrk_threads}",
                f"-c{args.connections}",
                f"-d{seconds}s",
                "-s",
                str(lua_file),
                f"http://{HOST}:{port}",
            ]

        warmup = args.warmup if "REDIS_URL" in extra_env else args.locmem_warmup
        run_wrk(wrk(warmup), wrk_env)
        print(f"  warm-up: wrk for {warmup} s over all {len(paths)} paths")
        print(f"  load: WRK_PATHS={paths_file} {' '.join(wrk(args.duration))}")
        for run in range(1, args.runs + 1):
            cpu_before = server_cpu_seconds(server.pid)
            r = run_wrk(wrk(args.duration), wrk_env)
            r["cpu_ms"] = (server_cpu_seconds(server.pid) - cpu_before) * 1000 / r["requests"]
            r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
            results.append(r)
            print(
                f"  run {run}: {r['requests']:,.0f} requests, {r['rps']:,.0f} requests/s, "
                f"p50 {r['p50_us'] / 1000:.1f} ms, p95 {r['p95_us'] / 1000:.1f} ms, "
                f"p99 {r['p99_us'] / 1000:.1f} ms, max {r['max_us'] / 1000:.1f} ms, "
                f"errors {r['status_errors']:.0f} status / {r['socket_errors']:.0f} socket; "
                f"server CPU {r['cpu_ms']:.1f} ms/request"
            )
    finally:
        stop_processes(server)
    return results


UNCACHED_TARGET_MS = 5
UNCACHED_TARGET_QUERIES = 3


def uncached(args: argparse.Namespace) -> None:
    """The uncached page, its API and the bare-view floor, interleaved in one process."""
    tree = Path(args.tree).resolve()
    os.chdir(tree)
    sys.path.insert(0, str(tree))
    os.environ.update(
        {
            "DATABASE_URL": args.database_url,
            "DEBUG": "false",
            "SECRET_KEY": "bench-only-not-a-secret-" + "x" * 40,
            "SECURE_SSL_REDIRECT": "false",
            "ALLOWED_HOSTS": HOST,
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
    )
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):
        os.environ.pop(name, None)  # the per-process cache: emptied before each page request
    workdir = Path(tempfile.mkdtemp(prefix="acp_store_bench_"))
    os.environ["STATIC_ROOT"] = str(workdir / "static")
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input"],
        check=True,
        capture_output=True,
    )
    import django

    django.setup()
    import types
    from io import BytesIO

    from django.conf import settings
    from django.core.cache import cache
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.http import HttpResponse
    from django.template.loader import render_to_string
    from django.urls import include, path
    from django.utils import translation

    from merchants.models import Merchant
    from storefront import selectors

    def floor(request, pk: int) -> HttpResponse:
        return HttpResponse(Merchant.objects.only("name").get(pk=pk).name)

    urls = types.ModuleType("bench_store_urls")
    urls.urlpatterns = [path("bench-floor/<int:pk>/", floor), path("", include("config.urls"))]
    sys.modules["bench_store_urls"] = urls
    settings.ROOT_URLCONF = "bench_store_urls"
    executed = [0]

    def count(execute, sql, params, many, context):
        executed[0] += 1
        return execute(sql, params, many, context)

    connection.execute_wrappers.append(count)  # every request's queries, however it connects

    git = subprocess.run(
        ["git", "-C", str(tree), "log", "-1", "--format=%h %s"], capture_output=True, text=True
    ).stdout.strip()
    print(f"tree {tree} at {git[:100]}")
    codes = pick_codes(args.database_url, args.codes)
    pks = dict(Merchant.objects.filter(public_code__in=codes).values_list("public_code", "pk"))
    handler = WSGIHandler()

    def call(path_: str) -> tuple[float, float, int]:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path_,
            "QUERY_STRING": "",
            "SERVER_NAME": HOST,
            "SERVER_PORT": "80",
            "HTTP_HOST": HOST,
            "HTTP_ACCEPT_LANGUAGE": args.language,
            "wsgi.input": BytesIO(),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
        }
        statuses = []
        executed[0] = 0
        cpu, start = time.process_time(), time.perf_counter()
        body = b"".join(handler(environ, lambda status, headers: statuses.append(status)))
        elapsed = (time.perf_counter() - start) * 1000
        cpu = (time.process_time() - cpu) * 1000
        if not statuses[0].startswith("200") or not body:
            sys.exit(f"{path_} answered {statuses[0]}")
        return elapsed, cpu, executed[0]

    kinds = {
        "floor": lambda code: f"/bench-floor/{pks[code]}/",
        "page": lambda code: f"/s/{code}/",
        "api": lambda code: f"/api/v1/public/merchants/{code}/",
    }
    for code in codes[:20]:  # warm: URLconf, templates, translations, connection
        for path_of in kinds.values():
            cache.clear()
            call(path_of(code))
    medians: dict[str, list[float]] = {kind: [] for kind in kinds}
    cpu_medians: dict[str, list[float]] = {kind: [] for kind in kinds}
    queries: dict[str, Counter[int]] = {kind: Counter() for kind in kinds}
    loads = []
    print(
        f"{len(codes)} pages a round, language {args.language}; per round, wall median / p95 "
        "(this process's CPU median):"
    )
    for round_ in range(1, args.rounds + 1):
        load = os.getloadavg()[0]
        loads.append(load)
        times: dict[str, list[float]] = {kind: [] for kind in kinds}
        cpus: dict[str, list[float]] = {kind: [] for kind in kinds}
        for code in codes:
            for kind, path_of in kinds.items():
                cache.clear()
                elapsed, cpu, count = call(path_of(code))
                times[kind].append(elapsed)
                cpus[kind].append(cpu)
                queries[kind][count] += 1
        for kind in kinds:
            medians[kind].append(statistics.median(times[kind]))
            cpu_medians[kind].append(statistics.median(cpus[kind]))
        print(
            f"  round {round_} (load {load:.2f}): "
            + "; ".join(
                f"{kind} {statistics.median(t):.2f} / {percentile(t, 0.95):.2f} ms "
                f"({statistics.median(cpus[kind]):.2f})"
                for kind, t in times.items()
            )
        )
    print(f"summary over {args.rounds} rounds (min / median of the round medians):")
    for kind in kinds:
        print(
            f"  {kind:6} {min(medians[kind]):.2f} / {statistics.median(medians[kind]):.2f} ms "
            f"(CPU {min(cpu_medians[kind]):.2f} / {statistics.median(cpu_medians[kind]):.2f} ms); "
            f"queries per request {dict(sorted(queries[kind].items()))}"
        )
    floor_ms = statistics.median(medians["floor"])
    page_ms = statistics.median(medians["page"])
    most = max(max(queries["page"]), max(queries["api"]))
    met = page_ms <= UNCACHED_TARGET_MS and most <= UNCACHED_TARGET_QUERIES
    print(
        f"  page / floor {page_ms / floor_ms:.1f}x; load {min(loads):.2f} to {max(loads):.2f}; "
        f"target ≤ {UNCACHED_TARGET_MS} ms and ≤ {UNCACHED_TARGET_QUERIES} queries: "
        + ("met" if met else "NOT met")
    )

    # One build taken apart (median over the codes): where the page's time goes.
    parts: dict[str, list[float]] = {
        "store_page_row": [],
        "SQL of the whole build (execute)": [],
        "store_page_data": [],
        "body template": [],
        "layout rendered whole": [],
    }
    sql_ms: list[float] = []

    def timed(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            sql_ms.append((time.perf_counter() - start) * 1000)

    with translation.override(args.language), connection.execute_wrapper(timed):
        for code in codes:
            sql_ms.clear()
            t0 = time.perf_counter()
            row = selectors.store_page_row(public_code=code)
            t1 = time.perf_counter()
            data = selectors.store_page_data(row=row)
            t2 = time.perf_counter()
            body = render_to_string("storefront/_page_body.html", {"store": data})
            t3 = time.perf_counter()
            render_to_string(
                "storefront/page.html", {"title": data["name"], "body": body, "csrf_token": "x"}
            )
            t4 = time.perf_counter()
            parts["store_page_row"].append((t1 - t0) * 1000)
            parts["SQL of the whole build (execute)"].append(sum(sql_ms))
            parts["store_page_data"].append((t2 - t1) * 1000)
            parts["body template"].append((t3 - t2) * 1000)
            parts["layout rendered whole"].append((t4 - t3) * 1000)
    print("one build taken apart (in-process, no middleware), median over the codes:")
    for part, values in parts.items():
        print(f"  {part:32} {statistics.median(values):.2f} ms")
    shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/3")
    parser.add_argument("--cache", choices=["both", "redis", "locmem"], default="both")
    parser.add_argument("--codes", type=int, default=1000, help="merchants whose pages are loaded")
    parser.add_argument("--path-template", default="/s/{code}/")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync worker processes")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--duration", type=int, default=30, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=15, help="seconds of warm-up load (Redis)")
    parser.add_argument(
        "--locmem-warmup",
        type=int,
        default=60,
        help="seconds of warm-up load with the local-memory cache, where every worker process "
        "builds every page itself",
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--locmem-max-entries",
        type=int,
        help="experiment: run the local-memory setup with this MAX_ENTRIES (Django's default "
        "is 300) through a settings module in the temporary directory",
    )
    parser.add_argument(
        "--uncached",
        action="store_true",
        help="in-process: the uncached page and API beside a bare view (see the docstring)",
    )
    parser.add_argument("--rounds", type=int, default=5, help="--uncached: rounds")
    parser.add_argument("--language", default="zh-hans", help="--uncached: Accept-Language")
    parser.add_argument("--tree", default=str(ROOT), help="--uncached: the checkout to measure")
    args = parser.parse_args()
    if args.uncached:
        uncached(args)
        return
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")

    print(f"machine: {os.cpu_count()} cores; {subprocess.getoutput('wrk -v').splitlines()[0]}")
    codes = pick_codes(args.database_url, args.codes)
    paths = [args.path_template.format(code=code) for code in codes]
    workdir = Path(tempfile.mkdtemp(prefix="acp_store_bench_"))
    paths_file = workdir / "paths.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    lua_file = workdir / "random_path.lua"
    lua_file.write_text(LUA)
    base_env = os.environ | {
        "DATABASE_URL": args.database_url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-not-a-secret-" + "x" * 40,
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": HOST,
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
    }
    base_env.pop("REDIS_URL", None)
    base_env.pop("CELERY_BROKER_URL", None)
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "manage.py", "collectstatic", "--no-input"],
        cwd=ROOT,
        env=base_env,
        check=True,
        capture_output=True,
    )
    setups = []
    if args.cache in ("both", "redis"):
        setups.append(("Redis cache", {"REDIS_URL": args.redis_url}))
    if args.cache in ("both", "locmem"):
        if args.locmem_max_entries:
            (workdir / "bench_locmem_settings.py").write_text(
                "from config.settings import *  # noqa: F403\n"
                "CACHES = {'default': {'BACKEND': 'django.core.cache.backends.locmem.LocMemCache',"
                f" 'OPTIONS': {{'MAX_ENTRIES': {args.locmem_max_entries}}}}}}}\n"
            )
            extra = {
                "DJANGO_SETTINGS_MODULE": "bench_locmem_settings",
                "PYTHONPATH": str(workdir),
            }
            setups.append((f"local-memory, MAX_ENTRIES {args.locmem_max_entries}", extra))
        else:
            setups.append(("local-memory cache", {}))
    summary = []
    for label, extra in setups:
        if "REDIS_URL" in extra:
            flush_redis(extra["REDIS_URL"])
        results = measure(
            label=label,
            extra_env=extra,
            base_env=base_env,
            args=args,
            paths=paths,
            codes=codes,
            paths_file=paths_file,
            lua_file=lua_file,
        )
        summary.append((label, results))
    print(
        f"\nsummary ({args.workers} gunicorn sync workers, wrk {args.connections} connections, "
        f"{args.duration} s runs, {len(paths)} pages):"
    )
    met = True
    for label, results in summary:
        worst_rps = min(r["rps"] for r in results)
        worst_p95 = max(r["p95_us"] for r in results) / 1000
        errors = sum(r["status_errors"] + r["socket_errors"] for r in results)
        ok = worst_rps >= TARGET_RPS and worst_p95 < TARGET_P95_MS and not errors
        met = met and ok
        print(
            f"  {label:20} requests/s {', '.join(f'{r["rps"]:,.0f}' for r in results)}; "
            f"p95 ms {', '.join(f'{r["p95_us"] / 1000:.1f}' for r in results)}; "
            f"errors {errors:.0f} — {'met' if ok else 'NOT met'}"
        )
    print(
        f"target: at least {TARGET_RPS} requests/s with p95 under {TARGET_P95_MS} ms — "
        f"{'met' if met else 'NOT met'}"
    )
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
