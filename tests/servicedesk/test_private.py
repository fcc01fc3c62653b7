"""Private requests: only the fan and desk staff read them; same rules, queue and lifecycle as feedback."""

import pytest
from django.contrib.auth.models import Group

from accounts.deletion import delete_account
from accounts.export import export_personal_data
from accounts.models import Notification
from accounts.roles import MODERATORS
from servicedesk import claims, private, queries
from servicedesk.models import Priority, PrivateMessage, PrivateRequest, Ticket, TicketEvent, TicketState
from tests.servicedesk.factories import fan, rule, staff

pytestmark = pytest.mark.django_db


def _moderator():
    user = fan(is_staff=True)
    user.groups.add(Group.objects.get(name=MODERATORS))
    return user


def test_an_order_request_is_routed_to_people_as_urgent_and_staff_are_told():
    rule("订单", "订单\n快递\n刷机", escalate=Priority.URGENT)
    member = staff()
    request = private.open_request(fan(), "订单没到", "订单号 12345，电话 13800000000")
    ticket = Ticket.objects.get(request=request)
    assert ticket.state == TicketState.NEW and ticket.priority == Priority.URGENT
    assert [t.pk for t in queries.queue()] == [ticket.pk]
    assert Notification.objects.filter(recipient=member, url=f"/staff/queue/{ticket.pk}/").exists()


def test_a_rule_with_a_reply_answers_the_private_request_in_the_fans_language():
    rule("Account", "password", reply="Reset it under Settings › Account, {{ name }}.")
    author = fan(display_name="Lee", language="en")
    request = private.open_request(author, "password", "I forgot my password")
    ticket = Ticket.objects.get(request=request)
    bot_message = PrivateMessage.objects.filter(request=request).exclude(author=author).get()
    assert "Reset it under Settings › Account, Lee." in bot_message.body and "Automatic answer" in bot_message.body
    assert ticket.state == TicketState.ANSWERED and ticket.escalated_at is None


def test_answers_go_both_ways_with_notifications_and_the_fans_reply_reopens():
    author = fan()
    request = private.open_request(author, "账号被盗", "怎么办")
    ticket = Ticket.objects.get(request=request)
    member = staff()
    claims.claim(member, ticket.pk)
    message = claims.answer(member, ticket.pk, "请修改密码")
    assert message.by_staff and Ticket.objects.get(pk=ticket.pk).state == TicketState.ANSWERED
    assert Notification.objects.filter(recipient=author, url=message.get_absolute_url()).exists()

    private.send_message(author, request.pk, "改了还是不行")
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.REOPENED
    assert Notification.objects.filter(recipient=member, url=f"/staff/queue/{ticket.pk}/").exists()
    private.send_message(member, request.pk, "我们帮你重置")
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.ANSWERED
    kinds = list(TicketEvent.objects.filter(ticket=ticket).order_by("at", "pk").values_list("kind", flat=True))
    assert kinds == ["escalated", "claimed", "answered", "reopened", "answered"]


def test_only_the_fan_and_desk_staff_can_read_a_private_request(client, django_assert_max_num_queries):
    author = fan()
    request = private.open_request(author, "快递地址", "北京市某某路 1 号")
    url = request.get_absolute_url()
    assert client.get(url).status_code == 302  # to the login page
    for outsider in (fan(), _moderator()):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.post(url, {"body": "let me in"}).status_code == 404
    assert PrivateMessage.objects.filter(request=request).count() == 1
    for reader in (author, staff()):
        client.force_login(reader)
        client.get(url)  # the day's first request also records activity and saves the session
        with django_assert_max_num_queries(10):
            page = client.get(url)
        assert page.status_code == 200 and "北京市某某路 1 号" in page.content.decode()


def test_a_fan_opens_and_follows_up_through_the_pages(client, django_assert_max_num_queries):
    author = fan()
    client.force_login(author)
    client.get("/servicedesk/requests/")
    with django_assert_max_num_queries(8):
        assert client.get("/servicedesk/requests/").status_code == 200
    response = client.post("/servicedesk/requests/", {"subject": "刷机失败", "body": "手机开不了机"})
    request = PrivateRequest.objects.get(fan=author)
    assert response.status_code == 302 and response["Location"] == request.get_absolute_url()
    assert client.post(request.get_absolute_url(), {"body": ""}).status_code == 400
    assert client.post(request.get_absolute_url(), {"body": "补充：型号 X1"}).status_code == 302
    assert client.post("/servicedesk/requests/", {"subject": "", "body": "x"}).status_code == 400
    member = staff()
    client.force_login(member)
    ticket = Ticket.objects.get(request=request)
    page = client.get(f"/staff/queue/{ticket.pk}/")
    assert page.status_code == 200 and "补充：型号 X1" in page.content.decode()


def test_the_fans_requests_are_exported_and_erased_with_the_account():
    author, other = fan(), fan()
    private.open_request(author, "订单问题", "订单号 999")
    kept = private.open_request(other, "另一个", "不相关")
    data = export_personal_data(author)["servicedesk"]
    assert data["private_requests"][0]["messages"][0]["text"] == "订单号 999"
    assert data["tickets"][0]["state"] == TicketState.NEW and data["ticket_history"]

    delete_account(author)

    assert not PrivateRequest.objects.filter(fan=author).exists()
    assert not PrivateMessage.objects.filter(body="订单号 999").exists()
    assert PrivateRequest.objects.filter(pk=kept.pk).exists()
    assert export_personal_data(author)["servicedesk"]["private_requests"] == []
