#!/usr/bin/env python3
"""Drill: kill -9 the primary under load and promote the replica; what fans saw, and what was lost.

    python3 bench/failover_drill.py [--sync] [--promote-after 5] [--workers 2]

Starts, in a temporary directory, a primary (fsync on), Redis, migrates, creates a thread and two writers
(superusers: no posting interval), then a streaming replica through a slot, and gunicorn with
DATABASE_URL naming both hosts (target_session_attrs=read-write) and DATABASE_REPLICA_URLS the replica.
Four readers GET the thread page as anonymous readers; the two writers POST replies with unique bodies (a
302 is an acknowledged write). After 3 s the primary's postmaster and every backend get SIGKILL; after
`promote-after` more seconds, `pg_ctl promote` runs on the replica (the one-command manual failover);
the load goes on until writes have worked again for 3 s. `--sync` turns synchronous replication on first
(`scripts/replica.py sync on`). Prints the seconds in read-only mode, the seconds from the kill until writes
work again, the answers by HTTP status (500s must be 0), and the acknowledged replies the new primary lacks.
"""

import argparse
import collections
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import devtools  # noqa: E402

devtools.ensure_venv()

import psycopg  # noqa: E402
from failover_loss import kill_server  # noqa: E402

CSRF = "drilldrilldrilldrilldrilldrill12"
SETUP = """
from django.test import Client
from accounts.models import User
from forum.models import Board
from forum.writing import posting
writers = [User.objects.create_superuser(f"drill{n}", f"drill{n}@example.com", "pw-drill-12345") for n in range(2)]
thread = posting.start_thread(writers[0], Board.objects.get(slug="general"), "Drill", "The drill's thread")
sessions = []
for writer in writers:
    client = Client()
    client.force_login(writer)
    sessions.append(client.cookies["sessionid"].value)
print(thread.pk, *sessions)
"""


class Load:
    def __init__(self, port: int, thread: int, sessions: list[str]):
        self.port, self.thread, self.sessions = port, thread, sessions
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.events: list[tuple[float, str, int]] = []  # (time, "read" or "write", status)
        self.acknowledged: list[str] = []

    def request(self, method: str, path: str, body: str = "", cookie: str = "") -> int:
        """The answer's status; a write's redirect counts (as 302) only if it leads back to the thread."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": f"csrftoken={CSRF}; {cookie}"}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body.encode() or None, headers=headers)
            response = conn.getresponse()
            if response.status == 302 and "/forum/" not in (response.getheader("Location") or ""):
                return -302  # elsewhere (the sign-in page): not a reply
            return response.status
        except OSError:
            return 0
        finally:
            conn.close()

    def reader(self) -> None:
        while not self.stopping.is_set():
            status = self.request("GET", f"/forum/t/{self.thread}/")
            with self.lock:
                self.events.append((time.monotonic(), "read", status))

    def writer(self, number: int) -> None:
        n = 0
        while not self.stopping.is_set():
            text = f"drill-{number}-{n}"
            n += 1
            body = urllib.parse.urlencode({"body": text, "csrfmiddlewaretoken": CSRF})
            status = self.request("POST", f"/forum/t/{self.thread}/reply/", body, f"sessionid={self.sessions[number]}")
            with self.lock:
                self.events.append((time.monotonic(), "write", status))
                if status == 302:
                    self.acknowledged.append(text)

    def since(self, moment: float, kind: str, status: int) -> list[float]:
        with self.lock:
            return [t for t, k, s in self.events if t >= moment and k == kind and s == status]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sync", action="store_true")
    parser.add_argument("--promote-after", type=float, default=5)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="fancity-drill-"))
    primary = devtools.EmbeddedPostgres(base / "primary", devtools.free_port(), throwaway=False)
    redis = devtools.EmbeddedRedis(base / "redis", devtools.free_port(), throwaway=True)
    replica = None
    server = None
    try:
        primary.start()
        redis.start()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "fancity.settings",
            "DEBUG": "0",
            "SECRET_KEY": "drill-only-" + os.urandom(8).hex(),
            "SECURE_SSL_REDIRECT": "0",
            "ALLOWED_HOSTS": "localhost,127.0.0.1,testserver",
            "LOG_LEVEL": "ERROR",
            "DATABASE_URL": primary.url,
            "REDIS_URL": redis.url,
            "FANCITY_DATA_DIR": str(base / "data"),
        }
        manage = [sys.executable, str(devtools.ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], check=True, env=env, cwd=devtools.ROOT)
        subprocess.run([*manage, "collectstatic", "--no-input", "-v", "0"], check=True, env=env, cwd=devtools.ROOT)
        out = subprocess.run(
            [*manage, "shell", "-c", SETUP], check=True, env=env, cwd=devtools.ROOT, capture_output=True, text=True
        )
        thread, *sessions = out.stdout.strip().splitlines()[-1].split()  # after the shell's own lines
        replica = devtools.EmbeddedReplica(
            base / "replica", devtools.free_port(), primary_port=primary.port, throwaway=False
        )
        replica.start()
        if args.sync:
            primary.sql("ALTER SYSTEM SET synchronous_standby_names = 'ANY 1 (*)'")
            primary.sql("SELECT pg_reload_conf()")
        port = devtools.free_port()
        env.update(
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{primary.port},127.0.0.1:{replica.port}/fancity"
            "?target_session_attrs=read-write&connect_timeout=2",
            DATABASE_REPLICA_URLS=replica.url,
        )
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "fancity.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(args.workers)]
            + ["--access-logfile", "/dev/null", "--log-level", "warning"],
            cwd=devtools.ROOT,
            env=env,
        )
        devtools.wait_for_port(port)
        load = Load(port, int(thread), sessions)
        # The server on the port must be this one, serving the thread and taking the writers' replies.
        status = load.request("GET", f"/forum/t/{thread}/")
        write = load.request(
            "POST",
            f"/forum/t/{thread}/reply/",
            urllib.parse.urlencode({"body": "drill-check", "csrfmiddlewaretoken": CSRF}),
            f"sessionid={sessions[0]}",
        )
        if (status, write) != (200, 302):
            sys.exit(f"the site answers {status} to the thread and {write} to a reply (setup: {out.stdout!r})")
        threads = [threading.Thread(target=load.reader) for _ in range(4)]
        threads += [threading.Thread(target=load.writer, args=(n,)) for n in range(2)]
        for t in threads:
            t.start()
        time.sleep(3)  # load before the kill
        pid = primary.pid()
        assert pid is not None
        killed = time.monotonic()
        kill_server(pid)
        time.sleep(args.promote_after)  # the operator's reaction time
        promoted = time.monotonic()
        replica.promote()
        deadline = time.monotonic() + 120
        while not load.since(promoted, "write", 302) or time.monotonic() - load.since(promoted, "write", 302)[0] < 3:
            assert time.monotonic() < deadline, "writes did not come back within 120 s of the promotion"
            time.sleep(0.1)
        load.stopping.set()
        for t in threads:
            t.join()
        with psycopg.connect(replica.url, autocommit=True) as db:
            present = {body for (body,) in db.execute("SELECT body FROM forum_post WHERE body LIKE 'drill-%%'")}
        lost = [text for text in load.acknowledged if text not in present]
        read_only = load.since(killed, "write", 503)
        # Writes work again at the first reply acknowledged after the first read-only answer.
        written = load.since(read_only[0] if read_only else killed, "write", 302)
        statuses = collections.Counter((kind, status) for _t, kind, status in load.events)
        deadlocks = sum(1 for _t, kind, status in load.events if kind == "write" and status == 503 and _t < killed)
        mode = "synchronous (ANY 1)" if args.sync else "asynchronous"
        print(f"\nreplication: {mode}; promoted {args.promote_after:.0f} s after the kill")
        in_read_only = (read_only[-1] - read_only[0]) if read_only else 0.0
        print(f"seconds in read-only mode (first to last read-only answer): {in_read_only:.1f}")
        back, after = written[0] - killed, written[0] - promoted
        print(f"seconds from the kill until writes worked again: {back:.1f} ({after:.1f} after the promotion)")
        answers = ", ".join(f"{kind} {status}: {count}" for (kind, status), count in sorted(statuses.items()))
        print(f"answers: {answers}")
        print(f"HTTP 500s: {statuses[('read', 500)] + statuses[('write', 500)]}; 503s before the kill: {deadlocks}")
        print(f"acknowledged writes lost: {len(lost)} of {len(load.acknowledged)}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=60)
        for db in (replica, primary):
            if db is not None:
                db.halt("immediate")
        redis.stop()
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
