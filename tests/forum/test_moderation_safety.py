"""Moderation asks before it bans or locks, offers a moderator only what their role may do, and answers a
refusal with the form again: a clear error in their language, and the reason they typed kept."""

import pytest
from django.test import Client

from accounts.roles import MODERATORS, SERVICE_DESK
from forum.models import BoardModerator
from forum.moderation import moderate
from tests.forum.factories import board, fan, member, reply, thread

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _board_moderator(**kwargs):
    user = fan(**kwargs)
    BoardModerator.objects.create(user=user, board=board("general"))
    return user


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _reported(author):
    post = reply(author, thread(fan(), slug="general", title="二手交易"), "加我私聊")
    moderate.report_post(fan(), post, "站外交易")
    return post


def test_a_ban_from_the_queue_asks_first_and_keeps_the_reports_reason():
    offender, mod = fan(), _board_moderator()
    post = _reported(offender)
    client = _client(mod)
    response = client.post(f"/forum/p/{post.pk}/ban/", {"reason": "站外交易", "duration": "7"}, **ZH)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="confirm" value="yes"' in html and "站外交易</textarea>" in html and "取消" in html
    offender.refresh_from_db()
    assert not offender.is_banned
    confirmed = {"reason": "站外交易", "duration": "7", "confirm": "yes"}
    assert client.post(f"/forum/p/{post.pk}/ban/", confirmed).status_code == 302
    offender.refresh_from_db()
    assert offender.is_banned


def test_a_board_moderator_is_offered_only_bans_for_a_time():
    post = _reported(fan())
    for user, forever in ((_board_moderator(), False), (member(MODERATORS), True)):
        client = _client(user)
        assert ('value="forever"' in client.get("/forum/moderation/").content.decode()) is forever
        assert ('value="forever"' in client.get(f"/forum/p/{post.pk}/ban/").content.decode()) is forever


def test_a_refused_ban_for_good_is_the_forms_error_with_the_reason_kept():
    offender, mod = fan(), _board_moderator()
    post = _reported(offender)
    data = {"reason": "第三次发广告", "duration": "forever", "confirm": "yes"}
    response = _client(mod).post(f"/forum/p/{post.pk}/ban/", data, **ZH)
    assert response.status_code == 400
    html = response.content.decode()
    assert "只有全站版主可以永久封禁" in html and "第三次发广告</textarea>" in html
    offender.refresh_from_db()
    assert not offender.is_banned


@pytest.mark.parametrize("who", ["themselves", "service desk staff", "a moderator of the board", "a superuser"])
def test_nobody_is_offered_a_ban_they_cannot_give_and_a_forced_one_says_why(who):
    mod = _board_moderator()
    author = {
        "themselves": lambda: mod,
        "service desk staff": lambda: member(SERVICE_DESK),
        "a moderator of the board": lambda: _board_moderator(),
        "a superuser": lambda: fan(is_superuser=True),
    }[who]()
    post = _reported(author)
    client = _client(mod)
    queue = client.get("/forum/moderation/").content.decode()
    assert f'action="/forum/p/{post.pk}/ban/"' not in queue
    page = client.get(post.thread.get_absolute_url()).content.decode()
    assert f'href="/forum/p/{post.pk}/ban/"' not in page
    expected = "你不能封禁自己" if who == "themselves" else "不能被封禁"
    opened = client.get(f"/forum/p/{post.pk}/ban/", **ZH)  # by its address: the page says why at once
    assert opened.status_code == 403 and expected in opened.content.decode()
    data = {"reason": "广告", "duration": "1", "confirm": "yes"}
    response = client.post(f"/forum/p/{post.pk}/ban/", data, **ZH)
    assert response.status_code == 403
    html = response.content.decode()
    assert expected in html
    assert "广告</textarea>" in html  # the form again, not the generic 403 page
    author.refresh_from_db()
    assert not author.is_banned


def test_the_ban_button_shows_under_a_fans_post_for_a_moderator():
    post = reply(fan(), thread(fan(), slug="general"), "广告")
    page = _client(_board_moderator()).get(post.thread.get_absolute_url()).content.decode()
    assert f'href="/forum/p/{post.pk}/ban/"' in page


def test_lock_asks_first_from_the_queue_and_the_thread_page():
    post = _reported(fan())
    t = post.thread
    client = _client(_board_moderator())
    response = client.post(f"/forum/t/{t.pk}/moderate/", {"action": "lock", "reason": "站外交易"}, **ZH)
    assert response.status_code == 200
    html = response.content.decode()
    assert "锁定“二手交易”？" in html and 'name="action" value="lock"' in html and "站外交易</textarea>" in html
    t.refresh_from_db()
    assert not t.is_locked
    data = {"action": "lock", "reason": "站外交易", "confirm": "yes"}
    assert client.post(f"/forum/t/{t.pk}/moderate/", data).status_code == 302
    t.refresh_from_db()
    assert t.is_locked
    # Unlocking is the undo: no question.
    assert client.post(f"/forum/t/{t.pk}/moderate/", {"action": "unlock"}).status_code == 302
    t.refresh_from_db()
    assert not t.is_locked


def test_lift_the_ban_shows_only_to_those_who_may_lift_it():
    """A fan banned on a city club, then banned again on general: the club's moderator reads the first
    ban in their log but the last one is general's to lift, so no button that would end on a 403."""
    offender = fan()
    club_mod = fan()
    BoardModerator.objects.create(user=club_mod, board=board("city-shenzhen"))
    club_post = reply(offender, thread(fan(), slug="city-shenzhen"), "广告")
    general_post = _reported(offender)
    moderate.ban_author(club_mod, club_post, "广告", 1)
    general_mod = _board_moderator()
    moderate.ban_author(general_mod, general_post, "又发广告", 7)
    button = f'action="/forum/moderation/fans/{offender.pk}/unban/"'
    club_log = _client(club_mod).get("/forum/moderation/log/").content.decode()
    assert "广告" in club_log and button not in club_log
    assert button in _client(general_mod).get("/forum/moderation/log/").content.decode()
