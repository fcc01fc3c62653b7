#!/usr/bin/env python3
"""Time the sensitive-word filter (accounts/wordfilter.py) with a list of 20,000 words.

    python3 bench/wordfilter.py [--words 20000] [--runs 200]

Prints the automaton's build time, then the time per post for a short post, a typical post, a
post at the maximum length (20,000 characters) with no listed word, and the same with words to
mask. Needs no database: the automaton is built from generated entries, as `_automaton` builds it
from the table.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import devtools  # noqa: E402

devtools.ensure_venv()

COMMON = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严"  # noqa: E501
TYPICAL = "我刷机后无法开机，电池也不耐用。请问官方什么时候修复这个问题？Bluetooth 连接也经常断开，重启之后才好。"


def best_of(check, text: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        check(text)
        times.append(time.perf_counter() - start)
    return min(times), sorted(times)[len(times) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--words", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fancity.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from accounts.models import WordAction
    from accounts.wordfilter import build, check_with
    from fancity.lib.text import normalise

    rng = random.Random(20)
    actions = [WordAction.BLOCK, WordAction.HOLD, WordAction.MASK]
    words: set[str] = set()
    while len(words) < args.words:
        if rng.random() < 0.8:
            word = "".join(rng.choice(COMMON) for _ in range(rng.randint(2, 4)))
        else:
            word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 8)))
        words.add(word)
    entries = [(normalise(w), rng.choice(actions), w) for w in sorted(words)]

    start = time.perf_counter()
    automaton = build(entries)
    print(f"build: {len(entries):,} words in {(time.perf_counter() - start) * 1000:.0f} ms")

    masked = [w for n, a, w in entries if a == WordAction.MASK][:20]
    # Posts of common characters: at 20,000 random 2-4 character words many windows match, as a
    # real list of short words would; the "clean" post uses characters no generated word contains.
    rare = "".join(ch for ch in "噢嗯哈嘿咦喔啊呀哇嘛呢吧啦咯哟嗨唉哎呗嘞噻喵汪咚嗒" if ch not in COMMON)
    long_clean = ((rare + " ") * 2000)[:20_000]
    long_hits = ((TYPICAL + " ".join(masked)) * 200)[:20_000]
    posts = {
        "short (20 chars)": TYPICAL[:20],
        f"typical ({len(TYPICAL)} chars)": TYPICAL,
        "typical with 3 masked words": TYPICAL + " ".join(masked[:3]),
        "20,000 chars, no listed word": long_clean,
        "20,000 chars of common characters, masked words": long_hits,
    }
    for name, text in posts.items():
        verdict = check_with(automaton, text)
        best, median = best_of(lambda t: check_with(automaton, t), text, args.runs if len(text) < 1000 else 20)
        print(
            f"{name:50s} best {best * 1e6:9.1f} µs  median {median * 1e6:9.1f} µs  "
            f"({verdict.action or 'clean'}, {len(verdict.words)} words)"
        )


if __name__ == "__main__":
    main()
