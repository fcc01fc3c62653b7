"""The forum lets higher apps act through settings, never by importing them (forum/hooks.py)."""

import pytest
from django.test import override_settings

from forum.writing import posting
from tests.forum.factories import board, fan, thread

CREATED: list[int] = []


def record(thread_id: int) -> None:
    CREATED.append(thread_id)


def explode(thread_id: int) -> None:
    raise RuntimeError(f"a broken hook for thread {thread_id}")


@pytest.mark.django_db(transaction=True)
@override_settings(FORUM_FEEDBACK_HOOKS=["tests.forum.test_hooks.explode", "tests.forum.test_hooks.record"])
def test_feedback_hooks_run_after_the_commit_and_a_failing_one_loses_nothing():
    CREATED.clear()
    t = posting.start_thread(fan(), board("feedback"), "闪退", "打开就闪退", feedback_kind="bug")
    assert CREATED == [t.pk]  # the broken hook before it was logged, not raised
    assert t.posts.count() == 1
    posting.start_thread(fan(), board("general"), "聊天", "大家好")
    assert CREATED == [t.pk]  # only feedback threads


@pytest.mark.django_db
@override_settings(FORUM_FEEDBACK_HOOKS=["tests.forum.test_hooks.record"])
def test_feedback_hooks_wait_for_the_commit():
    CREATED.clear()
    thread(slug="feedback", feedback_kind="bug")  # the test's transaction never commits
    assert CREATED == []


@pytest.mark.django_db
@override_settings(FORUM_THREAD_PANELS=[])
def test_the_thread_page_works_with_no_panel_registered(client):
    t = thread(slug="feedback", feedback_kind="bug", title="无面板")
    response = client.get(t.get_absolute_url())
    assert response.status_code == 200 and "无面板" in response.content.decode()
