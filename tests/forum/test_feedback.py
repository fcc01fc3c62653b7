import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Notification
from forum.models import MeToo, StatusChange, Thread
from forum.reading import queries
from forum.writing import feedback
from tests.forum.factories import board, fan, reply, staff, thread

pytestmark = pytest.mark.django_db


def _feedback(author=None, **kwargs):
    kwargs.setdefault("feedback_kind", "bug")
    return thread(author, slug="feedback", **kwargs)


def test_feedback_threads_carry_kind_device_version_and_start_open():
    t = _feedback(feedback_kind="suggestion", device_model="X1", software_version="2.1.0")
    assert (t.feedback_kind, t.device_model, t.software_version, t.status) == ("suggestion", "X1", "2.1.0", "open")


def test_staff_change_the_status_which_is_logged_and_notified(client):
    author = fan()
    t = _feedback(author)
    boss = staff()
    feedback.change_feedback_status(boss, t, "acknowledged", "we see it")
    feedback.change_feedback_status(boss, t, "in_progress", "")
    t.refresh_from_db()
    assert t.status == "in_progress"
    log = list(StatusChange.objects.filter(thread=t).values_list("from_status", "to_status", "note", "changed_by"))
    assert log == [("open", "acknowledged", "we see it", boss.pk), ("acknowledged", "in_progress", "", boss.pk)]
    assert Notification.objects.filter(recipient=author, kind="feedback", group=f"thread:{t.pk}").count() == 2
    html = client.get(t.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "we see it" in html and "status-log" in html


def test_only_staff_change_the_status():
    t = _feedback()
    with pytest.raises(PermissionDenied):
        feedback.change_feedback_status(fan(), t, "fixed", "")
    with pytest.raises(ValidationError):
        feedback.change_feedback_status(staff(), t, "nonsense", "")
    t.refresh_from_db()
    assert t.status == "open"


def test_a_duplicate_moves_its_me_too_votes_to_the_original():
    original = _feedback(title="original")
    dupe_author = fan()
    dupe = _feedback(dupe_author, title="dupe")
    voters = [fan() for _ in range(3)]
    for v in voters:
        feedback.toggle_me_too(v, dupe)
    feedback.toggle_me_too(voters[0], original)
    feedback.change_feedback_status(staff(), dupe, "duplicate", "same bug", duplicate_of=original)
    original.refresh_from_db()
    dupe.refresh_from_db()
    assert dupe.duplicate_of == original and dupe.me_too_count == 0
    assert original.me_too_count == 4  # three voters (one already there) plus the duplicate's author
    voted = set(MeToo.objects.filter(thread=original).values_list("user", flat=True))
    assert voted == {v.pk for v in voters} | {dupe_author.pk}


def test_a_duplicate_needs_an_original_other_than_itself():
    t = _feedback()
    with pytest.raises(ValidationError):
        feedback.change_feedback_status(staff(), t, "duplicate", "", duplicate_of=None)
    with pytest.raises(ValidationError):
        feedback.change_feedback_status(staff(), t, "duplicate", "", duplicate_of=t)


def test_me_too_is_one_per_fan():
    t = _feedback()
    voter = fan()
    assert feedback.toggle_me_too(voter, t) == (True, 1)
    assert feedback.toggle_me_too(voter, t) == (False, 0)


def test_official_answer_shows_under_the_first_post_and_time_to_first_staff_reply_is_recorded(client):
    author = fan()
    t = _feedback(author, body="it crashes")
    Thread.objects.filter(pk=t.pk).update(created_at=timezone.now() - datetime.timedelta(hours=2))
    reply(fan(), t, "me too it crashes")
    boss = staff()
    client.force_login(boss)
    response = client.post(f"/forum/t/{t.pk}/reply/", {"body": "Fixed in 2.1.1", "official": "on"})
    assert response.status_code == 302
    t.refresh_from_db()
    assert t.official_post.body == "Fixed in 2.1.1"
    waited = t.time_to_first_staff_reply
    assert datetime.timedelta(hours=1, minutes=59) < waited < datetime.timedelta(hours=2, minutes=1)
    html = client.get(t.get_absolute_url()).content.decode()
    assert html.index("official-answer") < html.index('id="floor-2"')
    assert Notification.objects.filter(recipient=author, kind="feedback").exists()


def test_only_staff_replies_become_official_answers():
    t = _feedback()
    r = reply(fan(), t, "not staff")
    with pytest.raises(ValidationError):
        feedback.mark_official_answer(staff(), r)


def test_feedback_list_filters_and_sorts(client):
    b = board("feedback")
    popular = _feedback(title="popular", feedback_kind="suggestion")
    bug = _feedback(title="a bug")
    answered = _feedback(title="answered")
    reply(staff(), answered, "on it")
    for _ in range(2):
        feedback.toggle_me_too(fan(), popular)
    feedback.change_feedback_status(staff(), bug, "acknowledged", "")
    titles = lambda **f: [t.title for t in queries.feedback_threads(b, 1, **f)[0]]  # noqa: E731
    assert titles(sort="votes")[0] == "popular"
    assert titles(status="acknowledged") == ["a bug"]
    assert titles(kind="suggestion") == ["popular"]
    assert titles(sort="unanswered") == ["popular", "a bug"]
    assert titles(sort="newest") == ["answered", "a bug", "popular"]
    html = client.get("/forum/b/feedback/", {"status": "acknowledged"}).content.decode()
    assert "a bug" in html and "popular" not in html
