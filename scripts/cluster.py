#!/usr/bin/env python3
"""Rehearse the multi-machine shape on this one machine, every "machine" its own process on loopback.

    python3 scripts/cluster.py up       # start it all (data in .data/cluster, or FANCITY_CLUSTER_DIR)
    python3 scripts/cluster.py faults   # drills under load; prints one table
    python3 scripts/cluster.py measure  # CPU per page view and per post, replica lag (the capacity table)
    python3 scripts/cluster.py down     # stop it all

`up` starts: S3 (SeaweedFS; the uploads' buckets, versioned, and the backups' bucket), a PostgreSQL
primary archiving WAL into S3 with a base backup there, a streaming replica of it, Redis for the cache
and Redis for the broker (each a master and a replica) with three Sentinels, two gunicorn web nodes
behind haproxy (which checks /healthz?scope=node), a Celery worker and beat. It prints the address.

`faults` drives load through the balancer (page views by anonymous and signed-in fans, and replies
whose acknowledgement, a redirect to the thread, is recorded) while it kills a web node, kills -9 the
Redis masters, kills -9 the PostgreSQL primary, and deploys the web nodes one at a time; for each it
measures the seconds to recover, the requests that failed (HTTP 5xx or no answer) and the acknowledged
replies that are not in the database afterwards.

Installs haproxy with apt-get when it is missing (as root; otherwise it says how).
"""

import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import devtools  # noqa: E402

devtools.ensure_venv()

import backups  # noqa: E402
import machines  # noqa: E402

ROOT = devtools.ROOT
DIR = Path(os.environ.get("FANCITY_CLUSTER_DIR", ROOT / ".data" / "cluster"))
STATE = DIR / "state.json"
MEDIA, PRIVATE, BACKUPS = "fancity-media", "fancity-private", "fancity-backups"
LOAD_FANS = 40
READ_ONLY = 1503  # a write answered with the read-only page (fancity.lib.dbrouting)


class Cluster:
    """The topology, rebuilt from its state file by every command (ports, directories, process ids)."""

    def __init__(self, state: dict):
        self.state = state
        ports = state["ports"]
        DIR.mkdir(parents=True, exist_ok=True)
        DIR.chmod(0o755)  # PostgreSQL runs as its own user and must reach its data directory
        self.s3 = machines.SeaweedS3(DIR / "s3", ports["s3"])
        self.target = backups.S3Target(self.s3.endpoint, BACKUPS)
        self.redis = machines.RedisHA(DIR, ports=ports["redis"])
        self.web = [
            machines.WebNode(f"web{i + 1}", port, self.env(), log=DIR / f"web{i + 1}.log")
            for i, port in enumerate(ports["web"])
        ]
        self.haproxy = machines.Haproxy(DIR / "haproxy", ports["lb"], self.web)
        self.worker = machines.Process()
        self.beat = machines.Process()
        for name, process in self.processes().items():
            process.pid = state.get("pids", {}).get(name)

    @classmethod
    def new(cls) -> "Cluster":
        ports = machines.free_ports(8 + 2 + 7 + 2 + 1)
        state = {
            "secret": secrets.token_urlsafe(40),
            "ports": {"s3": ports[:8], "pg": ports[8:10], "redis": ports[10:17], "web": ports[17:19], "lb": ports[19]},
            "primary": "a",
        }
        return cls(state)

    @classmethod
    def load(cls) -> "Cluster":
        if not STATE.exists():
            sys.exit(f"No cluster is up ({STATE} is missing): run `python3 scripts/cluster.py up` first.")
        return cls(json.loads(STATE.read_text()))

    def save(self) -> None:
        self.state["pids"] = {name: process.pid for name, process in self.processes().items()}
        STATE.write_text(json.dumps(self.state, indent=1))

    def processes(self) -> dict[str, machines.Process]:
        found: dict[str, machines.Process] = {"s3": self.s3, "haproxy": self.haproxy}
        for role, nodes in self.redis.nodes.items():
            for i, node in enumerate(nodes):
                found[f"redis-{role}-{i}"] = node
        for i, sentinel in enumerate(self.redis.sentinels):
            found[f"sentinel-{i}"] = sentinel
        for node in self.web:
            found[node.name] = node
        found |= {"worker": self.worker, "beat": self.beat}
        return found

    def server(self, key: str) -> devtools.EmbeddedPostgres:
        """PostgreSQL `a` or `b`: the primary, or a streaming replica of it (copied from it the first time)."""
        ports = dict(zip("ab", self.state["ports"]["pg"], strict=True))
        if key == self.state["primary"]:
            return devtools.EmbeddedPostgres(DIR / f"pg-{key}", ports[key], throwaway=False)
        primary_port = ports[self.state["primary"]]
        return devtools.EmbeddedReplica(
            DIR / f"pg-{key}", ports[key], primary_port=primary_port, slot=f"cluster_{key}", throwaway=False
        )

    @property
    def primary(self) -> devtools.EmbeddedPostgres:
        return self.server(self.state["primary"])

    @property
    def standby_key(self) -> str:
        return "b" if self.state["primary"] == "a" else "a"

    def synchronous(self) -> None:
        """Synchronous replication (scripts/replica.py sync on): a commit is acknowledged once the replica
        has it, so no acknowledged write is lost with the primary. Set on the primary after its replica was
        copied, so that the replica, once promoted and alone, does not wait for a standby of its own."""
        devtools.psql(self.primary.port, "ALTER SYSTEM SET synchronous_standby_names = 'ANY 1 (*)'")
        devtools.psql(self.primary.port, "SELECT pg_reload_conf()")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.state['ports']['lb']}"

    def env(self) -> dict[str, str]:
        """What every site process (web, worker, beat) of the cluster runs with: production settings."""
        a, b = self.state["ports"]["pg"]
        return machines.environment(
            DJANGO_SETTINGS_MODULE="fancity.settings",
            DEBUG="0",
            SECRET_KEY=self.state["secret"],
            SECURE_SSL_REDIRECT="0",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SITE_URL=f"http://127.0.0.1:{self.state['ports']['lb']}",
            TRUSTED_PROXY_COUNT="1",
            FANCITY_DATA_DIR=str(DIR / "site"),
            # Both servers, the one that accepts writes chosen at connect time (libpq multi-host): after a
            # promotion, new connections reach the new primary without a restart.
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{a},127.0.0.1:{b}/fancity?target_session_attrs=read-write",
            # Both servers as replicas: the router skips whichever is the primary at the time (not in
            # recovery), so the list stays right after a promotion swapped the roles.
            DATABASE_REPLICA_URLS=f"postgres://postgres@127.0.0.1:{a}/fancity,postgres://postgres@127.0.0.1:{b}/fancity",
            REDIS_URL=f"redis://127.0.0.1:{self.redis.nodes['broker'][0].port}/0",
            REDIS_CACHE_URL=self.redis.url(0),
            CELERY_BROKER_URL=self.redis.url(0),
            AWS_STORAGE_BUCKET_NAME=MEDIA,
            AWS_PRIVATE_BUCKET_NAME=PRIVATE,
            AWS_S3_ENDPOINT_URL=self.s3.endpoint,
            AWS_S3_REGION_NAME="us-east-1",
            AWS_ACCESS_KEY_ID="fancity",
            AWS_SECRET_ACCESS_KEY="fancity",
        )

    def manage(self, *args: str, capture: bool = False) -> str:
        env = {**self.env(), "DATABASE_URL": self.primary.url}
        out = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=capture, text=True
        )
        return out.stdout if capture else ""

    def start_site_process(self, process: machines.Process, args: list[str], log: str) -> None:
        process.spawn(
            [sys.executable, "-m", "celery", "-A", "fancity", *args],
            cwd=ROOT,
            env=self.env(),
            stdout=(DIR / log).open("ab"),
            stderr=subprocess.STDOUT,
        )


def step(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


SEED = """
import datetime, json
from django.test import Client
from django.utils import timezone
from accounts.models import User
from forum.writing import posting
from forum.models import Board
board = Board.objects.get(slug="general")
old = timezone.now() - datetime.timedelta(days=30)
fans = [User.objects.create_user(f"load{i}", f"load{i}@cluster.example", "load-password-1", date_joined=old)
        for i in range(%(fans)d)]
threads = [posting.start_thread(fans[i], board, f"Cluster thread {i}", "Launch day!").pk for i in range(5)]
sessions = []
for fan in fans:
    client = Client()
    client.force_login(fan)
    sessions.append(client.cookies["sessionid"].value)
print(json.dumps({"threads": threads, "sessions": sessions}))
"""


def up() -> None:
    if STATE.exists():
        sys.exit(f"A cluster is up already ({STATE}); `python3 scripts/cluster.py down` first.")
    devtools.ensure_haproxy()
    cluster = Cluster.new()
    started = time.monotonic()
    step(f"S3 (SeaweedFS) on {cluster.s3.endpoint}")
    cluster.s3.start()
    cluster.s3.make_buckets(MEDIA, PRIVATE, BACKUPS, versioned=(MEDIA, PRIVATE))
    cluster.save()
    primary = cluster.primary
    step(f"PostgreSQL primary on {primary.port}, archiving WAL into s3://{BACKUPS}")
    primary.start()
    backups.enable_archiving(primary, cluster.target, archive_timeout=60)
    step("migrating, and fans and threads for the load")
    cluster.manage("migrate", "-v", "0")
    cluster.manage("collectstatic", "--no-input", "-v", "0")
    seed = json.loads(cluster.manage("shell", "-v", "0", "-c", SEED % {"fans": LOAD_FANS}, capture=True))
    cluster.state["load"] = seed
    step("base backup into S3")
    backups.base_backup(primary, cluster.target)
    step(f"streaming replica on {cluster.state['ports']['pg'][1]}")
    cluster.server("b").start()
    cluster.synchronous()
    step("Redis: cache and broker, each a master and a replica, three Sentinels")
    cluster.redis.start()
    cluster.save()
    step("Celery worker and beat")
    cluster.start_site_process(cluster.worker, ["worker", "-c", "2", "--loglevel", "WARNING"], "worker.log")
    cluster.start_site_process(
        cluster.beat,
        ["beat", "-S", "django_celery_beat.schedulers:DatabaseScheduler", "--loglevel", "WARNING"],
        "beat.log",
    )
    step(f"web nodes on {', '.join(str(n.port) for n in cluster.web)}")
    for node in cluster.web:
        node.start()
    cluster.save()
    machines.wait(lambda: all(node.answers() for node in cluster.web), 120, "the web nodes")
    step(f"haproxy on {cluster.haproxy.port}")
    cluster.haproxy.start()
    cluster.save()
    machines.wait(lambda: {cluster.haproxy.status(n.name) for n in cluster.web} == {"UP"}, 30, "both nodes UP")
    machines.wait(lambda: _status(cluster.url + "/healthz") == 200, 120, "/healthz 200 through the balancer")
    step(f"up in {time.monotonic() - started:.0f} s: {cluster.url}/ (data in {DIR})")


def down() -> None:
    if not STATE.exists():
        print("No cluster is up.")
        return
    cluster = Cluster.load()
    for name, process in reversed(cluster.processes().items()):
        if process.alive():
            step(f"stopping {name}")
            process.stop()
    for key in (cluster.standby_key, cluster.state["primary"]):
        if not (DIR / f"pg-{key}" / "PG_VERSION").exists():
            continue
        server = cluster.server(key)
        if server.alive():
            step(f"stopping PostgreSQL {key}")
            server.halt("fast")
    STATE.unlink()
    step(f"down (data left in {DIR}; delete it for a fresh start)")


# --- Load ----------------------------------------------------------------------------------------


def _status(url: str, data: bytes | None = None, headers: dict | None = None) -> int:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        if error.code in (301, 302, 303):
            return error.code
        return error.code
    except OSError:
        return 0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


class Load:
    """Threads of fans through the balancer: thread and board pages, and replies every 16 s per fan."""

    CSRF = "x" * 32  # our own cookie and form token (Django accepts an unmasked 32-character token)

    def __init__(self, cluster: Cluster, threads: int = 4, mode: str = "mixed"):
        self.mode = mode  # "mixed", "views" (no posts) or "posts" (only posts)
        self.url = cluster.url
        self.threads_ids = cluster.state["load"]["threads"]
        self.sessions = cluster.state["load"]["sessions"]
        self.next_post = [0.0] * len(self.sessions)
        self.lock = threading.Lock()
        self.events: list[tuple[float, str, int]] = []
        self.acknowledged: list[str] = []
        self.stopping = threading.Event()
        self.workers = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(threads)]

    def _fetch(self, path: str, session: str | None, form: dict | None = None) -> int:
        cookie = f"csrftoken={self.CSRF}; django_language=en" + (f"; sessionid={session}" if session else "")
        headers = {"Cookie": cookie}
        data = None
        if form is not None:
            data = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": self.CSRF}).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.url + path, data=data, headers=headers)
        try:
            with _opener.open(request, timeout=30) as response:
                response.read()
                return response.status
        except urllib.error.HTTPError as error:
            if error.code == 503 and b"Read-only for a few minutes" in error.read():
                return READ_ONLY  # the site's answer to a write while no primary answers: not a failure
            return error.code
        except OSError:
            return 0

    def _run(self, n: int) -> None:
        rng = random.Random(n)
        mine = list(range(n, len(self.sessions), len(self.workers)))
        while not self.stopping.is_set():
            fan = rng.choice(mine)
            thread = rng.choice(self.threads_ids)
            now = time.monotonic()
            if self.mode == "posts" and now < self.next_post[fan]:
                time.sleep(0.02)
                continue
            if self.mode != "views" and now >= self.next_post[fan] and (self.mode == "posts" or rng.random() < 0.3):
                self.next_post[fan] = now + 16  # the forum's pause between a fan's posts is 15 s
                body = f"load {n}-{fan}-{secrets.token_hex(6)}"
                status = self._fetch(f"/forum/t/{thread}/reply/", self.sessions[fan], {"body": body})
                with self.lock:
                    self.events.append((time.monotonic(), "post", status))
                    if status == 302:
                        self.acknowledged.append(body)
                continue
            path = rng.choice([f"/forum/t/{thread}/", f"/forum/t/{thread}/", "/forum/b/general/", "/"])
            status = self._fetch(path, self.sessions[fan] if rng.random() < 0.5 else None)
            with self.lock:
                self.events.append((time.monotonic(), "view", status))

    def __enter__(self) -> "Load":
        for worker in self.workers:
            worker.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        for worker in self.workers:
            worker.join(timeout=60)

    def failed(self, since: float = 0.0) -> int:
        with self.lock:
            return sum(1 for t, _, status in self.events if t >= since and (500 <= status < 600 or status == 0))

    def read_only(self, since: float = 0.0) -> int:
        with self.lock:
            return sum(1 for t, _, status in self.events if t >= since and status == READ_ONLY)

    def count(self, since: float = 0.0) -> int:
        with self.lock:
            return sum(1 for t, _, _ in self.events if t >= since)

    def wait_requests(self, n: int, since: float) -> None:
        machines.wait(lambda: self.count(since) >= n, 120, f"{n} requests")


def _lost(cluster: Cluster, bodies: list[str]) -> int:
    """Acknowledged replies that the (current) primary does not have."""
    if not bodies:
        return 0
    values = ",".join("'" + body.replace("'", "''") + "'" for body in bodies)
    found = cluster.primary.sql(f"SELECT count(DISTINCT body) FROM forum_post WHERE body IN ({values})", "fancity")
    return len(set(bodies)) - int(found)


# --- Drills --------------------------------------------------------------------------------------


def drill_web_node(cluster: Cluster, load: Load) -> tuple[str, float, str]:
    node = cluster.web[0]
    node.kill()
    killed = time.monotonic()
    machines.wait(lambda: cluster.haproxy.status(node.name).startswith("DOWN"), 60, "haproxy to take the node out")
    detected = time.monotonic() - killed
    load.wait_requests(50, time.monotonic())
    node.start()
    machines.wait(lambda: cluster.haproxy.status(node.name) == "UP", 120, "the node back UP")
    cluster.save()
    return "web node (kill -9 gunicorn and its workers)", detected, "until haproxy took it out"


def drill_redis(cluster: Cluster, load: Load) -> tuple[str, float, str]:
    old = {role: cluster.redis.master(role) for role in ("cache", "broker")}
    for node in old.values():
        node.kill()
    killed = time.monotonic()
    # Queued work flows again once /healthz answers 200: the broker takes messages and a worker
    # answers a ping through it, and the cache answers.
    machines.wait(lambda: _status(cluster.url + "/healthz") == 200, 180, "/healthz 200 after the Redis failover")
    recovered = time.monotonic() - killed
    load.wait_requests(50, time.monotonic())
    for node in old.values():  # the lost machines come back, as replicas of the new masters
        node.start()
    cluster.save()
    return "Redis masters of cache and broker (kill -9)", recovered, "until /healthz 200 (broker, worker, cache)"


def drill_primary(cluster: Cluster, load: Load) -> tuple[str, float, str]:
    old_key, new_key = cluster.state["primary"], cluster.standby_key
    old, new = cluster.server(old_key), cluster.server(new_key)
    pid = old.pid()
    assert pid is not None
    os.kill(pid, 9)
    killed = time.monotonic()
    # The operator's (or an HA manager's) decision: the primary has not answered for 2 s; promote.
    machines.wait(lambda: not old.alive(), 30, "the primary to be gone")
    machines.wait(lambda: time.monotonic() - killed >= 2, 5, "2 s")
    new.promote()  # pg_ctl promote: scripts/replica.py promote, the one-command manual failover
    cluster.state["primary"] = new_key
    cluster.save()
    since = time.monotonic()
    machines.wait(lambda: any(t >= since and k == "post" and s == 302 for t, k, s in list(load.events)), 120, "a write")
    recovered = time.monotonic() - killed
    refused = load.read_only(killed)
    load.wait_requests(50, time.monotonic())
    # The lost machine comes back as a replica of the new primary: a fresh copy (pg_rewind would
    # reuse the old files, which matters at 110M posts, not here).
    shutil.rmtree(old.datadir, ignore_errors=True)
    cluster.server(old_key).start()
    cluster.synchronous()
    what = "PostgreSQL primary (kill -9; replica promoted 2 s later)"
    return what, recovered, f"until a reply was acknowledged again ({refused} writes answered read-only)"


def drill_rolling_deploy(cluster: Cluster, load: Load) -> tuple[str, float, str]:
    started = time.monotonic()
    for node in cluster.web:
        cluster.haproxy.set_state(node.name, "drain")
        machines.wait(lambda n=node: cluster.haproxy.servers()[n.name]["scur"] == "0", 60, "the node to drain")
        node.stop()  # gunicorn finishes what it has (SIGTERM: graceful)
        node.start()  # the new code
        machines.wait(node.answers, 120, f"{node.name} to answer")
        cluster.haproxy.set_state(node.name, "ready")
        machines.wait(lambda n=node: cluster.haproxy.status(n.name) == "UP", 60, f"{node.name} UP")
    cluster.save()
    return "rolling deploy of both web nodes", time.monotonic() - started, "for the whole deploy"


def _cpu_seconds(pids: set[int]) -> float:
    """User and system CPU so far of `pids`, their children that exited, and every process whose parent or
    process group is one of them."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid, pgrp = int(entry.name), int(fields[1]), int(fields[2])
        if pid in pids:  # with what its children that exited used (a backend, a recycled worker)
            total += sum(int(field) for field in fields[11:15])
        elif ppid in pids or pgrp in pids:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def measure() -> None:
    """The figures of the README's capacity table: CPU per page view and per post on the web nodes,
    the database and the worker, and replica lag under the write load, through the balancer."""
    cluster = Cluster.load()
    web = {node.pid for node in cluster.web if node.pid}
    database = {cluster.primary.pid() or 0}
    worker = {cluster.worker.pid or 0}
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 30.0
    print(
        "| load | seconds | requests | posts | web CPU ms per request | database CPU ms per request | "
        "worker CPU ms per post | replica replay lag p50 / max ms |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for mode in ("views", "posts"):
        lags: list[float] = []
        before = (_cpu_seconds(web), _cpu_seconds(database), _cpu_seconds(worker))
        with Load(cluster, mode=mode) as load:
            started = time.monotonic()
            while time.monotonic() - started < seconds:
                lag = cluster.primary.sql(
                    "SELECT coalesce(max(extract(epoch FROM replay_lag)), 0) FROM pg_stat_replication"
                )
                lags.append(float(lag or 0) * 1000)
                time.sleep(0.2)
        elapsed = time.monotonic() - started
        after = (_cpu_seconds(web), _cpu_seconds(database), _cpu_seconds(worker))
        requests = load.count()
        posts = sum(1 for _, kind, status in load.events if kind == "post" and status == 302)
        web_ms, db_ms, worker_ms = ((a - b) * 1000 for a, b in zip(after, before, strict=True))
        lags.sort()
        print(
            f"| {mode} | {elapsed:.0f} | {requests} | {posts} | {web_ms / max(requests, 1):.1f} | "
            f"{db_ms / max(requests, 1):.2f} | {f'{worker_ms / posts:.1f}' if posts else '-'} | "
            f"{lags[len(lags) // 2]:.1f} / {lags[-1]:.1f} |"
        )


def faults() -> None:
    cluster = Cluster.load()
    rows = []
    drills = [drill_web_node, drill_redis, drill_primary, drill_rolling_deploy]
    only = sys.argv[2:]
    with Load(cluster) as load:
        load.wait_requests(40, 0)
        for drill in drills:
            if only and drill.__name__.removeprefix("drill_") not in only:
                continue
            step(f"{drill.__name__} ...")
            since = time.monotonic()
            acked_before = len(load.acknowledged)
            what, seconds, meaning = drill(cluster, load)
            requests, failed = load.count(since), load.failed(since)
            acked = load.acknowledged[acked_before:]
            rows.append((what, seconds, meaning, requests, failed, len(acked), _lost(cluster, acked)))
            step(f"{what}: {seconds:.1f} s {meaning}; {failed} of {requests} requests failed")
    print()
    print("| killed | recovered in | requests | failed | acknowledged writes | lost |")
    print("|---|---|---|---|---|---|")
    for what, seconds, meaning, requests, failed, acked, lost in rows:
        print(f"| {what} | {seconds:.1f} s {meaning} | {requests} | {failed} | {acked} | {lost} |")


def main() -> None:
    commands = {"up": up, "faults": faults, "measure": measure, "down": down}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]]()


if __name__ == "__main__":
    main()
