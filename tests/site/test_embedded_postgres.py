"""The embedded PostgreSQL that run.py and test.py start stops however loaded the machine is."""

import os
import signal
import threading
from pathlib import Path

from scripts import devtools
from tests.helpers import wait_until

SIGINT_BIT = 1 << (signal.SIGINT - 1)


def _pending(pid: int) -> int:
    """The signals sent to `pid` that it has not handled yet (/proc/<pid>/status, ShdPnd)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("ShdPnd:"):
            return int(line.split()[1], 16)
    return 0


def test_a_stop_waits_for_the_server_past_pg_ctls_own_limit(server_dir, monkeypatch):
    """A machine so loaded that the postmaster gets no CPU, frozen here with SIGSTOP: pg_ctl's own wait
    (PGCTLTIMEOUT, made 1 s here) would give up and fail; `stop` waits on the postmaster instead and
    returns once it has exited. The join's timeout below only shows that it is still waiting, without
    an error, well after pg_ctl would have given up; nothing is synchronised on it."""
    monkeypatch.setenv("PGCTLTIMEOUT", "1")
    server = devtools.EmbeddedPostgres(server_dir / "postgres", devtools.free_port(), throwaway=True)
    server.start()
    pid = server.pid()
    outcome = []

    def stop():
        try:
            server.stop()
            outcome.append("stopped")
        except Exception as error:  # noqa: BLE001 - handed to the test
            outcome.append(error)

    os.kill(pid, signal.SIGSTOP)
    stopping = threading.Thread(target=stop)
    try:
        stopping.start()
        wait_until(lambda: _pending(pid) & SIGINT_BIT, 60, "the fast-shutdown signal to reach the postmaster")
        stopping.join(timeout=3)
        assert stopping.is_alive() and outcome == []  # still waiting, past PGCTLTIMEOUT, and no error
    finally:
        os.kill(pid, signal.SIGCONT)
    stopping.join(timeout=900)

    assert outcome == ["stopped"]
    assert not devtools._process_alive(pid) and not (server_dir / "postgres").exists()
