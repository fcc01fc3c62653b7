#!/usr/bin/env python3
"""Run the whole test suite against a throwaway PostgreSQL and Redis.

    python3 scripts/test.py [pytest arguments]

Needs only python3 and npm; creates .venv, installs Debian's chromium (browser tests), a Java runtime
(the Nu HTML checker) and haproxy (the web-node drill) when it runs as root and they are missing,
installs the checkers from npm (axe-core, vnu-jar) into .tools/npm, starts the servers, runs pytest,
and stops them.
"""

import json
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
# The checkers of tests/site/test_a11y.py and test_valid_html.py, pinned: a new rule must not fail a build
# that changed nothing. They live in .tools/npm (not committed), installed once.
NPM_TOOLS = devtools.ROOT / ".tools" / "npm"
NPM_PACKAGES = {"axe-core": "4.14.1", "vnu-jar": "26.9.27"}


_apt_install = devtools.apt_install


def ensure_chromium() -> None:
    if not Path(CHROMIUM).exists():
        _apt_install(["chromium", "fonts-noto-cjk"], "The browser tests need Debian's chromium")


def _installed_version(package: str) -> str | None:
    try:
        return json.loads((NPM_TOOLS / "node_modules" / package / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def ensure_checkers() -> None:
    """Java for vnu.jar, and axe-core and vnu-jar from npm; their paths go to the tests in the environment."""
    if not shutil.which("java"):
        _apt_install(["default-jre-headless"], "The HTML checks need a Java runtime")
    missing = [f"{name}@{version}" for name, version in NPM_PACKAGES.items() if _installed_version(name) != version]
    if missing:
        if not shutil.which("npm"):
            _apt_install(["npm"], "The accessibility and HTML checks come from npm")
        print(f"Installing {' '.join(missing)} into {NPM_TOOLS} with npm ...", flush=True)
        NPM_TOOLS.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(NPM_TOOLS), "--no-save", "--no-audit", "--no-fund", "--ignore-scripts"]
            + [f"{name}@{version}" for name, version in NPM_PACKAGES.items()],
            check=True,
        )
    os.environ["FANCITY_AXE_JS"] = str(NPM_TOOLS / "node_modules" / "axe-core" / "axe.min.js")
    os.environ["FANCITY_VNU_JAR"] = str(NPM_TOOLS / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar")


def main() -> int:
    ensure_chromium()
    ensure_checkers()
    devtools.ensure_haproxy()  # the web-node drill (tests/site/test_web_nodes.py)
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
