"""A public feedback thread that carries personal data is moved by desk staff into a private request."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied

from accounts.models import Notification
from accounts.roles import MODERATORS
from forum.models import ModerationAction, Post, Thread
from forum.writing import posting
from servicedesk import claims, private, satisfaction, triage
from servicedesk.models import PrivateMessage, PrivateRequest, Rating, Ticket, TicketEvent, TicketState
from servicedesk.tasks import triage_missed
from tests.helpers import race
from tests.servicedesk.factories import fan, feedback, rewind, staff


def _moderator():
    user = fan(is_staff=True)
    user.groups.add(Group.objects.get(name=MODERATORS))
    return user


def _answered_thread(capture):
    """A fan's delivery question with their order number, a staff answer, a bystander's reply, the fan's follow-up."""
    author = fan(display_name="小王")
    thread = feedback(author, title="快递还没到 订单 12345", body="订单号 12345，电话 13800000000")
    ticket = triage.triage(thread.pk)
    member = staff(display_name="客服小李")
    with capture(execute=True):
        answer = claims.answer(member, ticket.pk, "请私信我们地址")
    rewind(member)
    with capture(execute=True):
        posting.post_reply(fan(), thread, "我也想知道")
    with capture(execute=True):
        posting.post_reply(author, thread, "地址是北京市某某路 1 号")
    rewind(author)
    return author, thread, Ticket.objects.get(pk=ticket.pk), member, answer


@pytest.mark.django_db
def test_staff_move_a_thread_into_a_private_request_and_the_thread_leaves_public_view(
    client, django_capture_on_commit_callbacks
):
    author, thread, ticket, member, answer = _answered_thread(django_capture_on_commit_callbacks)
    satisfaction.rate_post(author, answer.pk, False, "还要私信？")
    events_before = TicketEvent.objects.filter(ticket=ticket).count()

    request = private.move_thread(member, ticket.pk, public_title="快递问题")

    moved = Ticket.objects.get(pk=ticket.pk)
    assert moved.request == request and moved.thread_id is None and moved.state == TicketState.REOPENED
    assert request.fan == author and request.subject == "快递还没到 订单 12345" and request.moved_from == thread
    texts = list(request.messages.order_by("pk").values_list("body", "by_staff"))
    assert texts == [
        ("订单号 12345，电话 13800000000", False),
        ("请私信我们地址", True),
        ("地址是北京市某某路 1 号", False),
    ]  # the bystander's reply is not part of the conversation
    events = list(TicketEvent.objects.filter(ticket=ticket).order_by("at", "pk"))
    assert len(events) == events_before + 1 and events[-1].kind == "moved" and events[-1].actor == member
    rating = Rating.objects.get()
    assert rating.post_id is None and rating.message.body == "请私信我们地址"

    thread.refresh_from_db()
    assert thread.is_locked and thread.title == "快递问题" and thread.reply_count == 0
    assert not Post.objects.filter(thread=thread, hidden_at__isnull=True).exists()
    assert Post.objects.filter(thread=thread).count() == 4  # hidden, not deleted
    assert ModerationAction.objects.filter(thread=thread, kind="hide", moderator=member).count() == 1
    assert Notification.objects.filter(recipient=author, url=request.get_absolute_url()).exists()

    html = client.get(thread.get_absolute_url()).content.decode()
    assert "13800000000" not in html and "12345" not in html and "北京市某某路" not in html
    for outsider in (fan(), _moderator()):
        client.force_login(outsider)
        assert client.get(request.get_absolute_url()).status_code == 404
    for reader in (author, member):
        client.force_login(reader)
        page = client.get(request.get_absolute_url())
        assert page.status_code == 200 and "13800000000" in page.content.decode()


@pytest.mark.django_db
def test_a_moved_thread_is_not_triaged_again():
    author = fan()
    thread = feedback(author, title="订单", body="订单号 1")
    ticket = triage.triage(thread.pk)
    private.move_thread(staff(), ticket.pk)
    assert triage.triage(thread.pk) is None
    triage_missed()  # no worker here: it would queue the thread; it must find nothing to queue
    assert Ticket.objects.count() == 1 and not Ticket.objects.filter(thread=thread).exists()


@pytest.mark.django_db
def test_only_desk_staff_move_a_thread():
    thread = feedback(fan(), title="订单", body="订单号 1")
    ticket = triage.triage(thread.pk)
    for outsider in (thread.author, fan(), _moderator()):
        with pytest.raises(PermissionDenied):
            private.move_thread(outsider, ticket.pk)
    assert not PrivateRequest.objects.exists()


@pytest.mark.django_db
def test_the_ticket_page_moves_only_with_confirmation(client):
    thread = feedback(fan(), title="订单", body="订单号 1")
    ticket = triage.triage(thread.pk)
    client.force_login(staff())
    url = f"/staff/queue/{ticket.pk}/"
    assert 'value="move"' in client.get(url).content.decode()
    assert client.post(url, {"action": "move"}).status_code == 400
    assert not PrivateRequest.objects.exists()
    response = client.post(url, {"action": "move", "confirm": "1", "public_title": ""})
    request = PrivateRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == request.get_absolute_url()
    assert Thread.objects.get(pk=thread.pk).title == "订单"
    page = client.get(url)
    assert page.status_code == 200 and 'value="move"' not in page.content.decode()
    client.force_login(fan())
    assert client.post(url, {"action": "move", "confirm": "1"}).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_two_staff_moving_at_once_make_one_private_request():
    thread = feedback(fan(), title="订单", body="订单号 1")
    ticket = triage.triage(thread.pk)
    first, second = staff(), staff()
    results = race(lambda: private.move_thread(first, ticket.pk), lambda: private.move_thread(second, ticket.pk))
    assert all(isinstance(r, PrivateRequest) for r in results), results
    assert results[0].pk == results[1].pk and PrivateRequest.objects.count() == 1
    assert PrivateMessage.objects.count() == 1
    assert TicketEvent.objects.filter(ticket=ticket, kind="moved").count() == 1
