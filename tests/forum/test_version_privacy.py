"""Who reads a post's earlier versions (forum/writing/history.py, forum.permissions): every reader sees that it
was edited and when; the text of earlier versions only its author and its board's moderators; a version
hidden by the author or a moderator (logged) only the author and site-wide moderators."""

import pytest
from django.test import Client

from accounts.roles import EVENT_STAFF, MODERATORS, SERVICE_DESK
from forum.models import BoardModerator, ModerationAction, ModerationKind, PostVersion
from forum.writing import history, posting
from tests.forum.factories import board, fan, member, thread

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _board_moderator():
    user = fan()
    BoardModerator.objects.create(user=user, board=board("general"))
    return user


def _edited():
    """A fan posts their phone number, then edits it out."""
    author = fan()
    post = thread(author, slug="general", title="求助", body=f"联系我 {PHONE}").posts.get()
    posting.edit_post(author, post, "联系我：私信")
    post.refresh_from_db()
    return author, post


READERS = {
    "anonymous": (lambda author: None, False),
    "a fan": (lambda author: fan(), False),
    "is_staff alone": (lambda author: fan(is_staff=True), False),
    "service desk": (lambda author: member(SERVICE_DESK), False),
    "event staff": (lambda author: member(EVENT_STAFF), False),
    "the author": (lambda author: author, True),
    "the board's moderator": (lambda author: _board_moderator(), True),
    "a site-wide moderator": (lambda author: member(MODERATORS), True),
}


@pytest.mark.parametrize("reader", READERS)
def test_earlier_text_is_for_the_author_and_the_boards_moderators(reader):
    author, post = _edited()
    make, reads = READERS[reader]
    response = _client(make(author)).get(f"/forum/p/{post.pk}/versions/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert "联系我：私信" in page and "Version 2 (current)" in page  # the post as it is, and that it was edited
    assert (PHONE in page) is reads  # neither in the old version nor in the diff
    if not reads:
        assert "shown only to the author and the board" in page


def test_the_author_hides_a_version_and_it_is_logged():
    author, post = _edited()
    (version,) = PostVersion.objects.filter(post=post)
    client = _client(author)
    page = client.get(f"/forum/p/{post.pk}/versions/").content.decode()
    assert f'action="/forum/v/{version.pk}/hide/"' in page
    assert client.post(f"/forum/v/{version.pk}/hide/").status_code == 302
    version.refresh_from_db()
    assert version.hidden_at is not None and version.hidden_by == author
    action = ModerationAction.objects.get(kind=ModerationKind.HIDE_VERSION)
    assert (action.moderator, action.post, action.fan, action.detail) == (author, post, author, "v1")
    # The board's own moderators (fans too) no longer read it; site-wide moderators and the author do.
    assert PHONE not in _client(_board_moderator()).get(f"/forum/p/{post.pk}/versions/").content.decode()
    assert PHONE in _client(member(MODERATORS)).get(f"/forum/p/{post.pk}/versions/").content.decode()
    assert PHONE in client.get(f"/forum/p/{post.pk}/versions/").content.decode()
    # and the author may show it again, logged.
    assert client.post(f"/forum/v/{version.pk}/unhide/").status_code == 302
    version.refresh_from_db()
    assert version.hidden_at is None
    assert ModerationAction.objects.filter(kind=ModerationKind.UNHIDE_VERSION, moderator=author).exists()


def test_a_board_moderator_hides_a_version_but_cannot_show_it_again():
    author, post = _edited()
    (version,) = PostVersion.objects.filter(post=post)
    mod = _board_moderator()
    client = _client(mod)
    assert client.post(f"/forum/v/{version.pk}/hide/").status_code == 302
    assert ModerationAction.objects.get(kind=ModerationKind.HIDE_VERSION).moderator == mod
    assert client.post(f"/forum/v/{version.pk}/unhide/").status_code == 403
    page = client.get(f"/forum/p/{post.pk}/versions/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This version was hidden." in page and PHONE not in page
    # A moderator's log shows it for the board.
    assert "v1" in client.get("/forum/moderation/log/").content.decode()


@pytest.mark.parametrize("reader", ["a fan", "is_staff alone", "service desk", "anonymous"])
def test_readers_who_may_not_read_versions_cannot_hide_them(reader):
    author, post = _edited()
    (version,) = PostVersion.objects.filter(post=post)
    user = READERS[reader][0](author)
    response = _client(user).post(f"/forum/v/{version.pk}/hide/")
    assert response.status_code in ((302,) if user is None else (403,))  # anonymous: to the sign-in page
    version.refresh_from_db()
    assert version.hidden_at is None
    assert not ModerationAction.objects.exists()


def test_hiding_is_only_for_earlier_versions_and_a_hidden_version_stays_out_of_every_diff():
    author, post = _edited()
    posting.edit_post(author, post, "联系我：私信（已更新）")
    first = PostVersion.objects.filter(post=post).order_by("pk").first()
    history.hide_version(author, first)
    post.refresh_from_db()
    shown = {v.number: v for v in history.versions(_board_moderator(), post)}
    assert not shown[1].readable and shown[1].html == "" and shown[2].changes == []
    assert shown[3].changes  # between two versions the moderator may read
