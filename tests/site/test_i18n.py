"""The Chinese catalogue is complete and the committed .mo matches the .po."""

import gettext
import re
from html import unescape
from pathlib import Path

import polib
import pytest

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


def test_our_translations_of_django_and_allauth_messages_win_and_hold_no_english():
    """accounts/translations.py: ours is the one shown (LOCALE_PATHS comes first), and it is Chinese."""
    from django.utils import translation

    overrides = [e for e in entries() if any(path == "accounts/translations.py" for path, _line in e.occurrences)]
    assert len(overrides) > 30
    with translation.override("zh-hans"):
        for e in overrides:
            if e.msgid_plural:
                shown, ours = translation.ngettext(e.msgid, e.msgid_plural, 8), e.msgstr_plural[0]
            else:
                shown, ours = translation.gettext(e.msgid), e.msgstr
            assert shown == ours, e.msgid
            words = re.findall(r"[A-Za-z]{2,}", re.sub(r"%\(\w+\)[sd]|%[sd]", "", ours))
            assert set(words) <= {"IP"}, (e.msgid, ours)


@pytest.mark.django_db
def test_the_email_page_gives_the_pending_and_the_new_address_different_labels(client):
    from allauth.account.models import EmailAddress

    from tests.factories import UserFactory

    fan = UserFactory()
    EmailAddress.objects.create(user=fan, email="new@example.com", verified=False, primary=False)
    client.force_login(fan)
    client.cookies["django_language"] = "zh-hans"
    html = client.get("/accounts/email/").content.decode()
    assert "待验证的新邮箱" in html and "新邮箱地址" in html and "改为" not in html
    assert "重新发送验证邮件" in html and "Email" not in _visible_text(html)


def _visible_text(html: str) -> str:
    """What a reader sees: text and the attributes read aloud or shown, without scripts, styles, the
    city list (names are bilingual on purpose) and hidden inputs."""
    html = re.sub(r"<(script|style|datalist)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<input[^>]*type="hidden"[^>]*>', " ", html)
    shown = re.findall(r'(?:placeholder|aria-label|title|alt)="([^"]*)"', html)
    text = re.sub(r"<[^>]+>", " ", html)
    return " ".join([unescape(text), *map(unescape, shown)])


# Latin words a Chinese reader may rightly see: the other language's name in the language menu,
# formats, and what the test data itself writes (usernames, addresses).
ALLOWED = {
    "English",
    "JSON",
    "Atom",
    "Markdown",
    "https",
    "JPEG",
    "PNG",
    "WebP",
    "GIF",
    "HEIC",
    "zip",
    "txt",
    "log",
    "MB",
}


@pytest.mark.django_db
def test_the_main_pages_show_a_chinese_fan_no_english(client):
    from django.core.cache import cache

    from meetups.models import Meetup
    from tests.factories import UserFactory
    from tests.forum.factories import thread
    from tests.meetups.factories import MeetupFactory

    fan = UserFactory(username="xiaoming", display_name="小明", email="xiaoming@example.com")
    t = thread(fan, title="刷机以后无法开机", body="求助")
    meetup = MeetupFactory(title="深圳见面会")
    assert meetup.status == Meetup.Status.PUBLISHED
    signed_out = [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/no-such-page/",
    ]
    signed_in = [
        "/",
        "/forum/",
        "/forum/b/general/",
        t.get_absolute_url(),
        "/forum/b/general/new/",
        "/forum/b/feedback/new/",
        "/forum/search/?q=刷机",
        "/settings/",
        "/u/xiaoming/",
        "/notifications/",
        "/meetups/",
        meetup.get_absolute_url(),
        "/meetups/mine/",
        "/servicedesk/requests/",
        "/accounts/email/",
        "/accounts/password/change/",
    ]
    client.cookies["django_language"] = "zh-hans"
    found = {}
    for signed, paths in ((False, signed_out), (True, signed_in)):
        if signed:
            client.force_login(fan)
        for path in paths:
            cache.clear()
            html = client.get(path).content.decode()
            words = set(re.findall(r"[A-Za-z][A-Za-z'’-]{2,}", _visible_text(html))) - ALLOWED
            words -= {"xiaoming", "example", "com"}
            if words:
                found[path] = sorted(words)
    assert found == {}


@pytest.mark.django_db
def test_the_avatar_box_has_labels_of_our_own_and_shows_the_picture_not_its_path(client):
    from django.core.files.base import ContentFile

    from tests.factories import UserFactory
    from tests.forum.test_attachments import png

    fan = UserFactory()
    client.force_login(fan)
    client.cookies["django_language"] = "zh-hans"
    html = client.get("/settings/").content.decode()
    assert '<label class="file-choose" for="id_avatar">选择头像图片</label>' in html
    fan.avatar.save("me.png", ContentFile(png()))
    html = client.get("/settings/").content.decode()
    assert '<label class="file-choose" for="id_avatar">选择新头像</label>' in html
    assert '<label for="avatar-clear_id">删除当前头像</label>' in html
    assert f'<img src="{fan.avatar.url}"' in html
    assert "目前" not in html and "修改:" not in html and f">{fan.avatar.name}<" not in html
