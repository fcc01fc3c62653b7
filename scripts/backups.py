"""Continuous WAL archiving and base backups of PostgreSQL into S3-compatible storage, and restores.

    enable_archiving(server, target)        # archive_mode on; every WAL segment goes to the bucket
    base_backup(server, target)             # pg_basebackup, uploaded under <prefix>/base/<label>/
    restore(target, datadir, port, when)    # the newest base backup before `when`, then WAL up to `when`

Why not pgBackRest or WAL-G: the PostgreSQL the embedded default ships is 18, and Debian 12's
pgBackRest (2.45) supports PostgreSQL up to 15; WAL-G is not packaged by Debian. PostgreSQL's own
`pg_basebackup` and `archive_command`/`restore_command` do the same job for one server: a base backup,
every WAL segment kept, replay to a point in time. What the tools add (parallel and incremental
backups, retention, encryption, checksummed manifests across many servers) is what to move to when a
PGDG pgBackRest that knows PostgreSQL 18 is installed; its repository can be the same bucket.
"""

import datetime
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
# PostgreSQL runs archive_command as its own user, which cannot always reach the virtualenv's Python;
# wal_s3.py needs only the standard library, so the system's python3 runs it where there is one.
SERVER_PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else shutil.which("python3") or "python3"


@dataclass(frozen=True)
class S3Target:
    endpoint: str
    bucket: str
    prefix: str = "postgres"
    region: str = "us-east-1"
    access_key: str = "fancity"
    secret_key: str = "fancity"

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
        )


def _chown_tree(path: Path, user: str | None) -> None:
    if not user:
        return
    import pwd

    entry = pwd.getpwnam(user)
    for root, dirs, files in os.walk(path):
        for name in [*dirs, *files]:
            os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)
    os.chown(path, entry.pw_uid, entry.pw_gid)


def install_wal_s3(datadir: Path, target: S3Target, user: str | None) -> str:
    """Put wal_s3.py and its settings into the data directory; return the command prefix that runs it."""
    shutil.copyfile(HERE / "wal_s3.py", datadir / "fancity_wal_s3.py")
    config = datadir / "fancity_wal_s3.json"
    config.write_text(json.dumps(asdict(target)))
    config.chmod(0o600)
    _chown_tree(datadir, user)
    return f"{SERVER_PYTHON} fancity_wal_s3.py"


def sql(server, query: str, *, dbname: str = "postgres") -> str:
    out = subprocess.run(
        [str(server.bin / "psql"), "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres", "-d", dbname]
        + ["-XAtq", "-c", query],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def enable_archiving(server, target: S3Target, *, archive_timeout: int = 60) -> None:
    """Archive every WAL segment of `server` (a running devtools.EmbeddedPostgres) into `target`.

    archive_timeout closes a segment that long after its first write even when it is not full, so it is
    the longest a committed write waits to leave the machine: the RPO when the machine is lost.
    """
    command = install_wal_s3(server.datadir, target, server.user)
    for name, value in (
        ("wal_level", "replica"),
        ("archive_mode", "on"),
        ("archive_command", f"{command} push %p %f"),
        ("archive_timeout", str(archive_timeout)),
    ):
        sql(server, f"ALTER SYSTEM SET {name} = '{value}'")
    server.halt("fast")
    server.start()


def base_backup(server, target: S3Target) -> str:
    """A base backup of `server` uploaded under <prefix>/base/<label>/; returns the label (UTC time)."""
    label = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    with tempfile.TemporaryDirectory(prefix="fancity-basebackup-") as tmp:
        subprocess.run(
            [str(server.bin / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres"]
            + ["-D", tmp, "-Ft", "-z", "-X", "none", "--checkpoint=fast", "-l", label],
            check=True,
            capture_output=True,
        )
        # WAL up to the backup's end is archived once pg_basebackup returns (it waits for that), so a
        # restore to any time after this moment is consistent.
        finished = datetime.datetime.now(datetime.UTC)
        client = target.client()
        for path in Path(tmp).iterdir():
            client.upload_file(str(path), target.bucket, f"{target.prefix}/base/{label}/{path.name}")
        info = {"label": label, "finished_at": finished.isoformat()}
        client.put_object(Bucket=target.bucket, Key=f"{target.prefix}/base/{label}/info.json", Body=json.dumps(info))
    return label


def _backups(target: S3Target) -> list[dict]:
    client = target.client()
    listing = client.list_objects_v2(Bucket=target.bucket, Prefix=f"{target.prefix}/base/")
    infos = [item["Key"] for item in listing.get("Contents", []) if item["Key"].endswith("/info.json")]
    backups = [json.loads(client.get_object(Bucket=target.bucket, Key=key)["Body"].read()) for key in infos]
    return sorted(backups, key=lambda info: info["finished_at"])


def restore(target: S3Target, datadir: Path, port: int, when: datetime.datetime | None = None):
    """Restore into the fresh directory `datadir`: the newest base backup that finished before `when`,
    then the archived WAL up to `when` (or all of it). Returns the running, promoted server."""
    sys_path = str(HERE)
    import sys

    if sys_path not in sys.path:
        sys.path.insert(0, sys_path)
    import devtools

    candidates = [b for b in _backups(target) if when is None or b["finished_at"] <= when.isoformat()]
    if not candidates:
        raise RuntimeError(f"no base backup in {target.bucket}/{target.prefix} finished before {when}")
    label = candidates[-1]["label"]
    if datadir.exists() and any(datadir.iterdir()):
        raise RuntimeError(f"{datadir} is not empty: restore into a fresh directory")
    datadir.mkdir(parents=True, exist_ok=True)
    client = target.client()
    with tempfile.TemporaryDirectory(prefix="fancity-restore-") as tmp:
        archive = Path(tmp) / "base.tar.gz"
        client.download_file(target.bucket, f"{target.prefix}/base/{label}/base.tar.gz", str(archive))
        with tarfile.open(archive) as tar:
            tar.extractall(datadir, filter="fully_trusted")
    for stale in ("postmaster.pid", "postmaster.opts", "server.log"):
        (datadir / stale).unlink(missing_ok=True)
    (datadir / "pg_wal").mkdir(exist_ok=True)
    datadir.chmod(0o700)
    server = devtools.EmbeddedPostgres(datadir, port, throwaway=False)
    command = install_wal_s3(datadir, target, server.user)
    settings = {
        "restore_command": f"{command} fetch %f %p",
        "recovery_target_action": "promote",
        # The restored copy must not archive into the original's place (it would refuse anyway).
        "archive_mode": "off",
    }
    if when is not None:
        settings["recovery_target_time"] = when.isoformat()
    with (datadir / "postgresql.auto.conf").open("a") as conf:
        for name, value in settings.items():
            conf.write(f"{name} = '{value}'\n")
    (datadir / "recovery.signal").touch()
    _chown_tree(datadir, server.user)
    server.start()
    deadline = time.monotonic() + 600
    while sql(server, "SELECT pg_is_in_recovery()") != "f":
        if time.monotonic() > deadline:
            raise RuntimeError("the restored server did not finish recovery in 10 minutes")
        time.sleep(0.1)
    return server


def wait_archived(server, timeout: float = 120) -> str:
    """Close the current WAL segment and wait until it is in the archive; returns its name."""
    segment = sql(server, "SELECT pg_walfile_name(pg_switch_wal())")
    deadline = time.monotonic() + timeout
    while sql(server, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver") < segment:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{segment} was not archived within {timeout} s")
        time.sleep(0.1)
    return segment
