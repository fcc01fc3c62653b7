"""A primary and a real streaming replica for the tests of fancity.lib.dbrouting (README, "Scaling out").

`db_cluster` (one per test module: each starts two PostgreSQL servers) copies the suite's database server
with pg_basebackup into a primary of the module's own, which its tests may stop, and starts a streaming
replica of that copy through a replication slot (scripts/devtools.EmbeddedReplica). While the module runs,
Django's "default" is the libpq multi-host address of both with target_session_attrs=read-write (as
production sets DATABASE_URL), "replica1" is the replica, and the router is on; afterwards everything
points at the suite's server again.
"""

import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connections
from django.test import override_settings

from fancity.lib import dbrouting
from tests.helpers import wait_until

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import devtools  # noqa: E402

REPLICA = "replica1"
# Tests that read from the replica name both databases (pytest-django refuses the others).
DATABASES = ["default", REPLICA]


@dataclass
class Cluster:
    primary: devtools.EmbeddedReplica
    replica: devtools.EmbeddedReplica
    database: str

    def primary_lsn(self) -> str:
        return self.primary.sql("SELECT pg_current_wal_insert_lsn()", self.database)

    def replay_lsn(self) -> str:
        return self.replica.sql("SELECT pg_last_wal_replay_lsn()", self.database)

    def wait_for_replica(self) -> None:
        """Return once the replica has replayed everything the primary has written so far."""
        target = self.primary_lsn()
        wait_until(
            lambda: self.replica.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn", self.database) == "t",
            what="the replica to replay the primary's writes",
        )
        dbrouting.checker.forget()  # measure again: the replica is caught up now

    def pause_replay(self) -> None:
        self.replica.sql("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self.replica.sql("SELECT pg_wal_replay_resume()")


@pytest.fixture(scope="module")
def db_cluster(django_db_setup):
    default = connections["default"]
    settings_dict = default.settings_dict
    saved = {**settings_dict, "OPTIONS": dict(settings_dict["OPTIONS"])}
    suite_port = int(str(settings_dict["PORT"]).split(",")[0])
    # Not under pytest's tmp_path, which another pytest run may make unreachable (tests/site/conftest.py).
    base = Path(tempfile.mkdtemp(prefix="fancity-test-cluster-"))
    primary = devtools.EmbeddedReplica(
        base / "primary", devtools.free_port(), primary_port=suite_port, standby=False, throwaway=True
    )
    primary.start()
    replica = devtools.EmbeddedReplica(
        base / "replica", devtools.free_port(), primary_port=primary.port, slot="tests", throwaway=True
    )
    try:
        replica.start()
        connections.close_all()
        settings_dict.update(
            HOST="127.0.0.1,127.0.0.1",
            PORT=f"{primary.port},{replica.port}",
            OPTIONS={**saved["OPTIONS"], "target_session_attrs": "read-write"},
        )
        connections.settings[REPLICA] = {
            **saved,
            "HOST": "127.0.0.1",
            "PORT": replica.port,
            "TEST": {**saved["TEST"], "MIRROR": "default"},
        }
        with override_settings(DATABASE_REPLICAS=[REPLICA], DATABASE_ROUTERS=["fancity.lib.dbrouting.Router"]):
            dbrouting.checker.forget()
            yield Cluster(primary, replica, str(saved["NAME"]))
    finally:
        connections.close_all()
        if connections.settings.pop(REPLICA, None) is not None:
            try:
                del connections[REPLICA]  # this thread's wrapper: the next module's replica has another port
            except AttributeError:
                pass
        settings_dict.clear()
        settings_dict.update(saved)
        dbrouting.checker.forget()
        replica.stop()
        primary.stop()
        shutil.rmtree(base, ignore_errors=True)
