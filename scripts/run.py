#!/usr/bin/env python3
"""Run the whole site on this machine: web, PostgreSQL, Redis, Celery worker and beat, demo data.

    python3 scripts/run.py

Data stays in .data/ (FANCITY_DATA_DIR) between runs; the embedded servers listen on 54329 and 63799
(FANCITY_PG_PORT, FANCITY_REDIS_PORT), the site on 8000 (FANCITY_PORT; SITE_URL, the address in mail
and calendar links, follows it unless set), the service desk's inbound SMTP listener on 2525
(FANCITY_SMTP_PORT). With DATABASE_URL / REDIS_URL set, those servers are used
and no embedded one is started.

Everything started here is supervised: an embedded server or a process that dies is started again
within a few seconds. "Fancity is up" is printed once /healthz answers 200. Ctrl-C (or SIGTERM) stops
everything this started.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import devtools  # noqa: E402

devtools.ensure_venv()

WEB_PORT = os.environ.get("FANCITY_PORT", "8000")
PG_PORT = int(os.environ.get("FANCITY_PG_PORT", "54329"))
REDIS_PORT = int(os.environ.get("FANCITY_REDIS_PORT", "63799"))
SMTP_PORT = os.environ.get("FANCITY_SMTP_PORT", "2525")  # the desk's inbound mail (fans' replies)
DATA_DIR = Path(os.environ.get("FANCITY_DATA_DIR", devtools.ROOT / ".data"))
# How long the site may take to answer /healthz with 200 (the Celery worker is the slowest to start).
ORDER_PORT = os.environ.get("FANCITY_ORDER_PORT", "8025")
UP_TIMEOUT = float(os.environ.get("FANCITY_UP_TIMEOUT", "120"))
# A process that exits this often within RESTART_WINDOW seconds is broken, not unlucky: stop everything.
MAX_RESTARTS = 5
RESTART_WINDOW = 60.0


def _stop(signum, frame):
    raise KeyboardInterrupt


class Process:
    """One of the site's processes, in its own process group so that stopping it stops its children
    too (runserver's reloader child, the worker's pool), and so that a Ctrl-C reaches only run.py.
    """

    def __init__(self, name: str, command: list[str]):
        self.name, self.command = name, command
        self.popen: subprocess.Popen | None = None
        self.restarts: list[float] = []

    def start(self) -> None:
        self.popen = subprocess.Popen(self.command, cwd=devtools.ROOT, start_new_session=True)

    def exited(self) -> bool:
        return self.popen.poll() is not None

    def restart(self) -> bool:
        """Start it again, unless it keeps dying; False when it gave up."""
        now = time.monotonic()
        self.restarts = [t for t in self.restarts if now - t < RESTART_WINDOW] + [now]
        if len(self.restarts) > MAX_RESTARTS:
            return False
        self.start()
        return True

    def terminate(self) -> None:
        if not self.exited():
            self.popen.send_signal(signal.SIGTERM)

    def wait_and_clean_up(self, timeout: float) -> None:
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.popen.pid, sig)  # whatever the leader left behind
            except ProcessLookupError:
                return
            time.sleep(0.5)
        self.popen.wait(timeout=5)


def wait_until_healthy(processes: list[Process]) -> bool:
    """Poll /healthz until it answers 200; say what it waits for, and what failed if it never does."""
    url = f"http://127.0.0.1:{WEB_PORT}/healthz"
    deadline = time.monotonic() + UP_TIMEOUT
    last = "nothing answered yet"
    while time.monotonic() < deadline:
        dead = [p.name for p in processes if p.exited()]
        if dead:
            print(
                f"\nFancity did not come up: {', '.join(dead)} exited while starting. See the log above.\n", flush=True
            )
            return False
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return True
        except urllib.error.HTTPError as error:
            try:
                last = f"/healthz says {error.code}: {json.loads(error.read())}"
            except ValueError:
                last = f"/healthz says {error.code}"
        except OSError as error:
            last = f"{url} did not answer ({error})"
        time.sleep(0.5)
    print(f"\nFancity did not come up within {UP_TIMEOUT:.0f} s: {last}. See the log above.\n", flush=True)
    return False


def main() -> int:
    signal.signal(signal.SIGTERM, _stop)
    os.environ.update(devtools.site_environment(dict(os.environ), WEB_PORT))  # SITE_URL from FANCITY_PORT
    os.environ.setdefault("FANCITY_DATA_DIR", str(DATA_DIR))
    # The demo's order system answers the WeChat channel's order-status hook (servicedesk/README.md).
    os.environ.setdefault("WECHAT_ORDER_HOOK_URL", f"http://127.0.0.1:{ORDER_PORT}/orders")
    python = sys.executable
    processes = [
        Process("orders", [python, "scripts/order_service.py", ORDER_PORT]),
        Process("web", [python, "manage.py", "runserver", f"127.0.0.1:{WEB_PORT}"]),
        # Fans' replies to the desk's mails (servicedesk/mail_replies.py).
        Process("desk mail", [python, "manage.py", "desk_smtp", "--port", SMTP_PORT]),
        Process(
            "worker", [python, "-m", "celery", "-A", "fancity", "worker", "--loglevel", "INFO", "--concurrency", "2"]
        ),
        Process(
            "beat",
            [
                python,
                "-m",
                "celery",
                "-A",
                "fancity",
                "beat",
                "--loglevel",
                "INFO",
                "--scheduler",
                "django_celery_beat.schedulers:DatabaseScheduler",
            ],
        ),
        Process("allocator", [python, "manage.py", "allocate_places"]),  # large events' places (meetups/allocation.py)
    ]
    started: list[Process] = []
    with devtools.services(DATA_DIR, throwaway=False, pg_port=PG_PORT, redis_port=REDIS_PORT, supervise=True):
        try:
            devtools.manage("migrate", "--no-input")
            devtools.manage("demo_data")
            for process in processes:
                process.start()
                started.append(process)
            if not wait_until_healthy(processes):
                return 1
            print(f"\nFancity is up at http://127.0.0.1:{WEB_PORT}/  (Ctrl-C stops everything)\n", flush=True)
            while True:
                time.sleep(1)
                for process in processes:
                    if process.exited():
                        print(f"{process.name} exited ({process.popen.returncode}); restarting it ...", flush=True)
                        if not process.restart():
                            print(f"{process.name} keeps exiting; stopping everything.", flush=True)
                            return 1
        except KeyboardInterrupt:
            return 0
        finally:
            for process in started:
                process.terminate()
            for process in started:
                process.wait_and_clean_up(timeout=20)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # during the start of the embedded servers, which stop what they started
        sys.exit(130)
