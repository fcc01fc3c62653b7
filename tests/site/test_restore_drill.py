"""The restore drill of scripts/restore_drill.py, on small data: a base backup and continuous WAL
archiving into a real S3 server (SeaweedFS), then a restore to a point in time into a fresh data
directory. A post written after the base backup and before the chosen time is restored; one written
after that time is not; an overwritten upload is still in the versioned media bucket."""

import subprocess
import sys

from scripts import devtools


def test_point_in_time_restore_from_s3_keeps_what_came_before_and_not_after():
    drill = subprocess.run(
        [sys.executable, str(devtools.ROOT / "scripts" / "restore_drill.py"), "--posts", "3", "--archive-timeout", "5"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    figures = dict(line.split(": ", 1) for line in drill.stdout.splitlines() if ": " in line)
    assert drill.returncode == 0, drill.stdout[-3000:] + drill.stderr[-3000:]
    assert figures["post before the target restored"] == "True"
    assert figures["post after the target absent"] == "True"
    assert figures["schema whole"] == "True"
    assert figures["overwritten upload kept"] == "True"
    assert figures["restore drill"] == "passed"
    print("\n" + "\n".join(f"{k}: {v}" for k, v in figures.items() if "(" in k))
