#!/usr/bin/env python3
"""Check the style, the layers and the types: ruff lint, ruff format, import-linter's contracts, mypy.

    python3 scripts/lint.py

Needs only python3 (creates .venv like the other scripts). Exits non-zero on the first failure.
mypy's settings are in pyproject.toml; its django-stubs plugin imports fancity.settings, which needs
SECRET_KEY or DEBUG=1, so DEBUG=1 is set when neither is (no database or Redis is touched).
"""

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import devtools  # noqa: E402

devtools.ensure_venv()

CHECKS = (
    ["ruff", "check", "."],
    ["ruff", "format", "--check", "."],
    ["lint-imports", "--no-cache"],
    ["mypy"],
)


def main() -> int:
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ)
    if not env.get("SECRET_KEY"):
        env["DEBUG"] = "1"
    for command in CHECKS:
        print("$", " ".join(command), flush=True)
        if subprocess.call([str(bin_dir / command[0]), *command[1:]], cwd=devtools.ROOT, env=env):
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
