#!/usr/bin/env python3
"""Check a Fancity meetup draw yourself, with nothing but Python 3 (standard library only).

    curl -o draw.json https://<site>/meetups/<id>/draw.json
    python3 verify_draw.py draw.json            # or: python3 verify_draw.py https://<site>/meetups/<id>/draw.json

What it checks, from the published file alone:
1. the seed's SHA-256 is the commitment shown on the meetup page since registration opened, so the
   seed was fixed before anyone applied and nobody could pick a seed that favours someone;
2. the order recomputed from the seed and the applicants' weights is the published result: applicants
   sorted by their application number, each takes the next number u of Python's
   random.Random(seed) (seeded with the seed string), score = u ** (1 / weight), highest score first
   (ties by application number); the first `seats` of that order got a seat, the rest the waiting list.

Exit status 0 when everything agrees, 1 (with the reason) when it does not.
"""

import hashlib
import json
import random
import sys
import urllib.request


def load(source: str) -> dict:
    if source.startswith(("https://", "http://")):
        with urllib.request.urlopen(source, timeout=30) as response:  # noqa: S310 - a URL the user gave
            return json.load(response)
    with open(source, encoding="utf-8") as file:
        return json.load(file)


def recompute(seed: str, applicants: list[dict]) -> list[int]:
    rng = random.Random(seed)
    entries = sorted((a["application"], a["weight"]) for a in applicants)
    scored = [(rng.random() ** (1.0 / weight), application) for application, weight in entries]
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [application for _, application in scored]


def verify(record: dict) -> list[str]:
    """The problems found (an empty list: the draw checks out)."""
    problems = []
    if hashlib.sha256(record["seed"].encode()).hexdigest() != record["commitment"]:
        problems.append("the seed's SHA-256 is not the published commitment")
    if any(not isinstance(a["weight"], (int, float)) or a["weight"] <= 0 for a in record["applicants"]):
        problems.append("every weight must be a positive number")
        return problems
    expected = recompute(record["seed"], record["applicants"])
    if expected != record["result"]:
        first = next(
            (i for i, (a, b) in enumerate(zip(expected, record["result"], strict=False)) if a != b), len(expected)
        )
        problems.append(f"the recomputed order differs from the published result from rank {first + 1} on")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    record = load(argv[1])
    problems = verify(record)
    seats = record["seats"]
    if problems:
        for problem in problems:
            print(f"FAILED: {problem}")
        return 1
    print(f"OK: commitment {record['commitment']} matches the seed {record['seed']}")
    print(f"OK: {len(record['applicants'])} applicants, order recomputed; seats went to applications:")
    print(" ".join(str(a) for a in record["result"][:seats]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
