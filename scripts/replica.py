#!/usr/bin/env python3
"""Run a streaming replica of Fancity's PostgreSQL with the embedded binaries, and promote it.

    python3 scripts/replica.py start   --primary-port 54329 [--port 54330] [--datadir .data/replica]
    python3 scripts/replica.py status  [--port 54330]
    python3 scripts/replica.py promote [--datadir .data/replica]
    python3 scripts/replica.py sync    --primary-port 54329 on|off

`start` takes a base backup through a replication slot (the first time) and starts a hot standby in the
background; point the site at it with DATABASE_REPLICA_URLS=postgres://postgres@127.0.0.1:54330/fancity.
`promote` is the one-command manual failover (`pg_ctl promote`): with DATABASE_URL naming both hosts and
target_session_attrs=read-write, the running site writes to the promoted replica without a restart.
`sync on` makes the primary wait for a replica to have every commit before acknowledging it
(synchronous_standby_names = 'ANY 1 (*)'): no acknowledged write is lost when the primary dies, and
writes wait while no replica answers. README, "Scaling out: database".
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import devtools  # noqa: E402

devtools.ensure_venv()

DEFAULT_DATADIR = devtools.ROOT / ".data" / "replica"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["start", "status", "promote", "sync"])
    parser.add_argument("state", nargs="?", choices=["on", "off"], help="for sync")
    parser.add_argument("--primary-port", type=int, default=54329)
    parser.add_argument("--port", type=int, default=54330)
    parser.add_argument("--datadir", type=Path, default=DEFAULT_DATADIR)
    parser.add_argument("--slot", default="replica")
    args = parser.parse_args()
    if args.command in ("promote",) and not (args.datadir / "PG_VERSION").exists():
        parser.error(f"no replica in {args.datadir}")
    if args.command in ("start", "promote"):
        replica = devtools.EmbeddedReplica(
            args.datadir.resolve(), args.port, primary_port=args.primary_port, slot=args.slot, throwaway=False
        )
    if args.command == "start":
        replica.start()
        print(f"replica of 127.0.0.1:{args.primary_port} on 127.0.0.1:{args.port} (data in {args.datadir})")
    elif args.command == "status":
        print(
            devtools.psql(
                args.port,
                "SELECT CASE WHEN pg_is_in_recovery() THEN 'replica, replayed ' || pg_last_wal_replay_lsn() || ', "
                "last transaction replayed ' || coalesce(round(extract(epoch FROM clock_timestamp() - "
                "pg_last_xact_replay_timestamp()))::text || ' s ago', 'never') ELSE 'primary' END",
            )
        )
    elif args.command == "promote":
        replica.promote()
        print(f"promoted: 127.0.0.1:{args.port} accepts writes")
    else:
        if args.state is None:
            parser.error("sync needs on or off")
        names = "'ANY 1 (*)'" if args.state == "on" else "''"
        devtools.psql(args.primary_port, f"ALTER SYSTEM SET synchronous_standby_names = {names}")
        devtools.psql(args.primary_port, "SELECT pg_reload_conf()")
        print(f"synchronous replication {args.state} on 127.0.0.1:{args.primary_port}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
