#!/usr/bin/env python3
"""Benchmark the forum pages on a seeded database, served by gunicorn, driven by wrk.

    python3 bench/forum_pages.py [--posts 1000000 --threads 50000 --fans 100000] [--rounds 3]

Starts its own PostgreSQL and Redis with data in .data/bench-<posts>/ (kept, so the seed runs once
per size), runs `manage.py seed` when that database is empty, starts gunicorn (4 sync workers,
DEBUG off), and for every page runs `wrk -t2 -c8 -d10s --latency` twice: as an anonymous reader
and as a signed-in fan (the session cookie of a seeded fan who has already read every page, so the
signed-in case is the re-read). Prints req/s and p99 for both and the ratio signed ÷ anonymous;
with --rounds N the rounds are interleaved and the median of the N rounds is printed.

wrk is C and event driven, so the load generator takes little of the two cores from the server
(the Python client this replaces took about a third). It is installed with apt-get when missing.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import devtools  # noqa: E402

devtools.ensure_venv()

# A CSRF cookie as a browser that has been on the site carries (else every page sets a new one).
CSRF_COOKIE = "benchbenchbenchbenchbenchbench12"


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        sys.exit("The benchmark needs wrk: run `sudo apt-get install wrk` and try again.")
    print("Installing wrk with apt-get ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)
    return shutil.which("wrk") or sys.exit("apt-get did not install wrk")


def shell(code: str) -> str:
    """Run `code` in `manage.py shell` against the benchmark database; its last printed line."""
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=devtools.ROOT, capture_output=True, text=True
    )
    if out.returncode:
        sys.exit(out.stderr)
    return out.stdout.strip().splitlines()[-1]


def sql(query: str) -> str:
    return shell(
        f"from django.db import connection\nc = connection.cursor()\nc.execute({query!r})\nprint(c.fetchone()[0])"
    )


def sign_in(thread_ids: list[int]) -> str:
    """A session key of a seeded fan who has read `thread_ids` to their end and has been active today
    (so a page view has nothing to write), made with the site's own session engine. Needs Django set up."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils import timezone

    from accounts.activity import record_activity
    from accounts.middleware import SESSION_KEY as ACTIVE_KEY
    from accounts.models import User
    from forum.models import ReadMark, Thread

    fan = User.objects.get(username="seed1")
    for thread in Thread.objects.filter(pk__in=thread_ids):
        ReadMark.objects.update_or_create(user=fan, thread=thread, defaults={"floor": thread.post_count})
    record_activity(fan)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(fan.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = fan.get_session_auth_hash()
    store[ACTIVE_KEY] = timezone.localdate().isoformat()
    store.create()
    return store.session_key


def wrk(binary: str, port: int, path: str, seconds: float, connections: int, cookie: str | None) -> dict:
    headers = ["-H", "Accept-Language: zh-hans", "-H", "Host: localhost"]
    if cookie:
        headers += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(
        [
            binary,
            "-t2",
            f"-c{connections}",
            f"-d{seconds:.0f}s",
            "--latency",
            *headers,
            f"http://127.0.0.1:{port}{path}",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout

    def ms(pattern: str) -> float:
        value, unit = re.search(pattern, out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": ms(r"\s50%\s+([\d.]+)(us|ms|s)\b"),
        "p99": ms(r"\s99%\s+([\d.]+)(us|ms|s)\b"),
        "errors": (int(errors.group(1)) if errors else 0)
        + (sum(map(int, socket_errors.groups())) if socket_errors else 0),
    }


def check_signed_in(port: int, path: str, cookie: str) -> None:
    """The cookie must give a signed-in page (a log-out form), or the 'signed in' column would lie."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"Cookie": cookie, "Host": "localhost", "Accept-Language": "en"}
    )
    with urllib.request.urlopen(request) as response:
        body = response.read().decode()
    if "/accounts/logout/" not in body:
        sys.exit("the benchmark's session cookie does not sign in")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fans", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=50_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--big-thread", type=int, default=5_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=1, help="interleaved rounds; the median is printed")
    parser.add_argument("--query", default="刷机")
    parser.add_argument("--only", default="", help="run only the pages whose name contains this")
    args = parser.parse_args()
    binary = ensure_wrk()

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
        if sql("SELECT COUNT(*) FROM accounts_user WHERE username = 'seed0'") == "0":
            started = time.monotonic()
            devtools.manage(
                "seed",
                f"--fans={args.fans}",
                f"--threads={args.threads}",
                f"--posts={args.posts}",
                f"--big-thread={args.big_thread}",
            )
            print(f"seed took {time.monotonic() - started:.0f}s", flush=True)
        big = sql(f"SELECT id FROM forum_thread ORDER BY abs(post_count - {args.big_thread}), id LIMIT 1")
        last_page = sql(f"SELECT (post_count + 19) / 20 FROM forum_thread WHERE id = {big}")
        # An ordinary thread: as many posts as the average one, on a board every fan sees.
        ordinary = sql(
            "SELECT t.id FROM forum_thread t JOIN forum_board b ON b.id = t.board_id WHERE b.kind <> 'beta' "
            f"ORDER BY abs(t.post_count - {args.posts // args.threads}), t.id LIMIT 1"
        )
        matches = (
            sql(f"SELECT COUNT(*) FROM forum_post WHERE search @@ to_tsquery('simple', '{args.query}')")
            if len(args.query) == 2
            else "?"
        )
        session = shell(
            "import sys\nsys.path.insert(0, 'bench')\nfrom forum_pages import sign_in\n"
            f"print(sign_in([{big}, {ordinary}]))"
        )
        cookie = f"sessionid={session}; csrftoken={CSRF_COOKIE}"
        q = urllib.parse.quote(args.query)
        pages = [
            ("forum index", "/forum/"),
            ("board page 1 (general)", "/forum/b/general/"),
            ("board page 50", "/forum/b/general/?page=50"),
            (f"5,000-post thread, first page (#{big})", f"/forum/t/{big}/"),
            (f"same, last page ({last_page})", f"/forum/t/{big}/?page={last_page}"),
            (f"ordinary thread (#{ordinary})", f"/forum/t/{ordinary}/"),
            (f"search {args.query} ({matches} matching posts)", f"/forum/search/?q={q}"),
        ]
        pages = [(name, path) for name, path in pages if args.only in name]
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
            check_signed_in(port, pages[0][1], cookie)
            for _name, path in pages:  # warm up every worker's connection and the caches, for both readers
                for reader_cookie in (None, cookie):
                    wrk(binary, port, path, 2, args.connections, reader_cookie)
            results: dict[tuple[str, str], list[dict]] = {}
            for _round in range(args.rounds):
                for name, path in pages:
                    for reader, reader_cookie in (("anonymous", None), ("signed in", cookie)):
                        result = wrk(binary, port, path, args.seconds, args.connections, reader_cookie)
                        results.setdefault((name, reader), []).append(result)
            print(
                f"\nwrk -t2 -c{args.connections} -d{args.seconds:.0f}s, {args.rounds} round(s) (median), gunicorn "
                f"{args.workers} sync workers, {os.cpu_count()} CPUs; {args.fans} fans, {args.threads} threads, "
                f"{args.posts} posts"
            )
            print("| page | anonymous req/s | p99 ms | signed in req/s | p99 ms | signed ÷ anonymous | errors |")
            print("|---|---:|---:|---:|---:|---:|---:|")
            for name, _path in pages:
                row = {}
                for reader in ("anonymous", "signed in"):
                    runs = results[name, reader]
                    row[reader] = {
                        "rps": statistics.median(r["rps"] for r in runs),
                        "p99": statistics.median(r["p99"] for r in runs),
                        "errors": sum(r["errors"] for r in runs),
                    }
                a, s = row["anonymous"], row["signed in"]
                print(
                    f"| {name} | {a['rps']:.0f} | {a['p99']:.0f} | {s['rps']:.0f} | {s['p99']:.0f} | "
                    f"{s['rps'] / a['rps']:.2f} | {a['errors'] + s['errors']} |",
                    flush=True,
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
