"""Deleting an account erases what the forum stores about the fan; their posts stay as "deleted user"."""

import pytest

from accounts.deletion import delete_account
from accounts.export import export_personal_data
from forum.models import Like, MeToo, Post, ReadMark, Report, Thread, Watch
from forum.moderation import moderate
from forum.writing import feedback, posting
from tests.forum.factories import fan, reply, staff, thread

pytestmark = pytest.mark.django_db


def test_deletion_erases_likes_votes_watches_read_marks_and_resolved_reports_and_keeps_posts():
    leaving, other = fan(), fan()
    talk = thread(other, title="Talk")
    first = talk.posts.get(floor=1)
    answer = reply(other, talk)
    bug = thread(other, slug="feedback", title="Bug", feedback_kind="bug")
    own = reply(leaving, talk, "my words stay")
    posting.toggle_like(leaving, first, on=True)
    posting.toggle_like(other, first, on=True)
    posting.set_watching(leaving, talk, True)
    posting.mark_read(leaving, talk, 3)
    feedback.toggle_me_too(leaving, bug, on=True)
    resolved = moderate.report_post(leaving, answer, "resolved already")
    moderate.resolve_report(staff(), resolved, "fine")
    open_report = moderate.report_post(leaving, first, "still open")

    delete_account(leaving)

    assert not Like.objects.filter(user=leaving).exists()
    assert not MeToo.objects.filter(user=leaving).exists()
    assert not Watch.objects.filter(user=leaving).exists()
    assert not ReadMark.objects.filter(user=leaving).exists()
    assert list(Report.objects.filter(reporter=leaving)) == [open_report]  # a moderator still needs it
    assert Post.objects.get(pk=first.pk).like_count == 1  # the other fan's like
    assert Thread.objects.get(pk=bug.pk).me_too_count == MeToo.objects.filter(thread=bug).count() == 0
    kept = Post.objects.get(pk=own.pk)
    assert kept.body == "my words stay" and kept.author.public_name != leaving.username


def test_after_deletion_the_export_holds_only_the_posts_and_another_fans_export_is_whole():
    leaving, other = fan(), fan()
    talk = thread(other)
    reply(leaving, talk, "still here")
    posting.toggle_like(leaving, talk.posts.get(floor=1), on=True)
    posting.set_watching(other, talk, True)
    before = export_personal_data(other)["forum"]

    delete_account(leaving)

    forum = export_personal_data(leaving)["forum"]
    assert [p["body"] for p in forum["posts"]] == ["still here"]
    assert (forum["likes"], forum["watching"], forum["me_too"], forum["reports"]) == ([], [], [], [])
    assert export_personal_data(other)["forum"] == before
