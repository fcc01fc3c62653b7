"""The sensitive-word filter (敏感词): block, hold for a moderator, mask; titles, posts, names and bios."""

import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts import wordfilter
from accounts.models import Notification, SensitiveWord, WordAction
from forum import attachments
from forum.models import BoardModerator, HeldPost, ModerationAction, Post, Thread
from forum.moderation import moderate
from forum.writing import posting, screening
from forum.writing.screening import HeldForReview
from tests.forum.factories import board, fan, thread

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def words(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        wordfilter.save_word("代购", WordAction.BLOCK)
        wordfilter.save_word("加微信", WordAction.HOLD)
        wordfilter.save_word("SB", WordAction.MASK)
        wordfilter.save_word("ass", WordAction.MASK)


def test_matching_is_nfkc_case_folded_and_respects_latin_word_ends():
    automaton = wordfilter.build([("sb", WordAction.MASK, "SB"), ("代购", WordAction.BLOCK, "代购")])
    assert wordfilter.check_with(automaton, "你是 Ｓｂ 吗").text == "你是 ＊＊ 吗"
    assert wordfilter.check_with(automaton, "sbsb and usb").action is None  # glued to other Latin letters
    assert wordfilter.check_with(automaton, "我sb了").text == "我＊＊了"  # Chinese next to it is an end
    verdict = wordfilter.check_with(automaton, "ＳＢ代购")
    assert verdict.action == WordAction.BLOCK and verdict.words == ("代购",)
    assert wordfilter.check_with(None, "anything").action is None


SPACED = wordfilter.build(
    [
        ("赌博", WordAction.BLOCK, "赌博"),
        ("sb", WordAction.MASK, "SB"),
        ("ass", WordAction.MASK, "ass"),
        ("vx号", WordAction.HOLD, "vx号"),
        ("fuck you", WordAction.MASK, "fuck you"),
    ]
)


@pytest.mark.parametrize(
    "text",
    [
        "来赌 博吧",
        "来赌*博吧",
        "来赌.博吧",
        "来赌　博吧",  # a full-width space
        "来赌\u200b博吧",  # zero-width space
        "来赌\u200d\u2060博吧",  # zero-width joiner, word joiner
        "来赌\u00ad博吧",  # soft hyphen
        "来赌\u0336博\u0336吧",  # combining strike-through
        "来赌\n博吧",
        "来赌🎲博吧",
        "来赌 . * _ ~ 博吧",
        "来赌，博吧",
        "来ｄ赌　*　博吧",
    ],
)
def test_separators_between_chinese_characters_do_not_hide_a_word(text):
    assert wordfilter.check_with(SPACED, text).action == WordAction.BLOCK


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("你是 s b 吗", "你是 ＊ ＊ 吗"),
        ("你是S.B吗", "你是＊＊＊吗"),
        ("a.s.s!", "＊＊＊＊＊!"),
        ("a s s hole", "＊ ＊ ＊ hole"),
        ("f-u-c-k you", "＊＊＊＊＊＊＊ ＊＊＊"),  # spelled out, then a word
        ("f-u-c-k it", "f-u-c-k it"),  # "fuck you" is listed, not "fuck"
        ("fuck.you", "＊＊＊＊＊＊＊＊"),
        ("fuck \u200b you", "＊＊＊＊  ＊＊＊"),  # the zero-width space inside a masked word goes
    ],
)
def test_latin_letters_standing_alone_are_read_together_and_masked_where_they_were(text, masked):
    assert wordfilter.check_with(SPACED, text).text == masked


@pytest.mark.parametrize(
    "text",
    [
        "glass hole",  # two Latin words are never read as one
        "as sorted",
        "class a s",  # a lone letter next to a word is not glued to it
        "x a s s y",  # the spelled-out letters are glued to their lone neighbours: "xassy"
        "use usb",
        "赌场 博物馆",
    ],
)
def test_separators_between_latin_words_still_separate_them(text):
    assert wordfilter.check_with(SPACED, text).action is None


def test_a_mixed_word_matches_across_the_space_between_chinese_and_latin():
    assert wordfilter.check_with(SPACED, "加 VX 号 123").action == WordAction.HOLD
    assert wordfilter.check_with(SPACED, "加 vx 号 123").text == "加 vx 号 123"  # held, not masked


def test_listed_words_are_read_as_the_text_is():
    automaton = wordfilter.build([("赌 博", WordAction.MASK, "赌 博"), ("赌博", WordAction.BLOCK, "赌博")])
    assert wordfilter.check_with(automaton, "赌博").action == WordAction.BLOCK  # the stronger of the two
    assert wordfilter.build([("*** ", WordAction.BLOCK, "***")]) is None  # nothing left to match
    with pytest.raises(ValidationError):
        wordfilter.save_word("* * *", WordAction.BLOCK)


SEPARATORS = st.text(
    alphabet=st.sampled_from(" \t\n\u3000\u200b\u200c\u200d\u2060\ufeff\u00ad.,*-_~·。，！!？|/\\😀\u0336"),
    min_size=0,
    max_size=4,
)
# Arbitrary text that holds no character of 赌博: whatever is around the word, it stays as it was.
AROUND = st.text(alphabet=st.characters(exclude_characters="赌博", exclude_categories=("Cs",)), max_size=20)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(before=AROUND, gaps=st.lists(SEPARATORS, min_size=1, max_size=1), after=AROUND)
def test_any_separators_between_the_characters_of_a_chinese_word_are_seen_through(before, gaps, after):
    automaton = wordfilter.build([("赌博", WordAction.MASK, "赌博")])
    text = f"{before}赌{gaps[0]}博{after}"
    verdict = wordfilter.check_with(automaton, text)
    assert verdict.action == WordAction.MASK
    assert "赌" not in verdict.text and "博" not in verdict.text
    assert verdict.text.startswith(before) and verdict.text.endswith(after)  # only the word is masked
    middle = verdict.text[len(before) : len(verdict.text) - len(after)]
    assert all(unicodedata.category(c) not in ("Cf", "Cc") or c.isspace() for c in middle)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(text=st.text(max_size=200))
def test_any_text_has_a_matching_form_that_points_back_into_it(text):
    form, where = wordfilter.skeleton(text)
    assert len(form) == len(where)
    assert where == sorted(where) and all(0 <= i < len(text) for i in where)
    assert not form.startswith(" ") and not form.endswith(" ") and "  " not in form
    verdict = wordfilter.check_with(SPACED, text)
    assert len(verdict.text) <= len(text)
    if verdict.action != WordAction.MASK:
        assert verdict.text == text


def test_a_blocked_word_refuses_the_post_with_a_clear_message(words, client):
    author = fan()
    with pytest.raises(ValidationError) as refused:
        posting.start_thread(author, board(), "代购手机", "便宜")
    assert "代购" in str(refused.value.message_dict["title"])
    assert not Thread.objects.exists()
    client.force_login(author)
    response = client.post("/forum/b/general/new/", {"title": "hello", "body": "找 代购"})
    assert response.status_code == 400 and "代购" in response.content.decode()


def test_a_masked_word_is_starred_in_titles_and_posts(words):
    t = thread(fan(), title="你 sb 吧", body="SB! class ass")
    post = t.posts.get()
    assert t.title == "你 ＊＊ 吧" and post.body == "＊＊! class ＊＊＊"


def test_a_held_post_appears_only_after_approval(words, client):
    author = fan()
    t = thread(fan())
    with pytest.raises(HeldForReview) as held:
        posting.post_reply(author, t, "加微信 123")
    waiting = screening.hold(held.value)
    assert not Post.objects.filter(author=author).exists()
    # The author sees it as pending; other fans do not see it in the thread.
    client.force_login(author)
    assert "加微信 123" in client.get("/forum/pending/").content.decode()
    client.force_login(fan())
    assert "加微信 123" not in client.get(t.get_absolute_url()).content.decode()
    # It waits on the page of the board's moderators, and only theirs.
    other = fan()
    BoardModerator.objects.create(board=board("city-shenzhen"), user=other)
    client.force_login(other)
    assert "加微信 123" not in client.get("/forum/moderation/").content.decode()
    assert client.post(f"/forum/moderation/held/{waiting.pk}/approve/").status_code == 403
    mod = fan()
    BoardModerator.objects.create(board=board(), user=mod)
    client.force_login(mod)
    assert "加微信 123" in client.get("/forum/moderation/").content.decode()
    assert client.post(f"/forum/moderation/held/{waiting.pk}/approve/").status_code == 302
    post = Post.objects.get(author=author)
    assert post.thread == t and post.floor == 2
    waiting.refresh_from_db()
    assert waiting.approved and waiting.post == post
    assert ModerationAction.objects.filter(kind="approve", post=post, moderator=mod).exists()
    assert Notification.objects.filter(recipient=author, kind="moderation").exists()
    client.force_login(fan())
    assert "加微信 123" in client.get(t.get_absolute_url()).content.decode()


def test_a_held_thread_from_the_form_goes_to_the_pending_page_and_can_be_rejected(words, client):
    author = fan()
    client.force_login(author)
    response = client.post("/forum/b/general/new/", {"title": "求助", "body": "请加微信"})
    assert response.status_code == 302 and response["Location"] == "/forum/pending/"
    held = HeldPost.objects.get()
    assert held.thread is None and not Thread.objects.filter(title="求助").exists()
    moderate.reject_held(fan(is_superuser=True), held, "no contact details")
    held.refresh_from_db()
    assert held.approved is False
    assert "no contact details" in client.get("/forum/pending/").content.decode()


def test_a_held_word_cannot_be_added_by_editing(words):
    author = fan()
    t = thread(author)
    with pytest.raises(ValidationError):
        posting.edit_post(author, t.posts.get(), "加微信")


def test_display_names_and_bios_are_screened(words, client):
    user = fan()
    client.force_login(user)
    form = {"display_name": "代购王", "city": "深圳", "bio": "", "language": "", "email_kinds": []}
    page = client.get("/settings/")
    assert page.status_code == 200
    response = client.post("/settings/", form)
    assert response.status_code in (200, 400) and "代购" in response.content.decode()
    user.refresh_from_db()
    assert user.display_name != "代购王"
    client.post("/settings/", {**form, "display_name": "小明", "bio": "我 sb 了"})
    user.refresh_from_db()
    assert user.bio == "我 ＊＊ 了"
    # A name is never masked: even a word that a post would only mask is refused in a name.
    response = client.post("/settings/", {**form, "display_name": "S.B粉丝"})
    assert response.status_code in (200, 400) and "名字不能包含“SB”" in response.content.decode()
    user.refresh_from_db()
    assert user.display_name == "小明"


def test_the_automaton_is_rebuilt_when_the_list_changes(django_capture_on_commit_callbacks):
    assert wordfilter.check("新词").action is None
    with django_capture_on_commit_callbacks(execute=True):
        wordfilter.save_word("新词", WordAction.BLOCK)
    assert wordfilter.check("新词").action == WordAction.BLOCK
    with django_capture_on_commit_callbacks(execute=True):
        SensitiveWord.objects.filter(normalised="新词").delete()
        wordfilter.list_changed()
    assert wordfilter.check("新词").action is None


def test_words_pasted_in_the_admin_are_imported_once_normalised_with_the_chosen_action(
    client, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    with django_capture_on_commit_callbacks(execute=True):
        wordfilter.save_word("代购", WordAction.BLOCK)
    client.force_login(fan(is_staff=True, is_superuser=True))
    url = "/admin/accounts/sensitiveword/import/"
    assert (
        'href="/admin/accounts/sensitiveword/import/"' in client.get("/admin/accounts/sensitiveword/").content.decode()
    )
    with django_assert_max_num_queries(8):
        assert client.get(url).status_code == 200
    assert client.post(url, {"words": "x", "action": "explode"}).status_code == 400
    pasted = "加微信\n\n  ＶＸ号  \nvx号\n代购\n加微信\n刷单\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"words": pasted, "action": WordAction.HOLD, "note": "spam list"})
    assert response.status_code == 302 and response["Location"] == "/admin/accounts/sensitiveword/"
    listed = dict(SensitiveWord.objects.values_list("normalised", "action"))
    assert listed == {
        "代购": WordAction.BLOCK,
        "加微信": WordAction.HOLD,
        "vx号": WordAction.HOLD,
        "刷单": WordAction.HOLD,
    }
    assert (
        SensitiveWord.objects.get(normalised="vx号").word == "ＶＸ号"
        and SensitiveWord.objects.get(normalised="刷单").note == "spam list"
    )
    assert wordfilter.check("请 VX号 联系").action == WordAction.HOLD  # the filter was rebuilt
    assert wordfilter.import_words("刷单\n新词", WordAction.MASK) == (1, 1)
    client.force_login(fan(is_staff=True))
    assert client.get(url).status_code in (302, 403)


def _held_reply_with_files(client, t):
    from tests.forum.test_attachments import png, upload

    author = fan()
    client.force_login(author)
    response = client.post(
        f"/forum/t/{t.pk}/reply/",
        {"body": "加微信 看图", "images": [upload("a.png", png())], "logs": [upload("a.log", b"boot failed\n")]},
    )
    assert response.status_code == 302 and response["Location"] == "/forum/pending/"
    return author, HeldPost.objects.get(author=author)


def test_a_held_posts_attachments_wait_with_it_and_are_kept_when_approved(words, client):
    from forum.models import Attachment

    t = thread(fan(), slug="feedback", feedback_kind="bug")
    author, held = _held_reply_with_files(client, t)
    assert not Attachment.objects.exists()
    kept = held.extra["attachments"]
    assert sorted(f["kind"] for f in kept) == ["image", "log"]
    assert all(storages["private"].exists(f["original"]) for f in kept)

    post = moderate.approve_held(fan(is_superuser=True), held)

    image, log = Attachment.objects.filter(post=post).order_by("kind")
    assert (image.kind, image.state, image.uploader, image.name) == ("image", "pending", author, "a.png")
    assert (log.kind, log.state, log.original) == ("log", "ready", kept[1]["original"])
    assert attachments.process_image(image.pk) == "ready"  # processed as any other image
    client.force_login(author)
    assert client.get(f"/forum/a/{log.pk}/").status_code == 200


def test_a_rejected_held_posts_attachments_are_deleted(words, client, django_capture_on_commit_callbacks):
    t = thread(fan(), slug="feedback", feedback_kind="bug")
    _author, held = _held_reply_with_files(client, t)
    kept = held.extra["attachments"]
    with django_capture_on_commit_callbacks(execute=True):
        moderate.reject_held(fan(is_superuser=True), held, "no contact details")
    assert not any(storages["private"].exists(f["original"]) for f in kept)
