"""Answer by email: the desk's mail carries a signed reply address; the fan's reply, sent over a real SMTP
session to the desk's aiosmtpd listener, lands in the ticket, trimmed of the quoted history."""

import smtplib
from email.message import EmailMessage

import pytest

from accounts.deletion import delete_account
from accounts.export import export_personal_data
from accounts.models import Notification
from accounts.tasks import notification_email
from forum.models import Board, Post
from forum.writing import posting
from scripts import devtools
from servicedesk import answer_mail, claims, mail_replies, private, triage
from servicedesk.models import InboundMail, PrivateMessage, Ticket, TicketState
from servicedesk.smtp import listener
from tests.helpers import wait_until
from tests.servicedesk.factories import fan, feedback, rewind, staff

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def smtp_port():
    port = devtools.free_port()
    controller = listener("127.0.0.1", port)
    yield port
    controller.stop()


def _reply(port: int, frm: str, to: str, text: str, message_id: str = "<r1@example.com>") -> None:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"], mail["Message-ID"] = frm, to, "Re: your question", message_id
    mail.set_content(text)
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.send_message(mail)


QUOTED = """Still broken after the update.
It shows a black screen.

On Sun, 6 Dec 2026 at 10:00, Fancity <noreply@fancity.example> wrote:
> Please try a factory reset.
> -- 
> Reply to this mail to answer
"""


def _answered_request(author):
    request = private.open_request(author, "屏幕问题", "更新后黑屏")
    ticket = Ticket.objects.get(request=request)
    claims.answer(staff(), ticket.pk, "Please try a factory reset.")
    return request, Ticket.objects.get(pk=ticket.pk)


def test_the_desk_notification_mail_carries_a_signed_reply_address():
    author = fan(email="lee@example.com")
    _request, ticket = _answered_request(author)
    mail = notification_email(Notification.objects.get(recipient=author))
    assert mail.to == ["lee@example.com"]
    address = mail.extra_headers["Reply-To"]
    assert address == answer_mail.reply_address(ticket) and address.startswith(f"reply+{ticket.pk}-")
    assert answer_mail.ticket_of_address(address) == ticket
    assert answer_mail.ticket_of_address(address.upper()) == ticket  # a server may change the case
    forged = address.replace(f"reply+{ticket.pk}-", f"reply+{ticket.pk + 1}-")
    assert answer_mail.ticket_of_address(forged) is None


def test_a_reply_over_smtp_lands_in_the_private_request_trimmed_and_reopens_it(smtp_port):
    author = fan(email="Lee@Example.com")
    request, ticket = _answered_request(author)
    assert ticket.state == TicketState.ANSWERED
    _reply(smtp_port, "Lee <lee@example.com>", answer_mail.reply_address(ticket), QUOTED)
    latest = PrivateMessage.objects.filter(request=request).order_by("-created_at", "-pk").first()
    assert latest.author == author and latest.body == "Still broken after the update.\nIt shows a black screen."
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.REOPENED
    # The same mail delivered again posts nothing.
    _reply(smtp_port, "lee@example.com", answer_mail.reply_address(ticket), QUOTED)
    assert PrivateMessage.objects.filter(request=request, author=author).count() == 2
    assert InboundMail.objects.count() == 1
    exported = export_personal_data(author)["servicedesk"]["replies_by_mail"]
    assert [m["from"] for m in exported] == ["lee@example.com"]
    delete_account(author)
    assert not InboundMail.objects.exists()


def test_a_reply_over_smtp_lands_in_the_feedback_thread_and_reopens_the_ticket(smtp_port, celery_worker):
    author = fan(email="wang@example.com")
    thread = feedback(author, title="发热", body="玩游戏发热")
    ticket = triage.triage(thread.pk)
    claims.answer(staff(), ticket.pk, "请关闭高帧率模式")
    rewind(author, 120)
    text = "关了还是发热\n\n在 2026年12月6日 10:00，粉丝城 写道：\n> 请关闭高帧率模式\n"
    _reply(smtp_port, "wang@example.com", answer_mail.reply_address(ticket), text, "<r2@example.com>")
    post = Post.objects.filter(thread=thread).order_by("-floor").first()
    assert post.author == author and post.body == "关了还是发热"
    wait_until(lambda: Ticket.objects.get(pk=ticket.pk).state == TicketState.REOPENED, 30, "the ticket to reopen")


def test_the_listener_refuses_strangers_unknown_addresses_and_empty_replies(smtp_port):
    author = fan(email="lee@example.com")
    request, ticket = _answered_request(author)
    address = answer_mail.reply_address(ticket)
    with pytest.raises(smtplib.SMTPDataError) as refused:
        _reply(smtp_port, "mallory@example.com", address, "I am Lee, honest")
    assert refused.value.smtp_code == 550
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        _reply(smtp_port, "lee@example.com", "someone@fancity.example", "hello")
    forged = address.replace(address.split("-")[1][:4], "0000")
    with pytest.raises(smtplib.SMTPDataError):
        _reply(smtp_port, "lee@example.com", forged, "hello", "<r3@example.com>")
    with pytest.raises(smtplib.SMTPDataError):
        _reply(smtp_port, "lee@example.com", address, "> only the quote\n", "<r4@example.com>")
    assert PrivateMessage.objects.filter(request=request, author=author).count() == 1
    assert not InboundMail.objects.exists()


def test_trimming_quoted_history_in_the_common_clients():
    assert mail_replies.trim_quoted("Yes!\n\n-----Original Message-----\nFrom: x\n") == "Yes!"
    assert mail_replies.trim_quoted("好的\n\n发件人: 粉丝城\n发送时间: 2026\n") == "好的"
    assert mail_replies.trim_quoted("ok\n-- \nSent from my phone\n") == "ok"
    assert mail_replies.trim_quoted("On Sun, 6 Dec 2026 at 10:00, Fancity <a@b>\nwrote:\n> q") == ""
    assert mail_replies.trim_quoted("see below\n> quoted\nmy inline answer") == "see below\nmy inline answer"


def test_only_the_fans_own_ticket_mails_carry_a_reply_address():
    author, other = fan(email="wang@example.com"), fan(email="li@example.com")
    thread = feedback(author, title="发热", body="玩游戏发热")
    ticket = triage.triage(thread.pk)
    rewind(author, 120)
    posting.post_reply(other, thread, "我也是")  # the author is told of another fan's reply
    told = notification_email(Notification.objects.get(recipient=author))
    assert told.extra_headers["Reply-To"] == answer_mail.reply_address(ticket)
    rewind(other, 120)
    watcher_thread = feedback(other, title="别的问题", body="随便")
    rewind(other, 120)
    rewind(author, 120)
    posting.post_reply(author, watcher_thread, "同问")
    other_ticket = triage.triage(watcher_thread.pk)
    mail = notification_email(Notification.objects.get(recipient=other, group=f"thread:{watcher_thread.pk}"))
    assert mail.extra_headers["Reply-To"] == answer_mail.reply_address(other_ticket)  # their own ticket's
    plain = fan(email="x@example.com")
    board_thread = posting.start_thread(plain, Board.objects.get(slug="general"), "闲聊", "大家好")
    rewind(plain, 120)
    rewind(author, 240)
    posting.post_reply(author, board_thread, "你好")
    mail = notification_email(Notification.objects.get(recipient=plain))
    assert "Reply-To" not in mail.extra_headers
