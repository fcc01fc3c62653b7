#!/usr/bin/env python3
"""Check the style and the layers: ruff lint, ruff format, and import-linter's contracts.

    python3 scripts/lint.py

Needs only python3 (creates .venv like the other scripts). Exits non-zero on the first failure.
"""

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
)


def main() -> int:
    bin_dir = Path(sys.executable).parent
    for command in CHECKS:
        print("$", " ".join(command), flush=True)
        if subprocess.call([str(bin_dir / command[0]), *command[1:]], cwd=devtools.ROOT):
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
