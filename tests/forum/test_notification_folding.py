"""A thread's replies, quotes and mentions are folded: one unread notification per fan, thread and kind,
counting the events and leading to the first unread post still readable; replying does not watch."""

import datetime
import importlib

import pytest
from django.db import connection
from django.utils import timezone

from accounts import notifications
from accounts.models import Notification
from accounts.tasks import send_digest
from forum.models import Watch
from forum.moderation import moderate
from forum.writing import posting
from tests.forum.factories import fan, member, reply, thread
from tests.helpers import race

pytestmark = pytest.mark.django_db


def _repliers(count: int):
    return [fan(display_name=f"R{n}") for n in range(count)]


def _flood(t, repliers, replies: int) -> list:
    return [reply(repliers[n % len(repliers)], t, f"reply {n}") for n in range(replies)]


def _unread(user):
    return list(Notification.objects.filter(recipient=user, read_at__isnull=True))


def test_a_fan_who_replied_once_hears_only_of_quotes_and_a_watcher_gets_one_row_for_27_replies(client):
    author, once, watcher = fan(language="en"), fan(language="en"), fan(language="en")
    t = thread(author, title="Flashing the Mi 14")
    mine = reply(once, t, "my one reply")  # floor 2
    posting.set_watching(watcher, t, True)
    posting.mark_read(watcher, t, 2)
    others = _repliers(3)
    posts = _flood(t, others, 27)  # floors 3..29

    assert not Watch.objects.filter(thread=t, user=once).exists()  # replying does not watch
    assert _unread(once) == []
    (told,) = _unread(watcher)
    assert (told.kind, told.count, told.target_id, told.actor_id) == ("reply", 27, posts[0].pk, posts[-1].author_id)
    (authors,) = _unread(author)  # the author watches their own thread: the fan's reply too
    assert (authors.count, authors.target_id) == (28, mine.pk)

    client.force_login(watcher)
    page = client.get("/notifications/")
    html = page.content.decode()
    assert html.count('<li class="unread">') == 1 and page.context["unread_notifications"] == 1
    assert "27 new replies in “Flashing the Mi 14”, the latest by R2" in html
    response = client.get(f"/notifications/{told.pk}/")
    assert response["Location"] == f"{t.get_absolute_url()}?page=1#floor-3"  # the first unread post
    assert _unread(watcher) == []

    # A quote of the fan's post still reaches them, folded on its own kind.
    reply(others[0], t, "quoting you", quote=mine)
    reply(others[1], t, "quoting you again", quote=mine)
    (quoted,) = _unread(once)
    assert (quoted.kind, quoted.count) == ("quote", 2)
    # Read, the next reply starts a new group at its own post.
    (again,) = _unread(watcher)
    assert again.pk != told.pk and again.count == 2 and again.target_id != posts[0].pk


def test_reading_the_thread_past_the_first_unread_post_marks_its_notification_read(client):
    watcher = fan()
    t = thread(watcher, title="Pages")
    posting.mark_read(watcher, t, 1)
    _flood(t, _repliers(2), 19)  # floors 2..20
    posting.mark_read(watcher, t, 20)
    _flood(t, _repliers(2), 3)  # floors 21..23, the group starts at 21
    (told,) = _unread(watcher)
    assert told.count == 3

    client.force_login(watcher)
    client.get(t.get_absolute_url(), {"page": 1})  # floors up to 20: not there yet
    assert _unread(watcher) == [told]
    client.get(t.get_absolute_url(), {"page": 2})
    assert _unread(watcher) == []


@pytest.mark.django_db(transaction=True)
def test_two_replies_at_once_make_one_notification_counting_both():
    watcher = fan()
    t = thread(watcher, title="Race")
    repliers = _repliers(6)
    results = race(*[lambda u=u: posting.post_reply(u, t, f"at once {u.pk}") for u in repliers])
    assert all(not isinstance(r, Exception) for r in results), results
    (told,) = _unread(watcher)
    assert told.count == 6 and told.target_id == min(p.pk for p in results)


@pytest.mark.django_db(transaction=True)
def test_events_folded_at_once_outside_any_thread_lock_neither_duplicate_nor_lose_a_count():
    """The upsert alone holds: calls that do not serialise on the thread row (mentions added by edits)."""
    watchers = [fan() for _ in range(3)]
    t = thread(title="Upsert")
    post = t.posts.get(floor=1)

    def fold(actor):
        return notifications.notify_folded(watchers, "mention", "x", "/", f"thread:{t.pk}", actor, post.pk)

    results = race(*[lambda a=a: fold(a) for a in _repliers(8)])
    assert all(not isinstance(r, Exception) for r in results), results
    rows = Notification.objects.filter(kind="mention", read_at__isnull=True)
    assert sorted(rows.values_list("recipient_id", "count")) == sorted((w.pk, 8) for w in watchers)


def test_the_digest_has_one_line_per_thread_and_never_links_to_a_deleted_post_or_an_unreadable_thread(mailoutbox):
    watcher = fan(language="en")
    t = thread(watcher, title="Twenty-one")
    gone = thread(title="Withdrawn later")  # by someone else: its author could still read it
    posting.set_watching(watcher, gone, True)
    posting.mark_read(watcher, t, 1)
    repliers = _repliers(3)
    posts = _flood(t, repliers, 21)
    _flood(gone, repliers, 2)
    posting.delete_post(posts[0].author, posts[0])  # the first unread post (floor 2)
    moderate.hide_post(member("Moderators"), posts[1], "phone number")  # and the next (floor 3)
    moderate.withdraw_thread(member("Moderators"), gone, "personal data")
    Notification.objects.filter(recipient=watcher).update(digest_at=timezone.now(), emailed_at=None)

    assert send_digest(watcher.pk) == 2
    (mail,) = mailoutbox
    lines = [line for line in mail.body.splitlines() if line.startswith("- ")]
    assert lines == ["- 21 new replies in “Twenty-one”, the latest by R2"]
    assert f"{t.get_absolute_url()}?page=1#floor-4" in mail.body  # floor 4: the first still readable
    assert f"/forum/p/{posts[0].pk}/" not in mail.body and "Withdrawn" not in mail.body
    assert mail.subject == "[Fancity] 21 new notifications"


def test_a_notification_shows_the_threads_current_title_after_a_retitle(client, mailoutbox):
    author, watcher = fan(language="en"), fan(language="en")
    t = thread(author, title="Old title")
    posting.set_watching(watcher, t, True)
    reply(fan(display_name="Ann"), t, "hello")
    posting.edit_post(author, t.posts.get(floor=1), "First post", title="New title")

    client.force_login(watcher)
    html = client.get("/notifications/").content.decode()
    assert "Ann replied to “New title”" in html and "Old title" not in html
    from accounts.tasks import notification_email

    (told,) = _unread(watcher)
    mail = notification_email(Notification.objects.select_related("recipient", "actor").get(pk=told.pk))
    assert "New title" in mail.subject and "Old title" not in mail.body


def test_the_notifications_page_reads_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    watcher = fan(language="en")
    repliers = _repliers(2)
    for n in range(12):
        t = thread(title=f"Thread {n}")
        posting.set_watching(watcher, t, True)
        _flood(t, repliers, 2)
        reply(repliers[0], t, f"@{watcher.username} look")  # a mention: a second kind in the thread
    client.force_login(watcher)
    client.get("/notifications/")  # the first visit of the day is recorded once
    with django_assert_max_num_queries(6):
        response = client.get("/notifications/")
    assert response.context["unread_notifications"] == 24
    assert response.content.decode().count('<li class="unread">') == 24


def test_existing_unread_rows_of_a_thread_collapse_into_one_by_the_migration():
    migration = importlib.import_module("accounts.migrations.0006_fold_thread_notifications")
    watcher = fan()
    t = thread(title="Old rows")
    posts = _flood(t, _repliers(1), 3)
    start = timezone.now() - datetime.timedelta(hours=2)
    for n, post in enumerate(posts):
        Notification.objects.create(
            recipient=watcher,
            kind="reply",
            text=f"r{n}",
            url=post.get_absolute_url(),
            group=f"thread:{t.pk}",
            created_at=start + datetime.timedelta(minutes=n),
        )
    Notification.objects.create(recipient=watcher, kind="feedback", text="f", url="/", group=f"thread:{t.pk}")
    with connection.cursor() as cursor:
        cursor.execute(migration.FOLD_EXISTING)
    (folded,) = Notification.objects.filter(recipient=watcher, kind="reply")
    assert (folded.folds, folded.count, folded.target_id, folded.text) == (True, 3, posts[0].pk, "r0")
    assert Notification.objects.filter(recipient=watcher, kind="feedback").count() == 1


def test_a_folded_notification_is_mailed_once_then_what_it_gains_goes_to_hourly_digests(mailoutbox):
    from accounts.tasks import email_notifications

    watcher = fan(language="en")
    t = thread(watcher, title="Mail")
    repliers = _repliers(3)
    first = reply(repliers[0], t, "one")
    (told,) = _unread(watcher)
    assert email_notifications([told.pk]) == 1
    assert mailoutbox[0].subject == "[Fancity] R0 replied to “Mail”"
    assert f"?page=1#floor-{first.floor}" in mailoutbox[0].body

    _flood(t, repliers[1:], 2)
    told.refresh_from_db()
    assert told.count == 3 and told.emailed_at is None and told.digest_at is not None
    assert email_notifications([told.pk]) == 0  # a second delivery of the first mail's task: held
    Notification.objects.filter(pk=told.pk).update(digest_at=timezone.now())  # the hour has passed
    assert send_digest(watcher.pk) == 1
    assert "- 3 new replies in “Mail”, the latest by R2" in mailoutbox[1].body

    reply(repliers[0], t, "four")
    told.refresh_from_db()
    assert told.count == 4 and told.digest_at > timezone.now()  # an hour after the digest
    Notification.objects.filter(pk=told.pk).update(digest_at=timezone.now())
    assert send_digest(watcher.pk) == 1
    assert "- 4 new replies in “Mail”, the latest by R0" in mailoutbox[2].body
    assert mailoutbox[2].extra_headers["Message-ID"] != mailoutbox[1].extra_headers["Message-ID"]
