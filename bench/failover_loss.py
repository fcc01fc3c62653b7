#!/usr/bin/env python3
"""The data-loss window of a failover: acknowledged writes lost when the primary is killed under load.

    python3 bench/failover_loss.py [--seconds 5] [--writers 8] [--rounds 3]

For each mode (asynchronous streaming replication, then synchronous with synchronous_standby_names =
'ANY 1 (*)', as `scripts/replica.py sync on` sets), each round starts a fresh primary (fsync on, as in
production) and a streaming replica of it through a slot (scripts/devtools.EmbeddedReplica), runs
`writers` threads that each insert one row per transaction for `seconds` (a write is acknowledged when
its COMMIT returned), kills the primary's postmaster and every backend with SIGKILL while they write,
promotes the replica with `pg_ctl promote` and counts the acknowledged rows the new primary lacks.
Prints, per mode, the writes acknowledged per second, the acknowledged writes lost (worst round), and the
seconds from the kill until the promoted replica accepted a write.
"""

import argparse
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import devtools  # noqa: E402

devtools.ensure_venv()

import psycopg  # noqa: E402


def kill_server(postmaster: int) -> None:
    """SIGKILL the postmaster and all its children at once, as when its machine dies."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == postmaster:
                children.append(int(entry.name))
    for pid in [postmaster, *children]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def one_round(base: Path, seconds: float, writers: int, synchronous: bool) -> tuple[int, int, float]:
    primary = devtools.EmbeddedPostgres(base / "primary", devtools.free_port(), throwaway=False)
    primary.start()
    replica = devtools.EmbeddedReplica(
        base / "replica", devtools.free_port(), primary_port=primary.port, throwaway=False
    )
    replica.start()
    try:
        primary.sql("CREATE TABLE acked (writer int, n int, PRIMARY KEY (writer, n))", "fancity")
        if synchronous:
            primary.sql("ALTER SYSTEM SET synchronous_standby_names = 'ANY 1 (*)'")
            primary.sql("SELECT pg_reload_conf()")
        acknowledged: list[list[int]] = [[] for _ in range(writers)]
        stop = threading.Event()

        def write(writer: int) -> None:
            with psycopg.connect(f"{primary.url}?connect_timeout=2", autocommit=True) as db:
                n = 0
                while not stop.is_set():
                    try:
                        db.execute("INSERT INTO acked VALUES (%s, %s)", [writer, n])
                    except psycopg.Error:
                        return
                    acknowledged[writer].append(n)
                    n += 1

        threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
        for thread in threads:
            thread.start()
        time.sleep(seconds)  # the load runs this long; not a synchronisation
        pid = primary.pid()
        assert pid is not None
        killed = time.monotonic()
        kill_server(pid)
        stop.set()
        for thread in threads:
            thread.join()
        replica.promote()
        with psycopg.connect(replica.url, autocommit=True) as db:
            db.execute("INSERT INTO acked VALUES (-1, 0)")
            writable = time.monotonic() - killed
            present = set(db.execute("SELECT writer, n FROM acked").fetchall())
        total = sum(len(rows) for rows in acknowledged)
        lost = sum(1 for w, rows in enumerate(acknowledged) for n in rows if (w, n) not in present)
        return total, lost, writable
    finally:
        replica.halt("immediate")
        primary.halt("immediate")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(
        f"{args.writers} writers, {args.seconds:.0f} s of load per round, {args.rounds} rounds, {os.cpu_count()} CPUs"
    )
    print(
        "| replication | writes acknowledged/s | acknowledged writes lost (worst round) "
        "| kill → writes on the promoted replica, s |"
    )
    print("|---|---:|---:|---:|")
    for synchronous in (False, True):
        totals, losses, writable = [], [], []
        for _ in range(args.rounds):
            base = Path(tempfile.mkdtemp(prefix="fancity-failover-"))
            try:
                total, lost, seconds = one_round(base, args.seconds, args.writers, synchronous)
            finally:
                shutil.rmtree(base, ignore_errors=True)
            totals.append(total)
            losses.append(lost)
            writable.append(seconds)
        mode = "synchronous (ANY 1)" if synchronous else "asynchronous"
        print(
            f"| {mode} | {sum(totals) / (args.seconds * args.rounds):.0f} | {max(losses)} of {max(totals)} "
            f"(rounds: {', '.join(map(str, losses))}) | {max(writable):.1f} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
