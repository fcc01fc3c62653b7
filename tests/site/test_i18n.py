"""The Chinese catalogue is complete and the committed .mo matches the .po."""

import gettext
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"


def entries():
    return [e for e in polib.pofile(str(LOCALE / "django.po")) if not e.obsolete]


def test_every_string_has_a_chinese_translation():
    missing = [e.msgid for e in entries() if not e.translated() or "fuzzy" in e.flags]
    assert missing == []


def test_the_compiled_catalogue_matches_the_source():
    compiled = gettext.GNUTranslations(open(LOCALE / "django.mo", "rb"))
    stale = []
    for e in entries():
        if e.msgid_plural:
            got = compiled.ngettext(e.msgid, e.msgid_plural, 1)
            want = e.msgstr_plural[0]
        else:
            got = compiled.pgettext(e.msgctxt, e.msgid) if e.msgctxt else compiled.gettext(e.msgid)
            want = e.msgstr
        if got != want:
            stale.append(e.msgid)
    assert stale == []
