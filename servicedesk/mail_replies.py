"""Answer by email: the desk's answer mail carries a reply address with a signed token, and the fan's
reply, received by the desk's SMTP listener (servicedesk.smtp, `manage.py desk_smtp`), lands in the ticket.

- The address is `reply+<ticket>-<hmac>@<DESK_REPLY_DOMAIN>`; the HMAC (SECRET_KEY, this module's salt)
  binds the ticket to its fan, in lower-case hex, because some mail servers lower-case local parts.
- A reply is accepted only from the fan's own address (the From header, compared case-insensitively with
  the account's email): anyone else who learns the address gets a refusal. Mail cannot prove its sender
  without the receiving server's SPF/DKIM checks; put the listener behind a server that does them.
- Quoted history is trimmed (lines under "On … wrote:", "在 … 写道：", "-----Original Message-----",
  "发件人:", lines starting with ">"), and the signature after "-- ".
- The reply is the fan's message, posted as if written on the site: `forum.writing.posting.post_reply` in a
  feedback thread (which reopens the ticket through FORUM_REPLY_HOOKS), `private.send_message` in a
  private request. A merged ticket sends the reply to the ticket it joined.
- Each Message-ID is taken once (`InboundMail`), so a server delivering the same mail again posts nothing.
"""

import email
import email.policy
import hashlib
import re
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from fancity.lib.rows import insert_once
from forum.writing.markup import plain_text
from forum.writing.posting import post_reply
from servicedesk import private
from servicedesk.answer_mail import is_reply_address, ticket_of_address
from servicedesk.models import InboundMail, Ticket

__all__ = ["Refused", "is_reply_address", "receive", "trim_quoted"]
MAX_REPLY = 20_000


class Refused(Exception):
    """The SMTP answer to a mail we do not take: `code` 550 (permanent) or 451 (try again later)."""

    def __init__(self, code: int, text: str):
        super().__init__(text)
        self.code = code
        self.text = text


_QUOTE_HEADS = (
    re.compile(r"^on\b.{0,400}\bwrote:\s*$", re.IGNORECASE),
    re.compile(r"^在.{0,400}写道\s*[:：]\s*$"),
    re.compile(r"^-{2,}\s*(original message|原始邮件|回复的原邮件)\s*-{2,}", re.IGNORECASE),
    re.compile(r"^(from|发件人)\s*[:：]"),
    re.compile(r"^_{10,}\s*$"),
)


def trim_quoted(text: str) -> str:
    """The fan's new words: what comes before the quoted history and the signature."""
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for n, line in enumerate(lines):
        stripped = line.strip()
        two = f"{stripped} {lines[n + 1].strip()}" if n + 1 < len(lines) else stripped
        if any(head.match(stripped) or head.match(two) for head in _QUOTE_HEADS[:2]) or any(
            head.match(stripped) for head in _QUOTE_HEADS[2:]
        ):
            break
        if line.rstrip() == "--":
            break
        if stripped.startswith(">"):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip()[:MAX_REPLY]


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if part.get_content_type() == "text/html":
        content = plain_text(content)
    return content


def receive(data: bytes, rcpt_tos: list[str]) -> Ticket:
    """Take one mail from the SMTP listener: find the ticket, check the sender, post the trimmed reply."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    ticket = next((t for t in map(ticket_of_address, rcpt_tos) if t is not None), None)
    if ticket is None:
        raise Refused(550, "5.1.1 No such reply address")
    while ticket.merged_into_id is not None:
        ticket = Ticket.objects.select_related("thread__author", "request__fan").get(pk=ticket.merged_into_id)
    fan: User = ticket.fan
    senders = [address.lower() for _name, address in getaddresses(message.get_all("From", []))]
    if not fan.email or senders != [fan.email.lower()] or fan.deleted_at is not None:
        raise Refused(550, "5.7.1 Only the fan who asked may reply to this address")
    text = trim_quoted(_body(message))
    if not text:
        raise Refused(550, "5.6.0 The reply is empty once the quoted mail is removed")
    message_id = (message.get("Message-ID") or "").strip()[:250] or f"<{hashlib.sha256(data).hexdigest()}@no-id>"
    with transaction.atomic():
        if not insert_once(
            InboundMail, message_id=message_id, ticket=ticket.pk, sender=parseaddr(message.get("From", ""))[1][:254],
            received_at=timezone.now(), outcome="posted",
        ):  # fmt: skip
            return ticket  # delivered before
        try:
            if ticket.request_id is not None:
                private.send_message(fan, ticket.request_id, text)
            else:
                assert ticket.thread is not None
                post_reply(fan, ticket.thread, text)
        except PermissionDenied:
            raise Refused(550, "5.7.1 This account may not post") from None
        except ValidationError as error:
            raise Refused(451, f"4.7.0 {' '.join(error.messages)[:200]}") from None
    return ticket
