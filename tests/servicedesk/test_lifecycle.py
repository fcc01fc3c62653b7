"""A ticket's life with real posts: new → claimed → answered → reopened by the fan → solved → reopened."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Notification
from forum.models import Board, Post, Thread
from forum.writing import posting
from servicedesk import claims, lifecycle, queries, triage
from servicedesk.models import DeskSettings, Priority, Ticket, TicketEvent, TicketState
from tests.helpers import race
from tests.servicedesk.factories import fan, feedback, rewind, rule, staff


def _reply(author, thread, body, capture):
    """A reply through the forum, with the after-commit hooks run as they are in production."""
    with capture(execute=True):
        post = posting.post_reply(author, thread, body)
    rewind(author)
    return post


def _kinds(ticket) -> list[tuple[str, str]]:
    return [(e.kind, e.to_state) for e in TicketEvent.objects.filter(ticket=ticket).order_by("at", "pk")]


@pytest.mark.django_db
def test_lifecycle_from_new_to_solved_and_back_with_every_step_logged(django_capture_on_commit_callbacks):
    author = fan(display_name="小王")
    thread = feedback(author, title="快递还没到", body="订单 12345")
    ticket = triage.triage(thread.pk)
    assert ticket.state == TicketState.NEW and ticket.waiting_since
    member = staff(display_name="Ann")

    claims.claim(member, ticket.pk)
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.CLAIMED
    with django_capture_on_commit_callbacks(execute=True):
        claims.answer(member, ticket.pk, "已经发货了")
    rewind(member)
    ticket.refresh_from_db()
    assert ticket.state == TicketState.ANSWERED and ticket not in queries.queue()

    _reply(author, thread, "还是没有物流信息", django_capture_on_commit_callbacks)
    ticket.refresh_from_db()
    assert ticket.state == TicketState.REOPENED and ticket.claimed_by == member
    assert [t.pk for t in queries.queue()] == [ticket.pk]
    assert Notification.objects.filter(recipient=member, url=f"/staff/queue/{ticket.pk}/").exists()

    claims.answer(member, ticket.pk, "单号是 SF123")
    rewind(member)
    lifecycle.solve(member, ticket.pk)
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.SOLVED

    _reply(author, thread, "又出问题了", django_capture_on_commit_callbacks)
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.REOPENED
    assert _kinds(ticket) == [
        ("escalated", "new"),
        ("claimed", "claimed"),
        ("answered", "answered"),
        ("reopened", "reopened"),
        ("answered", "answered"),
        ("solved", "solved"),
        ("reopened", "reopened"),
    ]
    actors = [e.actor for e in TicketEvent.objects.filter(ticket=ticket).order_by("at", "pk")]
    assert actors == [None, member, member, author, member, member, author]


@pytest.mark.django_db
def test_a_fan_reply_before_any_answer_changes_nothing_and_other_fans_do_not_reopen(
    django_capture_on_commit_callbacks,
):
    author = fan()
    thread = feedback(author, title="问题", body="帮帮我")
    ticket = triage.triage(thread.pk)
    _reply(author, thread, "补充一下", django_capture_on_commit_callbacks)
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.NEW
    member = staff()
    claims.answer(member, ticket.pk, "好的")
    _reply(fan(), thread, "我也是", django_capture_on_commit_callbacks)
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.ANSWERED


@pytest.mark.django_db
def test_a_fan_reply_after_an_automatic_answer_sends_the_item_to_people(django_capture_on_commit_callbacks):
    rule("Battery", "battery", reply="Check Settings › Battery.")
    author = fan()
    thread = feedback(author, title="battery", body="drains fast")
    ticket = triage.triage(thread.pk)
    assert ticket.state == TicketState.ANSWERED and ticket.escalated_at is None
    _reply(author, thread, "That did not help", django_capture_on_commit_callbacks)
    ticket.refresh_from_db()
    assert ticket.state == TicketState.REOPENED and ticket.reason == Ticket.Reason.FAN_REPLIED
    assert ticket.priority == Priority.NORMAL and [t.pk for t in queries.queue()] == [ticket.pk]


@pytest.mark.django_db
def test_answered_items_are_solved_after_the_quiet_days_once():
    DeskSettings.objects.create(auto_solve_days=3)
    quiet, recent = (triage.triage(feedback(title=f"q{n}").pk) for n in range(2))
    member = staff()
    for ticket in (quiet, recent):
        claims.answer(member, ticket.pk, f"answer {ticket.pk}")
        rewind(member)
    Ticket.objects.filter(pk=quiet.pk).update(state_changed_at=timezone.now() - datetime.timedelta(days=4))
    assert lifecycle.solve_quiet_tickets() == 1
    assert lifecycle.solve_quiet_tickets() == 0
    assert Ticket.objects.get(pk=quiet.pk).state == TicketState.SOLVED
    assert Ticket.objects.get(pk=recent.pk).state == TicketState.ANSWERED
    event = TicketEvent.objects.get(ticket=quiet, kind=TicketEvent.Kind.AUTO_SOLVED)
    assert event.actor is None and event.from_state == TicketState.ANSWERED


@pytest.mark.django_db
def test_a_staff_reply_in_the_thread_answers_the_item_and_the_holder_gets_no_second_answer_form(
    client, django_capture_on_commit_callbacks
):
    thread = feedback(title="屏幕闪烁", body="怎么办")
    ticket = triage.triage(thread.pk)
    holder, other = staff(display_name="Ann"), staff(display_name="Bo")
    claims.claim(holder, ticket.pk)
    _reply(other, thread, "请升级到最新版本", django_capture_on_commit_callbacks)
    ticket.refresh_from_db()
    assert ticket.state == TicketState.ANSWERED and ticket.answered_by == other

    client.force_login(holder)
    page = client.get(f"/staff/queue/{ticket.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'value="answer"' not in html and "请升级到最新版本" in html  # the whole conversation, no form
    posts = Post.objects.filter(thread=thread).count()
    response = client.post(f"/staff/queue/{ticket.pk}/", {"action": "answer", "body": "second answer"}, follow=True)
    assert response.status_code == 200 and Post.objects.filter(thread=thread).count() == posts


@pytest.mark.django_db
def test_answering_an_item_someone_else_holds_asks_for_confirmation_first(client):
    thread = feedback(title="账号问题", body="登录不了")
    ticket = triage.triage(thread.pk)
    claims.claim(staff(display_name="Ann"), ticket.pk)
    member = staff()
    client.force_login(member)
    page = client.get(f"/staff/queue/{ticket.pk}/")
    assert page.status_code == 200 and "Ann" in page.content.decode()

    refused = client.post(f"/staff/queue/{ticket.pk}/", {"action": "answer", "body": "试试重置密码"})
    assert refused.status_code == 409
    assert 'name="confirm"' in refused.content.decode() and "Ann" in refused.content.decode()
    assert not Post.objects.filter(thread=thread, author=member).exists()

    done = client.post(f"/staff/queue/{ticket.pk}/", {"action": "answer", "body": "试试重置密码", "confirm": "1"})
    assert done.status_code == 302
    ticket.refresh_from_db()
    assert ticket.state == TicketState.ANSWERED and ticket.claimed_by == member
    assert Post.objects.filter(thread=thread, author=member, body="试试重置密码").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_staff_answering_the_same_item_at_once_send_one_answer():
    thread = feedback(title="快递丢了", body="帮我查一下")
    ticket = triage.triage(thread.pk)
    first, second = staff(), staff()
    results = race(
        lambda: claims.answer(first, ticket.pk, "我们查一下", confirm=True),
        lambda: claims.answer(second, ticket.pk, "正在处理", confirm=True),
    )
    posted = [r for r in results if isinstance(r, Post)]
    refused = [r for r in results if isinstance(r, claims.AlreadyClaimed)]
    assert len(posted) == 1 and len(refused) == 1, results
    assert Post.objects.filter(thread=thread, by_staff=True).count() == 1
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.ANSWERED
    assert TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.ANSWERED).count() == 1


@pytest.mark.django_db
def test_queue_with_ten_thousand_open_items_pages_by_state_in_a_fixed_number_of_queries(
    client, django_assert_max_num_queries
):
    board = Board.objects.get(slug="feedback")
    author = fan()
    now = timezone.now()
    threads = Thread.objects.bulk_create(
        Thread(board=board, author=author, title=f"item {n}", created_at=now, last_post_at=now, status="open")
        for n in range(10_000)
    )
    member = staff()
    Ticket.objects.bulk_create(
        (Ticket(
            thread=t, created_at=now, escalated_at=now, waiting_since=now - datetime.timedelta(seconds=n),
            priority=Priority.URGENT if n % 10 == 0 else Priority.NORMAL,
            state=[TicketState.NEW, TicketState.CLAIMED, TicketState.REOPENED][n % 3],
            claimed_by=member if n % 3 else None,
        )
        for n, t in enumerate(threads)),
        batch_size=1000,
    )  # fmt: skip
    client.force_login(member)
    client.get("/staff/queue/")
    for url in (
        "/staff/queue/",
        "/staff/queue/?page=2",
        "/staff/queue/?state=reopened&page=67",
        "/staff/queue/?page=999",
    ):
        with django_assert_max_num_queries(9):
            page = client.get(url)
        assert page.status_code == 200, url
    html = page.content.decode()
    assert 'data-state="open">' in html and ">10000<" in html and html.count('class="card queue-item') == 50
    assert 'aria-current="page">200<' in html  # the last page, bounded
    tab = client.get("/staff/queue/?state=new").content.decode()
    assert ">3334<" in tab and 'rel="next"' in tab
