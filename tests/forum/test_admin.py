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
