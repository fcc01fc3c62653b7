#!/usr/bin/env python3
"""Benchmark the staff insights and queue pages on 100,000 fans and 1,000,000 posts.

    python3 bench/servicedesk_insights.py [--fans 100000 --posts 1000000 --threads 50000] [--runs 10]

Starts its own PostgreSQL and Redis with data in .data/bench-servicedesk-<posts>/ (kept, so the seed
runs once per size), runs the forum's `manage.py seed` when the database is empty, then adds what the
service desk reads, in set-based SQL: first staff answers on 85% of feedback threads, a ticket per
feedback thread (a third answered by the bot), activity days and `last_active_on` for 60% of fans,
core testers, 26 weeks of ActivityWeek rows (timed: the nightly task's work) and the meetups' city
ranking. Then it renders each page `--runs` times in-process through Django's test client, logged
in as staff, and prints the median and the slowest time and the number of queries.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import devtools  # noqa: E402

devtools.ensure_venv()

PAGES = [
    "/staff/insights/",
    "/staff/insights/?city=shenzhen",
    "/staff/queue/",
    "/staff/insights/segments/?segment=dormant",
    "/staff/insights/segments/?segment=meetup_attendees",
]

EXTRA_SQL = [
    # First staff answers on 85% of feedback threads: 2 to ~120 minutes, most under 20.
    """UPDATE forum_thread SET time_to_first_staff_reply = make_interval(secs => 120 + 3600 * power(random(), 3)),
              first_staff_reply_at = created_at + make_interval(secs => 120 + 3600 * power(random(), 3))
       WHERE status <> '' AND random() < 0.85""",
    "UPDATE forum_thread SET first_staff_reply_at = created_at + time_to_first_staff_reply "
    "WHERE time_to_first_staff_reply IS NOT NULL",
    # One ticket per feedback thread: a third answered by the bot, the rest escalated (10% urgent).
    """INSERT INTO servicedesk_ticket (thread_id, created_at, city_id, rule_name, auto_answered_at, priority, reason,
                                      escalated_at, answered_at, triaged_at)
       SELECT t.id, t.created_at, u.city_id, CASE WHEN r < 0.33 THEN 'FAQ' WHEN r < 0.43 THEN '快递' ELSE '' END,
              CASE WHEN r < 0.33 THEN t.created_at END,
              CASE WHEN r < 0.33 THEN 0 WHEN r < 0.43 THEN 2 ELSE 1 END,
              CASE WHEN r < 0.33 THEN '' WHEN r < 0.43 THEN 'rule' ELSE 'no_rule' END,
              CASE WHEN r >= 0.33 THEN t.created_at END, t.first_staff_reply_at, t.created_at
       FROM (SELECT *, random() AS r FROM forum_thread WHERE status <> '') t JOIN accounts_user u ON u.id = t.author_id
       ON CONFLICT DO NOTHING""",
    # Activity: 60% of fans came back, on 1-12 days of the last 120.
    """INSERT INTO accounts_dailyactivity (user_id, day)
       SELECT u.id, current_date - (random() * 120)::int FROM accounts_user u, generate_series(1, 12) g
       WHERE u.id % 10 < 6 AND g <= 1 + (u.id % 12) ON CONFLICT DO NOTHING""",
    """UPDATE accounts_user u SET last_active_on = a.last FROM
       (SELECT user_id, max(day) AS last FROM accounts_dailyactivity GROUP BY user_id) a WHERE a.user_id = u.id""",
    """INSERT INTO accounts_user_groups (user_id, group_id)
       SELECT u.id, g.id FROM accounts_user u, auth_group g WHERE g.name = 'Core testers' AND u.id % 50 = 0
       ON CONFLICT DO NOTHING""",
    "VACUUM ANALYZE",
]


def prepare() -> None:
    import django

    django.setup()
    from django.db import connection

    from meetups.ranking import snapshot_cities
    from servicedesk.activity_weeks import backfill
    from servicedesk.models import ActivityWeek, Ticket

    if not Ticket.objects.exists():
        for sql in EXTRA_SQL:
            start = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(sql)
            print(f"  {time.perf_counter() - start:6.1f}s  {' '.join(sql.split())[:70]}", flush=True)
    if not ActivityWeek.objects.exists():
        start = time.perf_counter()
        backfill(weeks=26)
        print(f"  {time.perf_counter() - start:6.1f}s  ActivityWeek backfill, 27 weeks", flush=True)
    start = time.perf_counter()
    from servicedesk.activity_weeks import snapshot_week

    snapshot_week()
    print(f"  {time.perf_counter() - start:6.2f}s  nightly snapshot_activity (one week)", flush=True)
    snapshot_cities()


def measure(runs: int) -> None:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    staff = User.objects.filter(is_staff=True).order_by("pk").first()
    client = Client(HTTP_HOST="localhost")
    client.force_login(staff)
    counts = {
        "fans": User.objects.count(),
        "posts": connection.cursor().execute("SELECT count(*) FROM forum_post").fetchone()[0],
        "feedback threads": connection.cursor()
        .execute("SELECT count(*) FROM forum_thread WHERE status <> ''")
        .fetchone()[0],
        "activity rows": connection.cursor().execute("SELECT count(*) FROM accounts_dailyactivity").fetchone()[0],
    }
    print("Data: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
    for path in PAGES:
        assert client.get(path).status_code == 200, path  # warm up
        times = []
        for _ in range(runs):
            reset_queries()
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(path)
                times.append(time.perf_counter() - start)
            assert response.status_code == 200
        print(
            f"{path:55s} median {1000 * statistics.median(times):6.0f} ms   "
            f"max {1000 * max(times):6.0f} ms   {len(queries)} queries"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fans", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        prepare()
        measure(args.runs)
        return
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fancity.settings")
    datadir = devtools.ROOT / ".data" / f"bench-servicedesk-{args.posts}"
    with devtools.services(datadir, throwaway=False, pg_port=devtools.free_port(), redis_port=devtools.free_port()):
        devtools.manage("migrate", "-v", "0")
        probe = "from accounts.models import User; print(User.objects.filter(username='seed0').exists())"
        seeded = subprocess.run(
            [sys.executable, "manage.py", "shell", "-v", "0", "-c", probe],
            cwd=devtools.ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if not seeded.endswith("True"):
            devtools.manage(
                "seed", "--fans", str(args.fans), "--posts", str(args.posts), "--threads", str(args.threads)
            )
        subprocess.run([sys.executable, __file__, "--inner", "--runs", str(args.runs)], check=True, cwd=devtools.ROOT)


if __name__ == "__main__":
    main()
