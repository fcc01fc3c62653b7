"""The staff queue: order, claims (one winner under a race), answers that stop the clock, hand back."""

import datetime

import pytest
from django.utils import timezone

from forum.models import Thread
from forum.writing import posting
from servicedesk import claims, queries, triage
from servicedesk.models import DeskSettings, Priority, Ticket
from tests.helpers import race
from tests.servicedesk.factories import fan, feedback, rewind, rule, staff


def _escalated(title: str, minutes_ago: int = 0, urgent: bool = False) -> Ticket:
    thread = feedback(title=title, body="need help")
    ticket = triage.triage(thread.pk)
    if urgent:
        Ticket.objects.filter(pk=ticket.pk).update(priority=Priority.URGENT)
    past = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    Thread.objects.filter(pk=thread.pk).update(created_at=past)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=past, escalated_at=past, waiting_since=past)
    return Ticket.objects.get(pk=ticket.pk)


@pytest.mark.django_db
def test_queue_is_most_urgent_then_oldest_first_and_skips_answered_items():
    old = _escalated("old normal", 60)
    new_urgent = _escalated("new urgent", 1, urgent=True)
    old_urgent = _escalated("old urgent", 30, urgent=True)
    done = _escalated("answered", 90)
    claims.answer(staff(), done.pk, "Fixed in the next update.")
    assert [t.pk for t in queries.queue()] == [old_urgent.pk, new_urgent.pk, old.pk]


@pytest.mark.django_db
def test_first_staff_reply_stops_the_clock_and_later_replies_do_not_move_it():
    ticket = _escalated("where is my parcel", 20)
    thread = ticket.thread
    posting.post_reply(thread.author, thread, "any news?")  # the fan's own reply does not count
    rewind(thread.author)
    assert Thread.objects.get(pk=thread.pk).first_staff_reply_at is None
    member = staff()
    claims.claim(member, ticket.pk)
    post = claims.answer(member, ticket.pk, "We are on it.")
    thread.refresh_from_db()
    assert thread.first_staff_reply_at == post.created_at
    assert datetime.timedelta(minutes=19) < thread.time_to_first_staff_reply < datetime.timedelta(minutes=21)
    rewind(member)
    posting.post_reply(staff(), thread, "A second staff answer.")
    stopped = Thread.objects.get(pk=thread.pk)
    assert stopped.first_staff_reply_at == post.created_at
    ticket = queries.ticket_for_page(ticket.pk)
    assert ticket.answered_by == member and queries.age(ticket) == thread.time_to_first_staff_reply


@pytest.mark.django_db
def test_a_staff_reply_in_the_thread_itself_also_takes_the_item_off_the_queue(django_capture_on_commit_callbacks):
    ticket = _escalated("问题", 5)
    with django_capture_on_commit_callbacks(execute=True):
        posting.post_reply(staff(), ticket.thread, "答复")
    assert queries.queue() == []


@pytest.mark.django_db
def test_claimed_item_cannot_be_answered_or_claimed_by_someone_else():
    ticket = _escalated("help", 5)
    first, second = staff(display_name="Ann"), staff()
    claims.claim(first, ticket.pk)
    with pytest.raises(claims.AlreadyClaimed, match="Ann"):
        claims.claim(second, ticket.pk)
    with pytest.raises(claims.AlreadyClaimed):
        claims.answer(second, ticket.pk, "me too")
    claims.hand_back(first, ticket.pk)
    assert claims.claim(second, ticket.pk).claimed_by == second


@pytest.mark.django_db
def test_fans_cannot_claim():
    from django.core.exceptions import PermissionDenied

    ticket = _escalated("help", 5)
    with pytest.raises(PermissionDenied):
        claims.claim(fan(), ticket.pk)


@pytest.mark.django_db(transaction=True)
def test_two_staff_claiming_at_once_exactly_one_wins_and_the_other_is_told():
    rule("快递", "快递", escalate=Priority.URGENT)
    tickets = [triage.triage(feedback(title=f"快递 {n}", body="丢了").pk) for n in range(2)]
    members = [staff(), staff()]
    for ticket in tickets:
        results = race(*[(lambda m=m, t=ticket: claims.claim(m, t.pk).claimed_by_id) for m in members])
        winners = [m.pk for m, r in zip(members, results, strict=True) if r == m.pk]
        losers = [r for r in results if isinstance(r, claims.AlreadyClaimed)]
        assert len(winners) == 1 and len(losers) == 1
        assert Ticket.objects.get(pk=ticket.pk).claimed_by_id == winners[0]
        assert losers[0].ticket.claimed_by_id == winners[0]


@pytest.mark.django_db
def test_queue_page_highlights_items_past_the_target(client, django_assert_max_num_queries):
    DeskSettings.objects.create(target_minutes=10)
    late = _escalated("late one", 11)
    fresh = _escalated("fresh one", 2)
    for n in range(5):
        _escalated(f"more {n}", n)
    client.force_login(staff())
    client.get("/staff/queue/")
    with django_assert_max_num_queries(8):
        page = client.get("/staff/queue/")
    html = page.content.decode()
    assert page.status_code == 200
    late_item = html.split(late.thread.title)[0].rsplit("<li", 1)[1]
    fresh_item = html.split(fresh.thread.title)[0].rsplit("<li", 1)[1]
    assert "overdue" in late_item and "overdue" not in fresh_item


@pytest.mark.django_db
def test_queue_claim_and_answer_through_the_pages(client, django_assert_max_num_queries):
    ticket = _escalated("my order", 3)
    member = staff()
    client.force_login(member)
    assert client.post(f"/staff/queue/{ticket.pk}/", {"action": "claim"}).status_code == 302
    client.get(f"/staff/queue/{ticket.pk}/")  # the first one also writes the desk settings row
    # tags, notes, the agents and teams to assign to, and the fan's context (tickets, threads, meetups)
    with django_assert_max_num_queries(14):
        assert client.get(f"/staff/queue/{ticket.pk}/").status_code == 200
    response = client.post(f"/staff/queue/{ticket.pk}/", {"action": "answer", "body": "Shipped today."})
    assert response.status_code == 302
    thread = Thread.objects.get(pk=ticket.thread_id)
    assert thread.first_staff_reply_at and thread.posts.filter(body="Shipped today.", by_staff=True).exists()


@pytest.mark.django_db
def test_the_other_staff_member_is_told_who_claimed(client):
    ticket = _escalated("my order", 3)
    claims.claim(staff(display_name="Bo"), ticket.pk)
    client.force_login(staff())
    response = client.post(f"/staff/queue/{ticket.pk}/", {"action": "claim"}, follow=True)
    assert "Bo" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).claimed_by.display_name == "Bo"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/staff/queue/", "/staff/insights/", "/staff/insights/segments/", "/staff/insights/segments.csv"]
)
def test_staff_pages_are_for_staff_only(client, url):
    assert client.get(url).status_code == 302 and "/accounts/login/" in client.get(url)["Location"]
    client.force_login(fan())
    assert client.get(url).status_code == 403
