#!/usr/bin/env python3
"""Benchmark the nightly city ranking: 100,000 fans and a year of daily activity rows.

    python3 bench/meetups_ranking.py [--fans 100000] [--days 365] [--runs 5]

Starts a throwaway PostgreSQL and Redis, migrates, fills accounts_user and accounts_dailyactivity
with SQL (fans spread over the cities with big cities weighted up, each active on a random share of
the last year; last_active_on is the latest such day, as record_activity keeps it), then times
meetups.ranking.snapshot_cities() --runs times and prints the plan of its one aggregate query.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import devtools  # noqa: E402

devtools.ensure_venv()

SEED_SQL = """
WITH c AS (SELECT array_agg(id ORDER BY id) AS ids FROM accounts_city)
INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
                           date_joined, display_name, city_id, bio, avatar, language, muted_emails, ban_reason)
SELECT '!', false, 'bench' || g, '', '', 'bench' || g || '@example.com', false, true,
       now() - (random() * 400 || ' days')::interval, 'bench' || g,
       c.ids[1 + floor(power(random(), 2.5) * array_length(c.ids, 1))::int],
       '', '', '', '[]', ''
FROM generate_series(1, %(fans)s) AS g, c;
"""

# Each fan visits on a random share (0-20%%) of days; 45%% of them stopped coming 31-330 days ago.
ACTIVITY_SQL = """
INSERT INTO accounts_dailyactivity (user_id, day)
SELECT u.id, current_date - d
FROM accounts_user u
CROSS JOIN LATERAL (SELECT random() * 0.2 AS share,
                           CASE WHEN random() < 0.45 THEN 31 + floor(random() * 300)::int ELSE 0 END AS gone
                    WHERE u.id > 0) s
CROSS JOIN LATERAL generate_series(s.gone, %(days)s - 1) AS d
WHERE u.username LIKE 'bench%%' AND random() < s.share;
"""

LAST_ACTIVE_SQL = """
UPDATE accounts_user u SET last_active_on = a.last
FROM (SELECT user_id, max(day) AS last FROM accounts_dailyactivity GROUP BY user_id) a
WHERE a.user_id = u.id;
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fans", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.update(DJANGO_SETTINGS_MODULE="fancity.settings", DEBUG="0", LOG_LEVEL="WARNING")
    os.environ.setdefault("SECRET_KEY", "bench-only-" + os.urandom(8).hex())
    datadir = devtools.ROOT / ".data" / "bench-meetups-ranking"
    with devtools.services(datadir, throwaway=True, pg_port=devtools.free_port(), redis_port=devtools.free_port()):
        devtools.manage("migrate", "--no-input", "-v", "0")
        import django

        sys.path.insert(0, str(devtools.ROOT))
        django.setup()
        from django.db import connection

        from accounts.activity import active_since
        from accounts.models import City, DailyActivity, User
        from meetups.ranking import snapshot_cities

        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute(SEED_SQL, {"fans": args.fans, "cities": City.objects.count()})
            cursor.execute(ACTIVITY_SQL, {"days": args.days})
            cursor.execute(LAST_ACTIVE_SQL)
            cursor.execute("VACUUM ANALYZE accounts_user")
            cursor.execute("VACUUM ANALYZE accounts_dailyactivity")
        fans, rows = User.objects.count(), DailyActivity.objects.count()
        active = User.objects.filter(last_active_on__gte=active_since()).count()
        print(
            f"seeded {fans} fans, {rows} activity rows over {args.days} days ({active} active in the last 30 "
            f"days) in {time.monotonic() - started:.0f}s",
            flush=True,
        )

        from django.db.models import Count, Q

        plan_qs = (
            User.objects.filter(city__isnull=False, deleted_at__isnull=True)
            .values("city_id")
            .annotate(total=Count("*"), active=Count("id", filter=Q(last_active_on__gte=active_since())))
            .order_by()
        )
        with connection.cursor() as cursor:
            sql, params = plan_qs.query.sql_with_params()
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            print("\n".join(row[0] for row in cursor.fetchall()))
        timings = []
        for _ in range(args.runs):
            began = time.perf_counter()
            written = snapshot_cities()
            timings.append(time.perf_counter() - began)
        print(
            f"\nsnapshot_cities() over {fans} fans / {rows} activity rows, {written} cities, {args.runs} runs: "
            f"median {statistics.median(timings) * 1000:.0f} ms, max {max(timings) * 1000:.0f} ms, "
            f"{os.cpu_count()} CPUs"
        )
        ok = max(timings) < 2.0
        print("OK: under 2 s" if ok else "TOO SLOW: over 2 s")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
