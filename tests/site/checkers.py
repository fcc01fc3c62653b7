"""Where scripts/test.py installed the checkers (axe-core and vnu.jar from npm, .tools/npm)."""

import os
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[2] / ".tools" / "npm" / "node_modules"


def _path(variable: str, default: Path) -> Path:
    path = Path(os.environ.get(variable) or default)
    assert path.exists(), f"{path} is missing: run the tests with `python3 scripts/test.py`, which installs it"
    return path


def axe_js() -> Path:
    return _path("FANCITY_AXE_JS", TOOLS / "axe-core" / "axe.min.js")


def vnu_jar() -> Path:
    return _path("FANCITY_VNU_JAR", TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar")
