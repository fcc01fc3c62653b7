#!/usr/bin/env python3
"""Run the whole site on this machine: web, PostgreSQL, Redis, Celery worker and beat, demo data.

    python3 scripts/run.py

Data stays in .data/ between runs. With DATABASE_URL / REDIS_URL set, those servers are used and
no embedded one is started. Ctrl-C stops everything this started.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import devtools  # noqa: E402

devtools.ensure_venv()

WEB_PORT = os.environ.get("FANCITY_PORT", "8000")


def _stop(signum, frame):
    raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGTERM, _stop)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fancity.settings")
    os.environ.setdefault("DEBUG", "1")
    with devtools.services(devtools.ROOT / ".data", throwaway=False, pg_port=54329, redis_port=63799):
        devtools.manage("migrate", "--no-input")
        devtools.manage("demo_data")
        python = sys.executable
        commands = [
            [python, "manage.py", "runserver", f"127.0.0.1:{WEB_PORT}"],
            [python, "-m", "celery", "-A", "fancity", "worker", "--loglevel", "INFO", "--concurrency", "2"],
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
        ]
        processes = [subprocess.Popen(c, cwd=devtools.ROOT) for c in commands]
        print(f"\nFancity is up at http://127.0.0.1:{WEB_PORT}/  (Ctrl-C stops everything)\n", flush=True)
        try:
            while all(p.poll() is None for p in processes):
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        finally:
            for p in processes:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for p in processes:
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()


if __name__ == "__main__":
    main()
