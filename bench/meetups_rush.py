#!/usr/bin/env python3
"""The registration rush: 5,000 signed-in fans register for one 40-seat meetup at 64 connections.

    python3 bench/meetups_rush.py [--fans 5000] [--connections 64] [--workers 8] [--threads 8] [--first-visit]

Starts a throwaway PostgreSQL and Redis, migrates, creates the fans and a session for each (as a
login would), a published first-come meetup with 40 seats, and gunicorn (gthread workers). Then
64 client threads POST /meetups/<id>/register/, each fan exactly once, and the script prints
registrations per second, p50/p99 latency and checks the result in the database: exactly 40
confirmed, 4,960 waiting with strictly increasing order after every confirmed fan, and no failed
request (every answer a redirect, every fan registered). The client runs on the same 2 cores.
"""

import argparse
import datetime
import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import devtools  # noqa: E402

devtools.ensure_venv()
CSRF = "benchbenchbenchbenchbenchbench12"  # an unmasked 32-character CSRF secret


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fans", type=int, default=5000)
    parser.add_argument("--capacity", type=int, default=40)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--first-visit",
        action="store_true",
        help="the register request is the fan's first visit of the day (records activity)",
    )
    args = parser.parse_args()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="fancity.settings",
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="localhost,127.0.0.1",
        LOG_LEVEL="WARNING",
    )
    os.environ.setdefault("SECRET_KEY", "bench-only-" + os.urandom(8).hex())
    datadir = devtools.ROOT / ".data" / "bench-meetups-rush"
    port = devtools.free_port()
    with devtools.services(datadir, throwaway=True, pg_port=devtools.free_port(), redis_port=devtools.free_port()):
        devtools.manage("migrate", "--no-input", "-v", "0")
        devtools.manage("collectstatic", "--no-input", "-v", "0")
        import django

        sys.path.insert(0, str(devtools.ROOT))
        django.setup()
        from django.conf import settings
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
        from django.contrib.sessions.backends.db import SessionStore
        from django.db import connection
        from django.utils import timezone

        from accounts.models import City, User
        from meetups.models import Meetup, Registration

        started = time.monotonic()
        city = City.objects.get(slug="shenzhen")
        fans = User.objects.bulk_create(
            [
                User(username=f"rush{i}", email=f"rush{i}@example.com", password="!", city=city)
                for i in range(args.fans)
            ],
            batch_size=1000,
        )
        sessions = []
        today = timezone.localdate().isoformat()
        for fan in fans:  # what a login stores; the DB store is what cached_db falls back to
            store = SessionStore()
            store[SESSION_KEY] = str(fan.pk)
            store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
            store[HASH_SESSION_KEY] = fan.get_session_auth_hash()
            if not args.first_visit:  # they opened the meetup page earlier today, waiting for the start
                store["active_on"] = today
            store.create()
            sessions.append(store.session_key)
        now = timezone.now()
        meetup = Meetup.objects.create(
            city=city,
            title="rush",
            status=Meetup.Status.PUBLISHED,
            capacity=args.capacity,
            capacity_override=not 30 <= args.capacity <= 50,
            starts_at=now + datetime.timedelta(days=10),
            venue="v",
            address="a",
            registration_opens_at=now - datetime.timedelta(hours=1),
            registration_closes_at=now + datetime.timedelta(days=9),
        )
        print(f"{args.fans} fans with sessions ready in {time.monotonic() - started:.0f}s", flush=True)
        with connection.cursor() as cursor:  # time spent in meetups_register, for every new connection
            cursor.execute("ALTER DATABASE fancity SET track_functions = 'pl'")

        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "fancity.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                str(args.workers),
                "-k",
                "gthread",
                "--threads",
                str(args.threads),
                "--access-logfile",
                "/dev/null",
                "--log-level",
                "warning",
            ],
            cwd=devtools.ROOT,
        )
        try:
            devtools.wait_for_port(port)
            path = f"/meetups/{meetup.pk}/register/"
            latencies, failures, lock = [], [], threading.Lock()
            queue = list(enumerate(sessions))
            barrier = threading.Barrier(args.connections)

            def worker():
                mine, bad = [], []
                barrier.wait()
                while True:
                    with lock:
                        if not queue:
                            break
                        i, session = queue.pop(0)
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    begin = time.perf_counter()
                    try:
                        conn.request(
                            "POST",
                            path,
                            body=f"answer=fan{i}",
                            headers={
                                "Host": "localhost",
                                "Content-Type": "application/x-www-form-urlencoded",
                                "Cookie": f"sessionid={session}; csrftoken={CSRF}",
                                "X-CSRFToken": CSRF,
                                "Accept-Language": "zh-hans",
                            },
                        )
                        response = conn.getresponse()
                        response.read()
                        if response.status != 302 or "/accounts/login" in (response.getheader("Location") or ""):
                            bad.append((i, response.status))
                    except OSError as exc:
                        bad.append((i, repr(exc)))
                    finally:
                        conn.close()
                    mine.append(time.perf_counter() - begin)
                with lock:
                    latencies.extend(mine)
                    failures.extend(bad)

            threads = [threading.Thread(target=worker) for _ in range(args.connections)]
            began = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.monotonic() - began
        finally:
            server.terminate()
            server.wait(timeout=30)

        with connection.cursor() as cursor:
            cursor.execute("SELECT calls, total_time FROM pg_stat_user_functions WHERE funcname = 'meetups_register'")
            calls, total = cursor.fetchone() or (0, 0)
        rows = list(Registration.objects.filter(meetup=meetup).values_list("order", "state"))
        confirmed = sorted(o for o, s in rows if s == Registration.State.CONFIRMED)
        waiting = sorted(o for o, s in rows if s == Registration.State.WAITING)
        orders = sorted(o for o, _ in rows)
        in_order = (
            orders == list(range(1, len(orders) + 1))
            and confirmed == list(range(1, args.capacity + 1))
            and (not waiting or waiting[0] > confirmed[-1])
        )
        print(
            f"\n{args.fans} fans, {args.connections} connections, gunicorn {args.workers} workers x "
            f"{args.threads} threads, {os.cpu_count()} CPUs"
        )
        print(
            f"{len(latencies) / elapsed:.1f} registrations/s, p50 {statistics.median(latencies) * 1000:.0f} ms, "
            f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, total {elapsed:.1f}s"
        )
        if calls:
            print(
                f"meetups_register: {calls} calls, mean {total / calls:.2f} ms each in the database "
                "(waiting for the meetup lock included)"
            )
        print(
            f"confirmed {len(confirmed)}, waiting {len(waiting)}, registrations {len(rows)}, "
            f"failed requests {len(failures)}{' e.g. ' + repr(failures[:3]) if failures else ''}, "
            f"strict order {'yes' if in_order else 'NO'}"
        )
        ok = (
            len(confirmed) == args.capacity
            and len(waiting) == args.fans - args.capacity
            and len(rows) == args.fans
            and not failures
            and in_order
        )
        print("OK" if ok else "FAILED")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
