import pytest

from forum.models import Board, StatusChange, Thread
from tests.forum.factories import fan, reply, staff, thread

pytestmark = pytest.mark.django_db


def test_admin_pages_for_boards_threads_posts_and_reports_open(client):
    t = thread(slug="feedback", feedback_kind="bug")
    post = reply(fan(), t)
    client.force_login(staff(is_superuser=True))
    for url in [
        "/admin/forum/board/",
        f"/admin/forum/board/{Board.objects.get(slug='general').pk}/change/",
        "/admin/forum/thread/",
        f"/admin/forum/thread/{t.pk}/change/",
        "/admin/forum/post/",
        f"/admin/forum/post/{post.pk}/change/",
        "/admin/forum/report/",
    ]:
        assert client.get(url).status_code == 200, url


def test_admin_status_action_goes_through_the_logged_workflow(client):
    t = thread(slug="feedback", feedback_kind="bug")
    client.force_login(staff(is_superuser=True))
    client.post("/admin/forum/thread/", {"action": "set_status_acknowledged", "_selected_action": [t.pk]})
    assert Thread.objects.get(pk=t.pk).status == "acknowledged"
    assert StatusChange.objects.get(thread=t).to_status == "acknowledged"


def test_moderators_group_may_change_threads_and_reports_but_not_delete_them():
    from django.contrib.auth.models import Group

    codenames = set(Group.objects.get(name="Moderators").permissions.values_list("codename", flat=True))
    assert {"change_thread", "change_post", "change_report", "view_board"} <= codenames
    assert "delete_post" not in codenames


def test_an_admin_action_shows_each_refusal_and_goes_on_with_the_batch(client):
    from forum.models import Report

    t = thread()
    blank, fine = reply(fan(), t, "first"), reply(fan(), t, "second")
    reporter = fan()
    refused = Report.objects.create(post=blank, reporter=reporter, reason="   ")
    accepted = Report.objects.create(post=fine, reporter=reporter, reason="spam")
    client.force_login(staff(is_superuser=True, language="en"))
    response = client.post(
        "/admin/forum/report/",
        {"action": "hide_posts", "_selected_action": [refused.pk, accepted.pk]},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert any("Give a reason" in m for m in shown), shown
    blank.refresh_from_db()
    fine.refresh_from_db()
    assert blank.hidden_at is None and fine.hidden_at is not None
