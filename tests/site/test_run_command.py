"""scripts/run.py, started for real: it says "up" only once /healthz answers 200, it restarts its
embedded PostgreSQL and Redis when they are killed, and SIGTERM stops everything it started.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from scripts import devtools
from tests.helpers import wait_until

ROOT = Path(__file__).resolve().parents[2]
# A cold start migrates a new database and loads the demo data: minutes on a busy two-core machine.
START_TIMEOUT = 300
RECOVERY_TIMEOUT = 15


def _healthz(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every process on the machine, from /proc."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z":
            table[int(entry.name)] = (int(fields[1]), cmdline)
    return table


def _started_by(root: int, datadir: Path) -> set[int]:
    """run.py's descendants, and the PostgreSQL processes on its data dir (pg_ctl detaches them)."""
    table = _processes()
    found = {pid for pid, (_, cmd) in table.items() if str(datadir) in cmd}
    found |= {pid for pid, (parent, _) in table.items() if parent in found}
    frontier = {root}
    while frontier:
        children = {pid for pid, (parent, _) in table.items() if parent in frontier} - found
        found |= children
        frontier = children
    return found


def _alive(pids: set[int]) -> set[int]:
    return pids & set(_processes())


@pytest.mark.slow
def test_run_prints_up_after_healthz_restarts_killed_servers_and_stops_everything(tmp_path, server_dir):
    datadir = server_dir / "data"
    web, pg, redis = devtools.free_port(), devtools.free_port(), devtools.free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CACHE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env |= {
        "FANCITY_DATA_DIR": str(datadir),
        "FANCITY_PORT": str(web),
        "FANCITY_PG_PORT": str(pg),
        "FANCITY_REDIS_PORT": str(redis),
        "FANCITY_SMTP_PORT": str(devtools.free_port()),
        "FANCITY_UP_TIMEOUT": str(START_TIMEOUT),
    }
    log = tmp_path / "run.log"
    with log.open("w") as out:
        run = subprocess.Popen(
            [sys.executable, "scripts/run.py"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    started: set[int] = set()
    try:
        wait_until(lambda: "Fancity is up" in log.read_text() or run.poll() is not None, START_TIMEOUT, "run.py")
        assert "Fancity is up" in log.read_text(), log.read_text()[-3000:]
        assert _healthz(web) == 200  # "up" means /healthz answers 200

        started = _started_by(run.pid, datadir)
        postmaster = int((datadir / "postgres" / "postmaster.pid").read_text().split()[0])
        redis_server = int((datadir / "redis" / "redis.pid").read_text())
        killed_at = time.monotonic()
        os.kill(postmaster, signal.SIGKILL)
        os.kill(redis_server, signal.SIGKILL)
        wait_until(lambda: _healthz(web) == 200, RECOVERY_TIMEOUT, "/healthz to answer 200 again")
        recovered = time.monotonic() - killed_at
        print(f"PostgreSQL and Redis killed with SIGKILL: /healthz 200 again after {recovered:.1f} s")

        text = log.read_text()
        assert "postgres on 127.0.0.1" in text and "redis on 127.0.0.1" in text and "restarting" in text
        assert int((datadir / "postgres" / "postmaster.pid").read_text().split()[0]) != postmaster
        started |= _started_by(run.pid, datadir)

        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=90) == 0
        assert not _alive(started), [_processes().get(pid) for pid in _alive(started)]
        for port in (web, pg, redis):
            with pytest.raises(RuntimeError, match="nothing answered"):
                devtools.wait_for_port(port, timeout=0.5)
    finally:
        if run.poll() is None:
            run.kill()
        for pid in _alive(started | _started_by(run.pid, datadir)):
            os.kill(pid, signal.SIGKILL)


def test_run_gives_the_site_a_site_url_on_its_own_port_unless_one_is_set():
    """An instance on another port sends mail and .ics links to that port, not to 8000."""
    base = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env = devtools.site_environment(base, 8123)
    show = "from accounts.tasks import unsubscribe_url; print(unsubscribe_url(1, 'reply'))"

    link = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", show],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert link.startswith("http://127.0.0.1:8123/unsubscribe/"), link
    assert env["DEBUG"] == "1"
    chosen = devtools.site_environment({**base, "SITE_URL": "https://fans.example"}, 8123)
    assert chosen["SITE_URL"] == "https://fans.example"
    assert devtools.site_environment({**base, "SITE_URL": ""}, 8123)["SITE_URL"] == "http://127.0.0.1:8123"
