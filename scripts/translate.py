#!/usr/bin/env python3
"""Fill the Chinese catalogue from a JSON file of {"English msgid": "中文"}; print what is still empty.

    .venv/bin/python scripts/translate.py my-strings.json   # fills only empty or fuzzy entries
    .venv/bin/python scripts/translate.py                     # lists untranslated entries

Run it under `flock /tmp/fancity-po.lock` between makemessages and compilemessages.
"""

import json
import sys
from pathlib import Path

import polib

CATALOGUE = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def main() -> None:
    po = polib.pofile(str(CATALOGUE), wrapwidth=0)
    given = json.loads(Path(sys.argv[1]).read_text()) if len(sys.argv) > 1 else {}
    for entry in po:
        if entry.obsolete or (entry.translated() and "fuzzy" not in entry.flags):
            continue
        translation = given.get(entry.msgid)
        if translation is None:
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = {0: translation}
        else:
            entry.msgstr = translation
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    po.save()
    missing = [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    print(json.dumps(missing, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
