"""The sensitive-word filter (敏感词): an admin-edited list whose entries block a text, hold it for a
moderator, or mask the word with ＊.

Matching is one pass of an Aho-Corasick automaton (pyahocorasick, C) over the text normalised as the
keyword rules are (NFKC, case-folded, white space collapsed: fancity.lib.text), so 20,000 entries
cost what 20 do (`bench/wordfilter.py`). Each process builds the automaton once and rebuilds it when
the list's version changes: a short string kept in the cache (one GET per check) and derived from
the table (count, newest id, last change) when the cache has none; a change to the list drops it.

Like the keyword rules, a word whose end is a Latin letter or digit must not be glued to another one
("ass" does not match "class"); Chinese words match wherever they occur.
"""

import threading
from dataclasses import dataclass

import ahocorasick
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from accounts.models import SensitiveWord, WordAction
from fancity.lib.text import is_word_char, normalise

VERSION_KEY = "wordfilter:version"
VERSION_TTL = 60
MASK_CHAR = "＊"
_STRENGTH = {WordAction.MASK: 1, WordAction.HOLD: 2, WordAction.BLOCK: 3}


@dataclass(frozen=True)
class Verdict:
    """What the list says about one text: the strongest action found (None when clean), the listed
    words found for that action, and the text with every MASK word masked."""

    action: str | None
    words: tuple[str, ...]
    text: str

    @property
    def blocked(self) -> bool:
        return self.action == WordAction.BLOCK

    @property
    def held(self) -> bool:
        return self.action == WordAction.HOLD


@dataclass
class _Automaton:
    version: str
    automaton: "ahocorasick.Automaton | None"


_current: _Automaton | None = None
_building = threading.Lock()


def _table_version() -> str:
    row = SensitiveWord.objects.aggregate(n=Count("id"), last=Max("id"), changed=Max("updated_at"))
    changed = row["changed"].timestamp() if row["changed"] else 0
    return f"{row['n']}:{row['last']}:{changed}"


def current_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = _table_version()
        cache.set(VERSION_KEY, version, VERSION_TTL)
    return version


def build(entries) -> "ahocorasick.Automaton | None":
    """An automaton over (normalised word, action, word as listed) entries; None for an empty list."""
    automaton = ahocorasick.Automaton()
    for normalised, action, word in entries:
        if normalised:
            glue = (is_word_char(normalised[0]), is_word_char(normalised[-1]))
            automaton.add_word(normalised, (len(normalised), *glue, action, word))
    if not len(automaton):
        return None
    automaton.make_automaton()
    return automaton


def _automaton() -> "ahocorasick.Automaton | None":
    global _current
    version = current_version()
    if _current is None or _current.version != version:
        with _building:
            if _current is None or _current.version != version:
                rows = SensitiveWord.objects.values_list("normalised", "action", "word").iterator(chunk_size=5000)
                _current = _Automaton(version, build(rows))
    return _current.automaton


def list_changed() -> None:
    """Every process rebuilds its automaton on its next check (after the commit that changed the list)."""
    transaction.on_commit(lambda: cache.delete(VERSION_KEY))


def _matches(automaton, text: str):
    """(start, end, action, word) of each listed word in `text` whose Latin ends are not glued to
    another Latin letter or digit; only words with a Latin end pay for that check."""
    last = len(text) - 1
    for end, (length, glue_start, glue_end, action, word) in automaton.iter(text):
        start = end - length + 1
        if glue_start and start > 0 and is_word_char(text[start - 1]):
            continue
        if glue_end and end < last and is_word_char(text[end + 1]):
            continue
        yield start, end + 1, action, word


def _mapped(text: str) -> tuple[str, list[int]]:
    """`text` normalised character by character, with the index in `text` of each character made."""
    chars, where = [], []
    for i, ch in enumerate(text):
        if ch.isspace():
            if chars and chars[-1] != " ":
                chars.append(" ")
                where.append(i)
            continue
        for out in normalise(ch) or "":
            chars.append(out)
            where.append(i)
    return "".join(chars), where


def _mask(automaton, text: str, normalised: str) -> str:
    """`text` with every MASK word masked; `normalised` is normalise(text)."""
    if len(normalised) == len(text):
        where = range(len(text))  # one character for one, as nearly always: no need to map positions
    else:
        normalised, where = _mapped(text)
    out = list(text)
    for start, end, action, _word in _matches(automaton, normalised):
        if action == WordAction.MASK:
            for i in range(where[start], where[end - 1] + 1):
                if not out[i].isspace():
                    out[i] = MASK_CHAR
    return "".join(out)


def check_with(automaton, text: str) -> Verdict:
    """The verdict of `automaton` (see `build`) on `text`."""
    if automaton is None or not text:
        return Verdict(None, (), text)
    normalised = normalise(text)
    found: dict[str, list[str]] = {}
    for _start, _end, action, word in _matches(automaton, normalised):
        if word not in found.setdefault(action, []):
            found[action].append(word)
    if not found:
        return Verdict(None, (), text)
    strongest = max(found, key=_STRENGTH.__getitem__)
    masked = _mask(automaton, text, normalised) if WordAction.MASK in found else text
    return Verdict(strongest, tuple(found[strongest]), masked)


def check(text: str) -> Verdict:
    return check_with(_automaton(), text)


def refusal(verdict: Verdict) -> str:
    """What the writer is told when a word blocks their text."""
    return _("“%(words)s” is not allowed on Fancity. Change it and send again.") % {
        "words": "”, “".join(verdict.words[:3])
    }


def clean_profile_text(value: str, field_name: str) -> str:
    """A display name or bio: masked words masked; a blocked or held word refused (a profile has no
    review queue, so a word that needs a moderator cannot go into one)."""
    verdict = check(value)
    if verdict.action in (WordAction.BLOCK, WordAction.HOLD):
        raise ValidationError({field_name: refusal(verdict)})
    return verdict.text


def save_word(word: str, action: str, note: str = "") -> SensitiveWord:
    """Add or change one entry (keyed on its normalised form)."""
    normalised = normalise(word)[:100]
    if not normalised:
        raise ValidationError({"word": _("Enter a word.")})
    if action not in WordAction.values:
        raise ValidationError({"action": _("Choose an action.")})
    with transaction.atomic():
        entry, _created = SensitiveWord.objects.update_or_create(
            normalised=normalised, defaults={"word": word.strip()[:100], "action": action, "note": note[:200]}
        )
        list_changed()
    return entry


MAX_IMPORT = 50_000


def import_words(text: str, action: str, note: str = "") -> tuple[int, int]:
    """Add every word of `text` (one a line) with `action`; returns (added, skipped).

    Words are keyed on their normalised form: a word already listed (or repeated in the paste, or that
    normalises to the same as another) is skipped and keeps its own action. One INSERT ... ON CONFLICT
    DO NOTHING per batch, then every process rebuilds its automaton.
    """
    if action not in WordAction.values:
        raise ValidationError({"action": _("Choose an action.")})
    lines = [line.strip().replace("\x00", "") for line in (text or "").splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > MAX_IMPORT:
        raise ValidationError({"words": _("At most %(n)d words at a time.") % {"n": MAX_IMPORT}})
    entries: dict[str, str] = {}
    for line in lines:
        normalised = normalise(line)[:100]
        if normalised and normalised not in entries:
            entries[normalised] = line[:100]
    with transaction.atomic():
        before = SensitiveWord.objects.count()
        SensitiveWord.objects.bulk_create(
            [SensitiveWord(word=w, normalised=n, action=action, note=note[:200]) for n, w in entries.items()],
            ignore_conflicts=True,
            batch_size=2000,
        )
        added = SensitiveWord.objects.count() - before
        list_changed()
    return added, len(lines) - added
