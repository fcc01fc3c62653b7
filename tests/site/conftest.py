import tempfile
from pathlib import Path

import pytest

from tests.dbcluster import db_cluster  # noqa: F401 - a primary and a replica per module


@pytest.fixture
def server_dir():
    """A directory for a PostgreSQL of the test's own, outside pytest's tmp_path.

    PostgreSQL runs as its own user when the tests run as root (scripts/devtools.py), and must be able
    to reach its data directory through every parent. pytest resets /tmp/pytest-of-<user> to mode 700
    whenever a pytest run starts anywhere on the machine, so a data directory under tmp_path became
    unreachable half-way through a test ("Permission denied" on pg_control) when another run started.
    """
    with tempfile.TemporaryDirectory(prefix="fancity-test-server-") as path:
        yield Path(path)
