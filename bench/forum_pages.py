#!/usr/bin/env python3
"""Benchmark the forum pages on a seeded database, served by gunicorn.

    python3 bench/forum_pages.py [--posts 1000000 --threads 50000 --fans 100000] [--seconds 20]

Starts its own PostgreSQL and Redis with data in .data/bench-<posts>/ (kept, so the seed runs once
per size), runs `manage.py seed` when that database is empty, starts gunicorn, then for each page
keeps 8 connections busy for --seconds and prints requests/second and p50/p99 latency.
The load generator is a small threaded Python client on the same 2 cores as the server.
"""

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import devtools  # noqa: E402

devtools.ensure_venv()


def fetch_json(sql: str) -> str:
    out = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            f"from django.db import connection\nc = connection.cursor()\nc.execute({sql!r})\nprint(c.fetchone()[0])",
        ],
        cwd=devtools.ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def load(port: int, path: str, seconds: float, connections: int) -> tuple[int, list[float], int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker():
        nonlocal errors
        mine, bad = [], 0
        while time.monotonic() < deadline:
            start = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request("GET", path, headers={"Host": "localhost", "Accept-Language": "zh-hans"})
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    bad += 1
            except OSError:
                bad += 1
            finally:
                conn.close()
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies), latencies, errors, time.monotonic() - began


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fans", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=50_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--big-thread", type=int, default=5_000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--query", default="刷机")
    args = parser.parse_args()

    os.environ.update(
        DJANGO_SETTINGS_MODULE="fancity.settings",
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="localhost,127.0.0.1",
        LOG_LEVEL="WARNING",
    )
    os.environ.setdefault("SECRET_KEY", "bench-only-" + os.urandom(8).hex())
    datadir = devtools.ROOT / ".data" / f"bench-{args.posts}"
    port = devtools.free_port()
    with devtools.services(datadir, throwaway=False, pg_port=devtools.free_port(), redis_port=devtools.free_port()):
        devtools.manage("migrate", "--no-input", "-v", "0")
        devtools.manage("collectstatic", "--no-input", "-v", "0")
        if fetch_json("SELECT COUNT(*) FROM accounts_user WHERE username = 'seed0'") == "0":
            started = time.monotonic()
            devtools.manage(
                "seed",
                f"--fans={args.fans}",
                f"--threads={args.threads}",
                f"--posts={args.posts}",
                f"--big-thread={args.big_thread}",
            )
            print(f"seed took {time.monotonic() - started:.0f}s", flush=True)
        big = fetch_json(f"SELECT id FROM forum_thread ORDER BY abs(post_count - {args.big_thread}), id LIMIT 1")
        last_page = fetch_json(f"SELECT (post_count + 19) / 20 FROM forum_thread WHERE id = {big}")
        matches = (
            fetch_json(
                "SELECT COUNT(*) FROM forum_post WHERE search @@ to_tsquery('simple', "
                f"'{args.query[0]}{args.query[1]}')"
            )
            if len(args.query) == 2
            else "?"
        )
        q = urllib.parse.quote(args.query)
        pages = [
            ("board index", "/forum/"),
            ("board page (general)", "/forum/b/general/"),
            ("board page 50", "/forum/b/general/?page=50"),
            (f"thread {big} first page", f"/forum/t/{big}/"),
            (f"thread {big} last page ({last_page})", f"/forum/t/{big}/?page={last_page}"),
            (f"search {args.query} ({matches} matching posts)", f"/forum/search/?q={q}"),
        ]
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
                "--access-logfile",
                "/dev/null",
                "--log-level",
                "warning",
            ],
            cwd=devtools.ROOT,
        )
        try:
            devtools.wait_for_port(port)
            for _name, path in pages:  # warm up every worker's connection and caches
                load(port, path, 1, args.connections)
            print(
                f"\n{args.connections} connections, {args.seconds:.0f}s per page, gunicorn {args.workers} sync "
                f"workers, {os.cpu_count()} CPUs; {args.fans} fans, {args.threads} threads, {args.posts} posts"
            )
            print(f"{'page':48} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
            for name, path in pages:
                count, latencies, errors, elapsed = load(port, path, args.seconds, args.connections)
                print(
                    f"{name:48} {count / elapsed:8.1f} {statistics.median(latencies) * 1000:8.1f} "
                    f"{percentile(latencies, 0.99) * 1000:8.1f} {errors:7d}",
                    flush=True,
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
