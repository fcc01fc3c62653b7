"""The launch-day rush driven from outside: real gunicorn, allocator and Celery processes, fans as HTTP clients.

Shared by bench/launch_rush.py (the big version, with kills) and tests/meetups/test_launch_faults.py
(a few hundred sign-ups per kill). The functions that touch the database (`sessions_for`, `check`)
need Django set up by the caller; the rest is the standard library.
"""

import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CSRF = "rushrushrushrushrushrushrushrush"  # an unmasked 32-character CSRF secret, sent as cookie and header
TICKET = re.compile(r'name="ticket" value="([^"]+)"')
RETRY = re.compile(r'data-retry="(\d+)"')


def site_env(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of the site's processes: this database, this Redis (broker db 0, cache db 1)."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = redis_url.rsplit("/", 1)[0]
    env |= {"DATABASE_URL": database_url, "REDIS_URL": f"{base}/0", "CACHE_URL": f"{base}/1", "LOG_LEVEL": "WARNING"}
    env |= extra
    return env


def start_web(env: dict[str, str], port: int, workers: int = 2, threads: int = 8) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "fancity.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers)]
    command += ["-k", "gthread", "--threads", str(threads), "--access-logfile", "/dev/null", "--log-level", "error"]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def start_allocator(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "manage.py", "allocate_places"], cwd=ROOT, env=env, start_new_session=True)


def start_worker(env: dict[str, str], name: str, concurrency: int = 2) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "fancity", "worker", "-c", str(concurrency), "-n", f"{name}@%h"]
    command += ["--loglevel", "ERROR", "--without-gossip", "--without-mingle"]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (gunicorn's workers), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def stop(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def sessions_for(fans) -> list[str]:
    """A signed-in session for each fan, as a login stores it (they opened the site earlier today)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    keys = []
    for fan in fans:
        store = SessionStore()
        store[SESSION_KEY] = str(fan.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = fan.get_session_auth_hash()
        store["active_on"] = today
        store.create()
        keys.append(store.session_key)
    return keys


@dataclass
class Rush:
    """Fans signing up over HTTP, `connections` at a time; each fan tries until answered, as a fan would:
    the waiting room's page is followed with its ticket after the seconds it says, a dropped connection
    or a 5xx (a web process killed) is pressed again after a moment."""

    port: int
    launch_id: int
    fans: list[tuple[int, str]]  # (fan id, session key)
    connections: int = 32
    honour_retry: bool = True
    acknowledged: dict[int, int] = field(default_factory=dict)  # fan id -> number in line
    acknowledged_at: dict[int, float] = field(default_factory=dict)  # fan id -> time.time()
    refused: set[int] = field(default_factory=set)
    waits: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0

    def __post_init__(self):
        self._lock = threading.Lock()
        self._queue = list(self.fans)
        self._threads: list[threading.Thread] = []

    @property
    def answered(self) -> int:
        return len(self.acknowledged) + len(self.refused)

    def _post(self, session: str, ticket: str) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            body = f"csrfmiddlewaretoken={CSRF}" + (f"&ticket={ticket}" if ticket else "")
            conn.request(
                "POST",
                f"/meetups/launches/{self.launch_id}/sign-up/",
                body=body,
                headers={
                    "Host": "localhost",
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": f"sessionid={session}; csrftoken={CSRF}",
                    "X-CSRFToken": CSRF,
                    "Accept-Language": "zh-hans",
                },
            )
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode()
        finally:
            conn.close()

    def _sign_up(self, fan_id: int, session: str) -> None:
        ticket = ""
        for _attempt in range(200):
            begin = time.perf_counter()
            try:
                status, headers, body = self._post(session, ticket)
            except OSError:
                with self._lock:
                    self.errors += 1
                time.sleep(0.2)
                continue
            took = time.perf_counter() - begin
            if status == 302 and "x-line-number" in headers:
                with self._lock:
                    self.acknowledged[fan_id] = int(headers["x-line-number"])
                    self.acknowledged_at[fan_id] = time.time()
                    self.latencies.append(took)
                return
            if status == 302:
                with self._lock:
                    self.refused.add(fan_id)
                    self.latencies.append(took)
                return
            if status == 200 and "x-waiting-room" in headers:
                found = TICKET.search(body)
                ticket = found.group(1) if found else ""
                wait = int(RETRY.search(body).group(1)) if RETRY.search(body) else 1
                with self._lock:
                    self.waits += 1
                time.sleep(wait if self.honour_retry else 0.05)
                continue
            with self._lock:
                self.errors += 1
            time.sleep(0.2)
        raise RuntimeError(f"fan {fan_id} got no answer after 200 attempts")

    def _work(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    return
                fan_id, session = self._queue.pop(0)
            self._sign_up(fan_id, session)

    def start(self) -> "Rush":
        self._began = time.monotonic()
        self._threads = [threading.Thread(target=self._work, daemon=True) for _ in range(self.connections)]
        for thread in self._threads:
            thread.start()
        return self

    def join(self, timeout: float = 600) -> "Rush":
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        if any(thread.is_alive() for thread in self._threads):
            raise TimeoutError("the rush did not finish")
        self.elapsed = time.monotonic() - self._began
        return self


def allocation_done(launch_id: int) -> bool:
    """Every sign-up of the launch is decided (first come) or the draw is published."""
    from meetups.allocation import last_number
    from meetups.launch_models import Launch, Signup

    launch = Launch.objects.get(pk=launch_id)
    if launch.mode == Launch.Mode.DRAW:
        return launch.draw_record is not None
    return (
        launch.decided_through >= last_number(launch)
        and not Signup.objects.filter(launch=launch, state=Signup.State.PENDING).exists()
    )


def check(launch_id: int, acknowledged: dict[int, int]) -> list[str]:
    """What is wrong after a rush (an empty list: exact). Needs the allocation to be done."""
    from django.db.models import Count

    from meetups.launch_models import Launch, Signup

    launch = Launch.objects.get(pk=launch_id)
    rows = dict(Signup.objects.filter(launch=launch).values_list("fan_id", "number"))
    problems = []
    lost = [fan for fan, number in acknowledged.items() if rows.get(fan) != number]
    if lost:
        problems.append(f"{len(lost)} acknowledged sign-ups lost or renumbered, e.g. {lost[:5]}")
    twice = Signup.objects.filter(launch=launch).values("fan_id").annotate(n=Count("id")).filter(n__gt=1).count()
    if twice:
        problems.append(f"{twice} fans signed up twice")
    won = sorted(Signup.objects.filter(launch=launch, state=Signup.State.WON).values_list("number", flat=True))
    expected = min(launch.capacity, len(rows))
    if len(won) != expected or launch.allocated != expected:
        problems.append(f"places given {len(won)} (launch says {launch.allocated}), expected {expected}")
    if Signup.objects.filter(launch=launch, state=Signup.State.PENDING).exists():
        problems.append("sign-ups still undecided")
    if launch.mode == Launch.Mode.FIRST_COME and won != sorted(rows.values())[: len(won)]:
        problems.append("places not given in arrival order")
    if launch.mode == Launch.Mode.DRAW and launch.draw_record:
        from meetups.draw import draw_order

        numbers = sorted(rows.values())
        if draw_order(launch.draw_seed, [(n, 1.0) for n in numbers])[: len(won)] != launch.draw_record["result"][
            : len(won)
        ] or set(won) != set(launch.draw_record["result"][: len(won)]):
            problems.append("the draw does not reproduce")
    return problems
