"""Featured threads (精华): a board's moderators mark them (logged), a badge shows it, a tab lists them."""

import pytest

from accounts.models import Notification
from forum.models import BoardModerator, ModerationAction, ModerationKind
from forum.moderation import moderate
from tests.forum.factories import board, fan, thread

pytestmark = pytest.mark.django_db


def _moderator_of(slug: str):
    user = fan()
    BoardModerator.objects.create(board=board(slug), user=user)
    return user


def test_a_board_moderator_features_a_thread_which_is_logged_and_its_author_told(client):
    author, mod = fan(language="en"), _moderator_of("general")
    t = thread(author, title="刷机教程")
    client.force_login(mod)
    response = client.post(f"/forum/t/{t.pk}/moderate/", {"action": "feature", "reason": "写得好"})
    assert response.status_code == 302
    t.refresh_from_db()
    assert t.is_featured
    action = ModerationAction.objects.get(kind=ModerationKind.FEATURE)
    assert (action.moderator, action.thread, action.fan, action.reason) == (mod, t, author, "写得好")
    told = Notification.objects.get(recipient=author, kind="moderation")
    assert told.text == "A moderator featured your thread “刷机教程” (精华)."

    client.post(f"/forum/t/{t.pk}/moderate/", {"action": "unfeature"})
    t.refresh_from_db()
    assert not t.is_featured and ModerationAction.objects.filter(kind=ModerationKind.UNFEATURE).count() == 1


def test_fans_and_moderators_of_other_boards_cannot_feature(client):
    t = thread(title="普通")
    for user in (fan(), _moderator_of("feedback")):
        client.force_login(user)
        assert client.post(f"/forum/t/{t.pk}/moderate/", {"action": "feature"}).status_code == 403
    t.refresh_from_db()
    assert not t.is_featured and not ModerationAction.objects.exists()


def test_the_badge_shows_in_lists_and_on_the_thread_and_the_tab_lists_only_featured(client):
    mod = _moderator_of("general")
    good = thread(title="精选好帖")
    thread(title="普通帖子")
    moderate.set_featured(mod, good, True)

    board_page = client.get("/forum/b/general/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = board_page.content.decode()
    assert board_page.status_code == 200
    row = html.split("精选好帖")[0].rsplit('<li class="thread-row', 1)[1]
    assert '<span class="tag featured">精华</span>' in row
    assert '<span class="tag featured">' not in html.split("普通帖子")[0].rsplit('<li class="thread-row', 1)[1]

    tab = client.get("/forum/b/general/", {"featured": "1"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert tab.status_code == 200
    assert [t.title for t, _fragment in tab.context["threads"]] == ["精选好帖"]
    thread_page = client.get(good.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert thread_page.status_code == 200 and '<span class="tag featured">精华</span>' in thread_page.content.decode()


def test_the_featured_tab_pages_and_takes_junk(client):
    mod = _moderator_of("general")
    for n in range(31):
        moderate.set_featured(mod, thread(title=f"好帖{n}"), True)
    first = client.get("/forum/b/general/", {"featured": "1"})
    assert first.status_code == 200 and len(first.context["threads"]) == 30 and first.context["pages"].has_next
    assert "featured=1&amp;page=2" in first.content.decode() or "featured=1&page=2" in first.content.decode()
    second = client.get("/forum/b/general/", {"featured": "1", "page": "2"})
    assert second.status_code == 200 and len(second.context["threads"]) == 1
    for junk in ("abc", "-1", "99999999999999999999"):
        assert client.get("/forum/b/general/", {"featured": "1", "page": junk}).status_code == 200
    assert client.get("/forum/b/feedback/", {"featured": "1"}).status_code == 200
