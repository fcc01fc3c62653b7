#!/usr/bin/env python3
"""Connections per web node and throughput for each way of holding database connections.

    python3 bench/db_pool.py [--posts 50000 --threads 2500 --fans 5000] [--workers 4] [--seconds 10]

Seeds a database once (kept in .data/bench-pool-<posts>/), starts a streaming replica of it, and for each
way serves the site with gunicorn (`workers` sync workers, DEBUG off) and runs wrk on an ordinary thread
page, as an anonymous reader and as a signed-in fan, sampling PostgreSQL's client connections to the
fancity database (pg_stat_activity) on the primary and on the replica every 0.1 s. The ways:

- persistent: each process keeps its connection (settings: CONN_MAX_AGE=60 with health checks);
- persistent + replica: the same with DATABASE_REPLICA_URLS (fancity.lib.dbrouting);
- Django's psycopg pool (DATABASE_POOL_SIZE=2 per process; installs psycopg-pool into .venv if missing);
- a connection per request (DATABASE_CONN_MAX_AGE=0), what PgBouncer in session mode would hand out.
"""

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import devtools  # noqa: E402

devtools.ensure_venv()

import psycopg  # noqa: E402
from forum_pages import CSRF_COOKIE, ensure_wrk, shell, sql, wrk  # noqa: E402

PSYCOPG_POOL = "psycopg-pool==3.3.3"


def ensure_psycopg_pool() -> None:
    if importlib.util.find_spec("psycopg_pool") is None:
        print(f"Installing {PSYCOPG_POOL} into .venv (Django's pool needs it) ...", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", PSYCOPG_POOL], check=True)


class Sampler(threading.Thread):
    """The most client connections to the fancity database seen on each server while it runs."""

    def __init__(self, urls: dict[str, str]):
        super().__init__(daemon=True)
        self.urls, self.most = urls, dict.fromkeys(urls, 0)
        self.stopping = threading.Event()

    def run(self) -> None:
        dbs = {name: psycopg.connect(url, autocommit=True) for name, url in self.urls.items()}
        try:
            while not self.stopping.wait(0.1):
                for name, db in dbs.items():
                    row = db.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = 'fancity' "
                        "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                    ).fetchone()
                    self.most[name] = max(self.most[name], row[0] if row else 0)
        finally:
            for db in dbs.values():
                db.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fans", type=int, default=5_000)
    parser.add_argument("--threads", type=int, default=2_500)
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    binary = ensure_wrk()
    ensure_psycopg_pool()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="fancity.settings",
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="localhost,127.0.0.1",
        LOG_LEVEL="WARNING",
    )
    os.environ.setdefault("SECRET_KEY", "bench-only-" + os.urandom(8).hex())
    datadir = devtools.ROOT / ".data" / f"bench-pool-{args.posts}"
    with devtools.services(datadir, throwaway=False, pg_port=devtools.free_port(), redis_port=devtools.free_port()):
        devtools.manage("migrate", "--no-input", "-v", "0")
        devtools.manage("collectstatic", "--no-input", "-v", "0")
        if sql("SELECT COUNT(*) FROM accounts_user WHERE username = 'seed0'") == "0":
            devtools.manage("seed", f"--fans={args.fans}", f"--threads={args.threads}", f"--posts={args.posts}")
        ordinary = sql(
            "SELECT t.id FROM forum_thread t JOIN forum_board b ON b.id = t.board_id WHERE b.kind <> 'beta' "
            f"ORDER BY abs(t.post_count - {args.posts // args.threads}), t.id LIMIT 1"
        )
        session = shell(
            f"import sys\nsys.path.insert(0, 'bench')\nfrom forum_pages import sign_in\nprint(sign_in([{ordinary}]))"
        )
        cookie = f"sessionid={session}; csrftoken={CSRF_COOKIE}"
        primary_url = os.environ["DATABASE_URL"]
        primary_port = int(primary_url.rsplit(":", 1)[1].split("/")[0])
        base = Path(tempfile.mkdtemp(prefix="fancity-bench-replica-"))
        replica = devtools.EmbeddedReplica(
            base / "replica", devtools.free_port(), primary_port=primary_port, slot="bench", throwaway=True
        )
        replica.start()
        path = f"/forum/t/{ordinary}/"
        ways = [
            ("persistent (CONN_MAX_AGE=60)", {}),
            ("persistent + 1 replica", {"DATABASE_REPLICA_URLS": replica.url}),
            ("Django psycopg pool, 2 per process", {"DATABASE_POOL_SIZE": "2"}),
            ("a connection per request (CONN_MAX_AGE=0)", {"DATABASE_CONN_MAX_AGE": "0"}),
        ]
        rows = []
        try:
            for name, env in ways:
                port = devtools.free_port()
                server = subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "fancity.wsgi", "-b", f"127.0.0.1:{port}"]
                    + ["-w", str(args.workers), "--access-logfile", "/dev/null", "--log-level", "warning"],
                    cwd=devtools.ROOT,
                    env={**os.environ, **env},
                )
                try:
                    devtools.wait_for_port(port)
                    # Warm every worker: a cold worker's first pages take seconds (past wrk's 2 s timeout).
                    for reader_cookie in (None, cookie):
                        headers = ["-H", "Host: localhost"] + (
                            ["-H", f"Cookie: {reader_cookie}"] if reader_cookie else []
                        )
                        subprocess.run(
                            [binary, "-t2", f"-c{args.connections}", "-d15s", "--timeout", "60s", *headers]
                            + [f"http://127.0.0.1:{port}{path}"],
                            check=True,
                            capture_output=True,
                        )
                    sampler = Sampler({"primary": primary_url, "replica": replica.url})
                    sampler.start()
                    anonymous = wrk(binary, port, path, args.seconds, args.connections, None)
                    signed = wrk(binary, port, path, args.seconds, args.connections, cookie)
                    sampler.stopping.set()
                    sampler.join()
                    rows.append((name, anonymous, signed, sampler.most))
                finally:
                    server.terminate()
                    server.wait(timeout=60)
        finally:
            replica.stop()
            shutil.rmtree(base, ignore_errors=True)
        print(
            f"\nwrk -t2 -c{args.connections} -d{args.seconds:.0f}s on an ordinary thread page, gunicorn "
            f"{args.workers} sync workers, {os.cpu_count()} CPUs; {args.fans} fans, {args.threads} threads, "
            f"{args.posts} posts"
        )
        print("| connections | anonymous req/s | signed in req/s | most connections: primary | replica | errors |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, a, s, most in rows:
            print(
                f"| {name} | {a['rps']:.0f} | {s['rps']:.0f} | {most['primary']} | {most['replica']} | "
                f"{a['errors'] + s['errors']} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
