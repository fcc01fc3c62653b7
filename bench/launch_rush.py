#!/usr/bin/env python3
"""The launch-day rush: what PostgreSQL, the allocator and the web tier take, and what happens when parts die.

    python3 bench/launch_rush.py [--pg-fans 400000] [--web-fans 3000] [--kill-fans 6000] [--skip-kills]

Starts its own PostgreSQL (crash-safe: fsync and synchronous_commit on, as in production) and Redis,
migrates, and then measures, printing each figure as it goes:

1. PostgreSQL alone: pgbench runs the sign-up's statements (the launch read and the INSERT of
   meetups/launches.py with its "was active" check) at 16 and 64 connections, one sign-up per INSERT
   and eight (a web process's threads grouped, launches._Group), with synchronous commit on and off;
   then EXPLAIN ANALYZE of one INSERT.
2. The allocator on the rows pgbench left (a first-come launch of 50,000 places): batches of 5,000,
   the time of each batch in the database and sign-ups decided per second.
3. The web tier: gunicorn with 1 and then 2 worker processes (gthread, 8 threads), the allocator and a
   Celery worker running, fans signing up over HTTP from 32 connections: sign-ups acknowledged per
   second, p50/p99 of the POST, seconds from sign-up to outcome, and the p99 of an ordinary thread page
   read by a fan who is not in the rush, before and during it. A third run puts the waiting room at
   half the measured rate.
4. Faults (unless --skip-kills): one rush at 2 workers during which a web worker, the allocator (a
   standby takes over), the Celery worker and Redis are killed with SIGKILL in turn; then the check:
   places given == capacity, in arrival order, 0 acknowledged sign-ups lost, 0 twice, each fan told once.

The client runs on the same machine as everything else.
"""

import argparse
import datetime
import http.client
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import devtools  # noqa: E402

devtools.ensure_venv()
import launch_rush  # noqa: E402


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def wait_until(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.1)
    return result


def insert_fans(cursor, n: int, prefix: str, days_old: int = 100) -> tuple[int, int]:
    """`n` fans in one INSERT ... SELECT (no password hashing); returns their first and last id."""
    cursor.execute(
        "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff, "
        "is_active, date_joined, display_name, bio, avatar, language, muted_emails, ban_reason) "
        "SELECT '!', false, %s || g, '', '', %s || g || '@example.com', false, true, "
        "now() - make_interval(days => %s), %s || g, '', '', '', '[]', '' FROM generate_series(1, %s) g RETURNING id",
        [prefix, prefix, days_old, prefix, n],
    )
    ids = [row[0] for row in cursor.fetchall()]
    return min(ids), max(ids)


def pgbench(bin_dir: Path, url: str, script: str, clients: int, seconds: int, options: str = "") -> tuple[float, str]:
    path = Path(tempfile.mkstemp(suffix=".sql")[1])
    path.write_text(script)
    env = {**os.environ, "PGOPTIONS": options}
    result = subprocess.run(
        [str(bin_dir / "pgbench"), "-n", "-M", "prepared", "-c", str(clients), "-j", "2", "-T", str(seconds),
         "-f", str(path), url],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    path.unlink()
    tps = next(line for line in result.stdout.splitlines() if line.startswith("tps"))
    latency = next((line for line in result.stdout.splitlines() if line.startswith("latency average")), "")
    return float(tps.split("=")[1].split()[0]), latency


class PagePoller(threading.Thread):
    """A fan who is not in the rush reads a thread page again and again; latencies by time."""

    def __init__(self, port: int, path: str, session: str):
        super().__init__(daemon=True)
        self.port, self.path, self.session = port, path, session
        self.samples: list[tuple[float, float]] = []
        self.stopping = False

    def run(self):
        while not self.stopping:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            begin = time.perf_counter()
            try:
                conn.request("GET", self.path, headers={"Host": "localhost", "Cookie": f"sessionid={self.session}"})
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    self.samples.append((time.time(), time.perf_counter() - begin))
            except OSError:
                pass
            finally:
                conn.close()
            time.sleep(0.05)

    def between(self, start: float, end: float) -> list[float]:
        return [took for at, took in self.samples if start <= at <= end]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg-fans", type=int, default=300_000)
    parser.add_argument("--pg-seconds", type=int, default=15)
    parser.add_argument("--web-fans", type=int, default=2000)
    parser.add_argument("--kill-fans", type=int, default=3000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--skip-kills", action="store_true")
    parser.add_argument("--skip-pg", action="store_true", help="leave out parts 1 and 2 (PostgreSQL alone, allocator)")
    parser.add_argument("--skip-web", action="store_true", help="leave out parts 3 and 4 (web tier, faults)")
    args = parser.parse_args()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="fancity.settings",
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="localhost,127.0.0.1",
        LOG_LEVEL="WARNING",
    )
    os.environ.setdefault("SECRET_KEY", "bench-only-" + os.urandom(8).hex())
    datadir = Path(tempfile.mkdtemp(prefix="fancity-launch-rush-"))
    os.chmod(datadir, 0o755)
    postgres = devtools.EmbeddedPostgres(datadir / "postgres", devtools.free_port(), throwaway=False)  # fsync on
    redis = devtools.EmbeddedRedis(datadir / "redis", devtools.free_port(), throwaway=True)
    processes: dict[str, subprocess.Popen] = {}
    try:
        postgres.start()
        redis.start()
        os.environ.update(DATABASE_URL=postgres.url, REDIS_URL=redis.url)
        devtools.manage("migrate", "--no-input", "-v", "0")
        devtools.manage("collectstatic", "--no-input", "-v", "0")
        import django

        sys.path.insert(0, str(devtools.ROOT))
        django.setup()
        return run(args, postgres, redis, processes)
    finally:
        for process in processes.values():
            launch_rush.stop(process)
        redis.stop()
        postgres.stop()
        shutil.rmtree(datadir, ignore_errors=True)


def run(args, postgres, redis, processes) -> int:  # noqa: C901, PLR0915 - one benchmark, step by step
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from accounts.models import User
    from meetups import launches
    from meetups.launch_models import Launch

    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start", flush=True)
    staff = User.objects.create_user("bench-staff", "staff@example.com", "!", is_staff=True)
    staff.groups.add(Group.objects.get(name="Event staff"))
    now = timezone.now()

    def new_launch(title: str, capacity: int, **extra) -> Launch:
        return launches.create_launch(
            staff,
            Launch(
                title=title,
                capacity=capacity,
                opens_at=now - datetime.timedelta(minutes=1),
                closes_at=now + datetime.timedelta(hours=3),
                published=True,
                **extra,
            ),
        )

    if not args.skip_pg:
        postgres_alone(args, postgres, new_launch, staff)
    if args.skip_web:
        return 0
    return web_and_kills(args, postgres, redis, processes, new_launch, staff)


def postgres_alone(args, postgres, new_launch, staff) -> None:
    from django.db import connection
    from django.utils import timezone

    from meetups import allocation, launches
    from meetups.launch_models import Launch, Signup

    # ---- 1. PostgreSQL alone -------------------------------------------------------------------------
    started = time.monotonic()
    with connection.cursor() as cursor:
        first, last = insert_fans(cursor, args.pg_fans, "pg")
        cursor.execute("VACUUM ANALYZE accounts_user")
    print(f"\n{args.pg_fans:,} fans inserted in {time.monotonic() - started:.0f} s", flush=True)
    today = timezone.localdate()
    bin_dir = postgres.bin
    print("\n1. PostgreSQL alone: pgbench, each transaction = one fan's sign-up (launch read, activity check, INSERT);")
    print("   every run signs the fans up for a new launch of 50,000 places")
    with connection.cursor() as cursor:  # the physical limit at this moment: the least an append can be
        cursor.execute("CREATE TABLE bench_plain (id bigserial PRIMARY KEY, v integer NOT NULL)")
    for options, label in (("", "synchronous_commit on"), ("-c synchronous_commit=off", "synchronous_commit off")):
        tps, latency = pgbench(
            bin_dir, postgres.url, "INSERT INTO bench_plain (v) VALUES (1);\n", 64, args.pg_seconds, options
        )
        print(f"   {label:23} plain one-column INSERT  64 connections: {tps:7,.0f} rows/s ({latency})", flush=True)
    since, fans_first, fans_last = today - datetime.timedelta(days=29), first, last
    # A web process's threads share one INSERT (launches._Group): 1 is a lone sign-up, 8 a gthread
    # worker's 8 threads all signing up at once. Each sign-up also reads the launch (the page's read).
    for options, label in (("", "synchronous_commit on"), ("-c synchronous_commit=off", "synchronous_commit off")):
        for group in (1, 8):
            for clients in (16, 64):
                pg_launch = new_launch("pgbench", 50_000)
                insert = launches.SIGN_UP_SQL % {
                    "fans": "ARRAY[" + ", ".join(f":f{i}::bigint" for i in range(group)) + "]",
                    "active": "ARRAY[" + ", ".join(["false"] * group) + "]",
                    "line": f"'{pg_launch.line_sequence}'",
                    "since": f"'{since}'",
                    "today": f"'{today}'",
                    "launch": pg_launch.pk,
                }
                script = (
                    f"\\set f0 random({fans_first}, {fans_last - group})\n"
                    + "".join(f"\\set f{i} :f0 + {i}\n" for i in range(1, group))
                    + f"SELECT * FROM meetups_launch WHERE id = {pg_launch.pk};\n" * group
                    + " ".join(insert.split())
                    + ";\n"
                )
                begin = time.monotonic()
                tps, latency = pgbench(bin_dir, postgres.url, script, clients, args.pg_seconds, options)
                took = time.monotonic() - begin
                rows = Signup.objects.filter(launch=pg_launch).count()
                print(
                    f"   {label:23} {group} per INSERT {clients:3} connections: {tps * group:7,.0f} sign-ups/s, "
                    f"{rows / took:7,.0f} new rows/s (the rest: a fan drawn again) ({latency}); "
                    f"load average {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM meetups_signup WHERE launch_id = %s", [pg_launch.pk])
        written = cursor.fetchone()[0]
        cursor.execute(
            "EXPLAIN (ANALYZE, BUFFERS, WAL) " + launches.SIGN_UP_SQL,
            {
                "fans": [staff.pk],
                "line": pg_launch.line_sequence,
                "active": [False],
                "since": since,
                "today": today,
                "launch": pg_launch.pk,
            },
        )
        plan = "\n".join("      " + row[0] for row in cursor.fetchall())
    print(f"   rows written: {written:,}\n   EXPLAIN ANALYZE of one sign-up INSERT:\n{plan}", flush=True)

    # ---- 2. The allocator --------------------------------------------------------------------------
    print(f"\n2. The allocator on those {written:,} sign-ups (capacity 50,000, batches of {allocation.BATCH:,})")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE meetups_signup")
        cursor.execute("SELECT pg_stat_reset()")
    times = []
    started = time.monotonic()
    while True:
        begin = time.perf_counter()
        decided = allocation.allocate_batch(pg_launch.pk)
        if not decided:
            break
        times.append((time.perf_counter() - begin, decided))
    total = time.monotonic() - started
    decided = sum(n for _, n in times)
    pg_launch.refresh_from_db()
    print(
        f"   {decided:,} decided in {total:.1f} s: {decided / total:,.0f} sign-ups/s; per batch of 5,000: "
        f"median {ms(statistics.median(t for t, _ in times))}, max {ms(max(t for t, _ in times))} "
        f"(places given {pg_launch.allocated:,})",
        flush=True,
    )
    from outbox.models import Message

    Message.objects.all().delete()  # the notices of the pgbench fans are not part of the web runs
    Launch.objects.filter(title="pgbench").update(published=False)  # nor are their launches the allocator's work


def web_and_kills(args, postgres, redis, processes, new_launch, staff) -> int:  # noqa: PLR0915
    from django.db import connection

    from accounts.models import Notification, User
    from forum.models import Board
    from forum.writing.posting import post_reply, start_thread
    from meetups import allocation
    from meetups.launch_models import Launch, Signup

    # ---- 3. The web tier ----------------------------------------------------------------------------
    with connection.cursor() as cursor:
        first, last = insert_fans(cursor, max(args.web_fans, args.kill_fans), "web")
    fans = list(User.objects.filter(pk__gte=first, pk__lte=last).order_by("pk"))
    started = time.monotonic()
    sessions = launch_rush.sessions_for(fans)
    print(f"\n{len(fans):,} fans with sessions for the web runs in {time.monotonic() - started:.0f} s", flush=True)
    reader = User.objects.create_user("bench-reader", "reader@example.com", "!")
    (reader_session,) = launch_rush.sessions_for([reader])
    board = Board.objects.get(slug="general")
    thread = start_thread(staff, board, "新品发布讨论", "大家好，这是讨论帖。" * 20)
    for i in range(30):
        post_reply(staff, thread, f"第 {i} 楼：" + "回复内容。" * 30)
    page_path = f"/forum/t/{thread.pk}/"

    def site(workers: int, admit: int) -> int:
        env = launch_rush.site_env(
            postgres.url, redis.url, LAUNCH_ADMIT_PER_SECOND=str(admit), LAUNCH_ADMIT_BURST=str(max(admit // 2, 1))
        )
        port = devtools.free_port()
        processes["web"] = launch_rush.start_web(env, port, workers=workers, threads=8)
        if "allocator" not in processes:
            processes["allocator"] = launch_rush.start_allocator(env)
        if "worker" not in processes:
            processes["worker"] = launch_rush.start_worker(env, "bench", concurrency=1)
        devtools.wait_for_port(port, 60)
        return port

    def web_run(label: str, workers: int, admit: int, n: int) -> float:
        launch = new_launch(label, n)  # every fan gets a place: each request does the whole sign-up
        port = site(workers, admit)
        poller = PagePoller(port, page_path, reader_session)
        poller.start()
        wait_until(lambda: len(poller.samples) >= 2, 120, "the thread page, warm")  # each worker's first read
        base_start = time.time()
        time.sleep(10)  # the baseline: the thread page with no rush
        base_end = time.time()
        pairs = list(zip([f.pk for f in fans[:n]], sessions[:n], strict=True))
        rush = launch_rush.Rush(port, launch.pk, pairs, args.connections).start()
        rush_start = time.time()
        rush.join(1200)
        rush_end = time.time()
        wait_until(lambda: launch_rush.allocation_done(launch.pk), 300, "the allocation")
        poller.stopping = True
        poller.join()
        base, during = poller.between(base_start, base_end), poller.between(rush_start, rush_end)
        outcome = [
            (d - c).total_seconds()
            for c, d in Signup.objects.filter(launch=launch).values_list("created_at", "decided_at")
        ]
        rate = len(rush.acknowledged) / rush.elapsed
        print(
            f"   {label}: {len(rush.acknowledged):,} acknowledged, {len(rush.refused):,} refused (sold out) in "
            f"{rush.elapsed:.1f} s = {rate:,.0f} sign-ups/s; waiting-room pages {rush.waits:,}; POST p50 "
            f"{ms(statistics.median(rush.latencies))}, p99 {ms(pct(rush.latencies, 0.99))}; sign-up to outcome p50 "
            f"{statistics.median(outcome):.2f} s, p99 {pct(outcome, 0.99):.2f} s, max {max(outcome):.2f} s; thread "
            f"page p99 {ms(pct(base, 0.99))} before ({len(base)} reads), {ms(pct(during, 0.99))} during "
            f"({len(during)} reads); load average {os.getloadavg()[0]:.1f}; check: "
            f"{launch_rush.check(launch.pk, rush.acknowledged) or 'exact'}",
            flush=True,
        )
        launch_rush.stop(processes.pop("web"))
        return rate

    print(f"\n3. The web tier: {args.web_fans:,} fans, {args.connections} connections, gthread x 8 threads")
    web_run("1 worker", 1, 100_000, args.web_fans)
    rate = web_run("2 workers", 2, 100_000, args.web_fans)
    web_run(f"2 workers, waiting room at {int(rate / 2)}/s", 2, max(int(rate / 2), 1), args.web_fans // 2)

    if args.skip_kills:
        return 0
    # ---- 4. Faults ---------------------------------------------------------------------------------
    n = args.kill_fans
    print(f"\n4. Faults: {n:,} fans at 2 workers; SIGKILL a web worker, the allocator, the Celery worker, Redis")
    for name in ("allocator", "worker"):
        launch_rush.stop(processes.pop(name, None))
    launch = new_launch("kills", n // 3)
    port = site(2, 100_000)
    env = launch_rush.site_env(postgres.url, redis.url, LAUNCH_ADMIT_PER_SECOND="100000", LAUNCH_ADMIT_BURST="50000")
    processes["standby"] = launch_rush.start_allocator(env)
    rush = launch_rush.Rush(port, launch.pk, list(zip([f.pk for f in fans[:n]], sessions[:n], strict=True)), 32)
    rush.start()

    def at(share: float, what: str, kill) -> None:
        wait_until(lambda: rush.answered >= n * share, 600, what)
        kill()
        print(f"   {rush.answered:,} answered: killed {what}", flush=True)

    def kill_web():
        for pid in launch_rush.children(processes["web"].pid):
            os.kill(pid, signal.SIGKILL)

    at(0.15, "both web workers", kill_web)
    at(0.3, "the allocator", lambda: processes["allocator"].kill())

    def kill_worker():
        os.killpg(processes["worker"].pid, signal.SIGKILL)
        processes["worker"].wait(30)
        env_worker = launch_rush.site_env(postgres.url, redis.url, BROKER_VISIBILITY_TIMEOUT="30")
        processes["worker"] = launch_rush.start_worker(env_worker, "second", concurrency=1)

    at(0.45, "the Celery worker (a new one started)", kill_worker)
    at(0.6, "Redis", lambda: (redis.process.kill(), redis.process.wait(30)))
    at(0.75, "nothing (Redis started again, empty)", redis.start)
    rush.join(1800)
    wait_until(lambda: launch_rush.allocation_done(launch.pk), 600, "the allocation")
    problems = launch_rush.check(launch.pk, rush.acknowledged)
    decided = Signup.objects.filter(launch=launch).count()
    from outbox.queueing import send_pending

    deadline = time.monotonic() + 900
    group = f"launch:{launch.pk}"
    while Notification.objects.filter(group=group).count() < decided and time.monotonic() < deadline:
        send_pending()  # beat's outbox sweep (every minute): notices queued while Redis was down
        # The allocator's sweep (every minute, for notices 15 minutes old; the bench does not wait that
        # long): notices that were in Redis when it was killed.
        allocation.requeue_untold(older_than=datetime.timedelta(seconds=30))
        time.sleep(5)
    told = Notification.objects.filter(group=group).count()
    twice = told - Notification.objects.filter(group=group).values("recipient_id").distinct().count()
    print(
        f"   {len(rush.acknowledged):,} acknowledged, {len(rush.refused):,} refused (sold out), {rush.errors} "
        f"dropped connections or 5xx pressed again; places given {Launch.objects.get(pk=launch.pk).allocated:,} "
        f"of {launch.capacity:,}; told {told:,} of {decided:,} (twice: {twice}); "
        f"check: {problems or 'exact: 0 lost, 0 twice, places == capacity, arrival order'}",
        flush=True,
    )
    return 1 if problems or told != decided or twice else 0


if __name__ == "__main__":
    sys.exit(main())
