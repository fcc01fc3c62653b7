"""The sensitive-word filter (敏感词): an admin-edited list whose entries block a text, hold it for a
moderator, or mask the word with ＊.

Matching is one pass of an Aho-Corasick automaton (pyahocorasick, C) over the text's matching form
(`skeleton`), so 20,000 entries cost what 20 do (`bench/wordfilter.py`). The matching form is NFKC,
case-folded (as the keyword rules: fancity.lib.text), with the separators a writer slips between
the characters of a word to get it past a filter ("赌 博", "赌*博", "赌.博", a full-width space, a
zero-width space) taken out where they cannot be telling two words apart:

- between two Chinese (CJK, kana, hangul) characters, and between one and a Latin letter or digit:
  Chinese is written without spaces, so a space or symbol there is not a word boundary ("加 vx 号"
  is "加vx号"). A word that straddles a full stop ("赌。博物馆") matches as "赌博物馆" always did:
  that is one more neighbouring pair per punctuation mark, the same kind of risk as matching Chinese
  words inside longer ones, and a writer sees the word named and can rephrase;
- between Latin letters or digits standing alone ("s b", "a.s.s", "f-u-c-k": spelled out);
- not between Latin words ("glass hole" is not "asshole"): there the run becomes one space, so "fuck
  you" as listed matches "fuck.you" and "fuck  you" too.

Separators are white space, punctuation, symbols (emoji too), control and format characters
(zero-width, joiners, bidi marks) and combining marks. Every character of the matching form keeps
the index of the character of the text it came from, so a masked word masks what the writer typed.
Building the form is a few C-speed passes over the text (str.translate with per-character tables,
regular expressions over one letter per character); Python runs only once per kept separator run.
It stays linear in the text; masking sums the matched spans in one pass.

Each process builds the automaton once and rebuilds it when the list's version changes: a short
string kept in the cache (one GET per check) and derived from the table (count, newest id, last
change) when the cache has none; a change to the list drops it.

Like the keyword rules, a word whose end is a Latin letter or digit must not be glued to another one
("ass" does not match "class"); Chinese words match wherever they occur.
"""

import re
import threading
import unicodedata
from dataclasses import dataclass
from itertools import compress

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
_STRENGTH: dict[str, int] = {WordAction.MASK: 1, WordAction.HOLD: 2, WordAction.BLOCK: 3}


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


# What each character is to the matching form: its kind (a Separator, Chinese, a Latin Word
# character, Other) and what it becomes (a separator: one space). Tables keyed by code point that fill
# themselves, for str.translate, so that the matching form is built at C speed whatever the text.
_SEPARATOR_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Me"})
_TABLE_SIZE = 200_000


def _describe(code: int) -> tuple[str, str]:
    out = "".join(
        c
        for c in unicodedata.normalize("NFKC", chr(code)).casefold()
        if unicodedata.category(c) not in _SEPARATOR_CATEGORIES and unicodedata.category(c)[0] not in "PS"
    )
    if not out:
        return "s", " "
    if all(is_word_char(c) for c in out):
        return "w", out
    if any(c.isalnum() and not is_word_char(c) for c in out):
        return "c", out
    return "o", out


class _Table(dict):
    def __init__(self, part: int):
        super().__init__()
        self.part = part

    def __missing__(self, code: int) -> str:
        value = _describe(code)[self.part]
        if len(self) < _TABLE_SIZE:
            self[code] = value
        return value


_KINDS = _Table(0)
_FORMS = _Table(1)
# A Latin letter or digit standing alone ("s b", "a.s.s") is of kind "v".
_SINGLE = re.compile(r"(?<!w)w(?!w)")
# The separator runs that stay (as one space): between Latin words (not two lone letters), and between
# Chinese and a character that is neither Chinese nor Latin. Every other run is dropped, as are runs
# at either end. (The leading look-ahead lets every other position fail at once.)
_KEPT = re.compile(r"(?=s)(?:(?:(?<=[wo])|(?<=v)(?!s*v))s+(?=[wvo])|(?<=c)s+(?=o)|(?<=o)s+(?=c))")
_SELECT = bytes(0 if b == ord("s") else 1 for b in range(256))


def skeleton(text: str) -> tuple[str, list[int]]:
    """The matching form of `text` (see the module's docstring), with the index in `text` of each
    of its characters."""
    kinds = _SINGLE.sub("v", text.translate(_KINDS))
    kinds = _KEPT.sub(lambda run: "k" + "s" * (run.end() - run.start() - 1), kinds)
    chosen = kinds.encode("ascii").translate(_SELECT)  # 1 for each character of `text` that stays
    forms = text.translate(_FORMS)
    if len(forms) == len(text):  # one character for one, as nearly always
        return "".join(compress(forms, chosen)), list(compress(range(len(text)), chosen))
    each = [_FORMS[ord(ch)] for ch in text]
    where = [i for i in compress(range(len(text)), chosen) for _ in each[i]]
    return "".join(compress(each, chosen)), where


def build(entries) -> "ahocorasick.Automaton | None":
    """An automaton over (normalised word, action, word as listed) entries; None for an empty list.

    Entries whose matching forms are the same ("赌博", "赌 博") keep the strongest action."""
    automaton = ahocorasick.Automaton()
    for normalised, action, word in entries:
        key = skeleton(normalised)[0]
        if not key:
            continue
        known = automaton.get(key, None)
        if known is not None and _STRENGTH[known[3]] >= _STRENGTH[action]:
            continue
        glue = (is_word_char(key[0]), is_word_char(key[-1]))
        automaton.add_word(key, (len(key), *glue, action, word))
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


def _mask(automaton, text: str, form: str, where: list[int]) -> str:
    """`text` with every MASK word masked; `form` and `where` are skeleton(text).

    What a match spans in `text` is masked, white space kept and format characters (zero-width)
    dropped; the spans are summed in one pass, so overlapping matches cost no more than the text."""
    cover = [0] * (len(text) + 1)
    for start, end, action, _word in _matches(automaton, form):
        if action == WordAction.MASK:
            cover[where[start]] += 1
            cover[where[end - 1] + 1] -= 1
    out, depth = [], 0
    for i, ch in enumerate(text):
        depth += cover[i]
        if not depth or ch.isspace():
            out.append(ch)
        elif unicodedata.category(ch) not in ("Cf", "Cc"):
            out.append(MASK_CHAR)
    return "".join(out)


def check_with(automaton, text: str) -> Verdict:
    """The verdict of `automaton` (see `build`) on `text`."""
    if automaton is None or not text:
        return Verdict(None, (), text)
    form, where = skeleton(text)
    found: dict[str, list[str]] = {}
    for _start, _end, action, word in _matches(automaton, form):
        if word not in found.setdefault(action, []):
            found[action].append(word)
    if not found:
        return Verdict(None, (), text)
    strongest = max(found, key=_STRENGTH.__getitem__)
    masked = _mask(automaton, text, form, where) if WordAction.MASK in found else text
    return Verdict(strongest, tuple(found[strongest]), masked)


def check(text: str) -> Verdict:
    return check_with(_automaton(), text)


def refusal(verdict: Verdict) -> str:
    """What the writer is told when a word blocks their text."""
    return _("“%(words)s” is not allowed on Fancity. Change it and send again.") % {
        "words": "”, “".join(verdict.words[:3])
    }


def clean_profile_text(value: str, field_name: str) -> str:
    """A bio: masked words masked; a blocked or held word refused (a profile has no review queue, so a
    word that needs a moderator cannot go into one)."""
    verdict = check(value)
    if verdict.action in (WordAction.BLOCK, WordAction.HOLD):
        raise ValidationError({field_name: refusal(verdict)})
    return verdict.text


def clean_name(value: str) -> str:
    """A display name or username: refused when it holds any listed word, whatever its action. A name
    is shown beside everything its owner writes, so "＊＊粉丝" would be a mask worn everywhere; the fan
    picks another name instead."""
    verdict = check(value)
    if verdict.action is not None:
        raise ValidationError(
            _("A name cannot contain “%(words)s”. Choose another name.") % {"words": "”, “".join(verdict.words[:3])},
            code="listed_word",
        )
    return value


def save_word(word: str, action: str, note: str = "") -> SensitiveWord:
    """Add or change one entry (keyed on its normalised form)."""
    normalised = normalise(word)[:100]
    if not skeleton(normalised)[0]:
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
        if skeleton(normalised)[0] and normalised not in entries:
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
