#!/usr/bin/env python3
"""Time forum.writing.markup.render on every adversarial input at the maximum post length.

    python3 bench/markdown_worst.py [--length 20000] [--runs 3]

Prints each input's best-of-runs time, the worst case (its name and time), and a typical post's time.
Needs no database: rendering is pure Python and C.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import devtools  # noqa: E402

devtools.ensure_venv()


def best_of(render, text: str, runs: int) -> tuple[float, float]:
    """The fastest of `runs` renders: (wall-clock seconds, CPU seconds of this process)."""
    times = []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        render(text)
        times.append((time.perf_counter() - wall, time.process_time() - cpu))
    return min(times)


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fancity.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from forum.writing.limits import MAX_BODY
    from forum.writing.markup import render
    from tests.forum.markdown_inputs import INPUTS, TYPICAL

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=int, default=MAX_BODY, help="characters in each input (default: MAX_BODY)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    print("    wall      CPU    input → HTML")
    results = []
    for name, make in INPUTS.items():
        text = make(args.length)
        wall, cpu = best_of(render, text, args.runs)
        results.append((wall, cpu, name))
        size = len(render(text))
        print(f"{wall * 1000:6.1f} ms {cpu * 1000:6.1f} ms  {len(text):6d} → {size:7d} chars  {name}", flush=True)
    wall, cpu, name = max(results)
    print(f"\nworst of {len(results)} inputs at {args.length} characters: {name!r}")
    print(f"  {wall * 1000:.1f} ms ({cpu * 1000:.1f} ms CPU)")
    print(f"worst CPU time: {max(r[1] for r in results) * 1000:.1f} ms ({max(results, key=lambda r: r[1])[2]!r})")
    wall, cpu = best_of(render, TYPICAL, max(args.runs, 100))
    print(f"typical post ({len(TYPICAL)} characters: list, quote, table, code, links, mentions): {wall * 1000:.2f} ms")


if __name__ == "__main__":
    main()
