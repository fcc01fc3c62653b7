#!/usr/bin/env python3
"""Run the whole test suite against a throwaway PostgreSQL and Redis.

    python3 scripts/test.py [pytest arguments]

Needs only python3; creates .venv, installs Debian's chromium for the browser tests when it runs
as root and chromium is missing, starts the servers, runs pytest, and stops them.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import devtools  # noqa: E402

devtools.ensure_venv()

CHROMIUM = "/usr/bin/chromium"


def ensure_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        sys.exit(
            "The browser tests need Debian's chromium: run `sudo apt-get install chromium "
            "fonts-noto-cjk` and try again."
        )
    print("Installing chromium and fonts-noto-cjk with apt-get ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium", "fonts-noto-cjk"], check=True, env=env)


def main() -> int:
    ensure_chromium()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fancity.settings")
    # Production settings (DEBUG off), served over plain HTTP on loopback.
    os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + os.urandom(8).hex())
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("FANCITY_DATA_DIR", str(Path(tempfile.gettempdir()) / "fancity-test-data"))
    datadir = Path(tempfile.mkdtemp(prefix="fancity-test-"))
    with devtools.services(datadir, throwaway=True, pg_port=devtools.free_port(), redis_port=devtools.free_port()):
        devtools.manage("collectstatic", "--no-input", "-v", "0")
        return subprocess.call([sys.executable, "-m", "pytest", *sys.argv[1:]], cwd=devtools.ROOT)


if __name__ == "__main__":
    sys.exit(main())
