"""The role × action matrix of the forum's powers (forum/permissions.py): each role gets exactly its own,
and `is_staff` alone, which only opens the admin, gets none of them. Where SQL repeats a rule (the move
form's boards, who may not be banned), it is checked against the Python for every kind of user."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext

from accounts.roles import CORE_TESTERS, EVENT_STAFF, MODERATORS, SERVICE_DESK
from forum import attachments, permissions
from forum.boards import announcements_board
from forum.models import Attachment, Board, BoardModerator, Post
from forum.moderation import moderate
from forum.permissions import may_read_withdrawn, may_restore_thread
from forum.templatetags.forum import role_badge
from forum.writing import drafts, limits, posting
from forum.writing.limits import PostingLimited
from tests.forum.factories import board, fan, thread

pytestmark = pytest.mark.django_db


def _grouped(*names, **kwargs):
    user = fan(**kwargs)
    user.groups.add(*Group.objects.filter(name__in=names))
    return user


def _board_moderator():
    user = fan()
    BoardModerator.objects.create(user=user, board=board("general"))
    return user


def _bot():
    user = fan()
    user.user_permissions.add(Permission.objects.get(codename="post_without_limits"))
    return user


ROLES = {
    "fan": fan,
    "is_staff alone": lambda: fan(is_staff=True),
    "board moderator (general)": _board_moderator,
    "Moderators": lambda: _grouped(MODERATORS),
    "Event staff": lambda: _grouped(EVENT_STAFF, is_staff=True),
    "Service desk": lambda: _grouped(SERVICE_DESK, is_staff=True),
    "Core testers": lambda: _grouped(CORE_TESTERS),
    "superuser": lambda: fan(is_staff=True, is_superuser=True),
    "bot (post_without_limits)": _bot,
}
STAFF_ROLES = {"Moderators", "Event staff", "Service desk", "superuser"}

# Each power and exactly the roles that hold it (on a thread in the general board).
MATRIX = {
    "announce": {"Event staff", "superuser"},
    "edit someone else's post": set(),
    "edit their own post after the window": STAFF_ROLES,
    "edit their own hidden post": set(),
    "post without limits": STAFF_ROLES | {"bot (post_without_limits)"},
    "official post": STAFF_ROLES,
    "Staff badge": {"Event staff", "Service desk", "superuser"},
    "read a withdrawn thread": {"Moderators", "Service desk", "superuser", "board moderator (general)"},
    "restore a withdrawn thread": {"Service desk", "superuser"},
    "read a hidden post": {"Moderators", "superuser", "board moderator (general)"},
    "read earlier versions": {"Moderators", "superuser", "board moderator (general)"},
    "never banned on general": STAFF_ROLES | {"board moderator (general)"},
    "move a thread into 官方公告": {"superuser"},  # Event staff may announce but moderate no board
    "ban for good": {"Moderators", "superuser"},
}


def _old_post(user) -> Post:
    post = thread(user, title="Mine").posts.get()
    Post.objects.filter(pk=post.pk).update(created_at=timezone.now() - datetime.timedelta(hours=2))
    post.refresh_from_db()
    return post


def _withdrawn():
    t = thread(fan(), slug="general")
    moderate.withdraw_thread(_grouped(MODERATORS), t, "personal data")
    t.refresh_from_db()
    return t


def _hidden_post():
    post = thread(fan(), slug="general").posts.get()
    return moderate.hide_post(_grouped(MODERATORS), post, "spam")


def _edited_post():
    author = fan()
    post = thread(author, slug="general").posts.get()
    posting.edit_post(author, post, "my phone is 13912345678 — removed")
    return Post.objects.select_related("thread__board").get(pk=post.pk)


def _holds(power: str, user) -> bool:
    general = board("general")
    if power == "announce":
        return permissions.can_start_thread(user, announcements_board())
    if power == "edit someone else's post":
        return permissions.can_edit(user, thread(fan()).posts.get())
    if power == "edit their own post after the window":
        return permissions.can_edit(user, _old_post(user))
    if power == "edit their own hidden post":
        post = thread(user).posts.get()
        return permissions.can_edit(user, moderate.hide_post(_grouped(MODERATORS), post, "x"))
    if power == "post without limits":
        return permissions.posts_without_limits(user)
    if power == "official post":
        return thread(user).posts.get().by_staff
    if power == "Staff badge":
        return role_badge(user) == gettext("Staff")
    if power == "read a withdrawn thread":
        return may_read_withdrawn(user, _withdrawn())
    if power == "restore a withdrawn thread":
        return may_restore_thread(user)
    if power == "read a hidden post":
        return permissions.may_read_post(user, _hidden_post())
    if power == "read earlier versions":
        return permissions.may_read_versions(user, _edited_post())
    if power == "never banned on general":
        return permissions.is_unbannable(user, general)
    if power == "move a thread into 官方公告":
        return permissions.may_move_to(user, thread(fan()), announcements_board())
    if power == "ban for good":
        return None in permissions.ban_durations(user)
    raise AssertionError(power)


@pytest.mark.parametrize("power", MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_holds_exactly_its_own_powers(role, power):
    user = ROLES[role]()
    assert _holds(power, user) == (role in MATRIX[power])


def _limits_held(user) -> list[bool]:
    """Whether each budget holds `user`, who just posted and attached 50 files today: the interval
    between posts, previews, draft saves (counted per minute: twice the budget and one more overflows
    one minute even if the calls straddle two) and the daily files."""
    post = thread(user).posts.get()
    Post.objects.filter(author=user).update(created_at=timezone.now())  # just posted
    Attachment.objects.bulk_create(
        Attachment(
            post=post, uploader=user, kind="image", state="failed", name="a.png", content_type="image/png", size=1
        )
        for _ in range(attachments.MAX_FILES_PER_DAY)
    )
    outcomes = []
    for check in (
        lambda: limits.check(user, starting_thread=False),
        lambda: [limits.check_preview(user) for _ in range(2 * limits.PREVIEWS_PER_WINDOW + 1)],
        lambda: [drafts._check_rate(user) for _ in range(2 * drafts.SAVES_PER_MINUTE + 1)],
        lambda: attachments.check_daily_limit(user, 1),
    ):
        try:
            check()
        except (PostingLimited, drafts.TooManySaves):
            outcomes.append(True)
        else:
            outcomes.append(False)
    return outcomes


def test_is_staff_alone_is_held_by_every_limit():
    """The limits hold an account that only opens the admin, as they hold a fan; a staff role lifts them."""
    assert _limits_held(fan(is_staff=True)) == [True] * 4
    assert _limits_held(_grouped(SERVICE_DESK)) == [False] * 4


def test_is_staff_alone_cannot_announce_edit_others_or_read_hidden_text_through_the_pages(client):
    staff_only = fan(is_staff=True)
    other = thread(fan(), body="a fan's words").posts.get()
    hidden = moderate.hide_post(_grouped(MODERATORS), thread(fan(), body="秘密 13912345678").posts.get(), "x")
    client.force_login(staff_only)
    response = client.post("/forum/b/announcements/new/", {"title": "Official?", "body": "No."})
    assert response.status_code == 403
    assert client.get(f"/forum/p/{other.pk}/edit/").status_code == 403
    response = client.get(f"/forum/p/{hidden.pk}/edit/")
    assert response.status_code == 403 and "13912345678" not in response.content.decode()
    assert client.get(f"/forum/p/{hidden.pk}/versions/").status_code == 404


def test_event_staff_keep_meetup_announcements_current_through_a_checked_edit():
    """A system edit on a role's behalf (meetups.publishing.refresh_announcements) is checked by its caller."""
    publisher, colleague = _grouped(EVENT_STAFF), _grouped(EVENT_STAFF)
    first = thread(publisher, slug="announcements", title="见面会").posts.get()
    assert not permissions.can_edit(colleague, first)
    with pytest.raises(PermissionDenied):
        posting.edit_post(colleague, first, "改期")
    assert posting.edit_post(colleague, first, "改期", checked=True).body == "改期"


@pytest.mark.parametrize("role", ROLES)
def test_move_form_boards_agree_with_may_move_to(role):
    user = ROLES[role]()
    BoardModerator.objects.create(user=user, board=board("city-shenzhen"))
    for t in (thread(fan(), slug="general"), thread(fan(), slug="city-shenzhen"), thread(fan(), slug="feedback")):
        offered = set(permissions.move_destinations(user, t).values_list("pk", flat=True))
        assert offered == {b.pk for b in Board.objects.all() if permissions.may_move_to(user, t, b)}


@pytest.mark.parametrize("role", ROLES)
def test_unbannable_sql_agrees_with_python(role):
    user = ROLES[role]()
    inactive = _grouped(SERVICE_DESK, is_active=False)
    general = board("general")
    for b in (general, board("city-shenzhen")):
        expected = {u.pk for u in (user, inactive) if permissions.is_unbannable(u, b)}
        assert permissions.unbannable_among([user.pk, inactive.pk], b) == expected


def test_board_moderator_cannot_move_a_fans_thread_into_announcements_or_out_of_their_boards(client):
    mod = _board_moderator()
    t = thread(fan(), slug="general", title="粉丝的帖子")
    client.force_login(mod)
    page = client.get(f"/forum/t/{t.pk}/move/").content.decode()
    assert f'value="{board("general").pk}"' in page
    assert f'value="{announcements_board().pk}"' not in page and f'value="{board("city-shenzhen").pk}"' not in page
    response = client.post(
        f"/forum/t/{t.pk}/moderate/",
        {"action": "move", "board": announcements_board().pk, "reason": "想让大家看到"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400  # the move form again, with why, and the reason kept
    html = response.content.decode()
    assert "你不能把帖子移到官方公告" in html and 'value="想让大家看到"' in html
    t.refresh_from_db()
    assert t.board == board("general")
    with pytest.raises(Exception):  # noqa: B017 - the write refuses too, whoever calls it
        moderate.move_thread(mod, t, announcements_board())
