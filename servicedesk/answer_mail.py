"""The reply address of the mails that tell a fan about their ticket (the forum's reply notification for
a feedback thread, the desk's notification for a private request: settings.NOTIFICATION_REPLY_TO puts it
in their Reply-To), which brings the fan's reply back to the ticket (servicedesk.mail_replies receives it).

`reply+<ticket>-<hmac>@<DESK_REPLY_DOMAIN>`: the HMAC (SECRET_KEY and this module's salt) binds the ticket
to its fan, in lower-case hex because some mail servers lower-case local parts."""

import hmac
import re

from django.conf import settings
from django.utils.crypto import salted_hmac

from accounts.mail import mail_domain
from accounts.models import Notification
from servicedesk.models import Ticket

SALT = "servicedesk.mail_replies"
ADDRESS_RE = re.compile(r"^reply\+(?P<ticket>[0-9]{1,19})-(?P<mac>[0-9a-f]{24})$")


def reply_domain() -> str:
    return getattr(settings, "DESK_REPLY_DOMAIN", "") or mail_domain()


def _mac(ticket_id: int, fan_id: int) -> str:
    return salted_hmac(SALT, f"{ticket_id}:{fan_id}", algorithm="sha256").hexdigest()[:24]


def reply_address(ticket: Ticket) -> str:
    return f"reply+{ticket.pk}-{_mac(ticket.pk, ticket.fan.pk)}@{reply_domain()}"


def ticket_of_address(address: str) -> Ticket | None:
    """The ticket a reply address names, if its token is right for that ticket's fan."""
    local, _at, domain = address.strip().strip("<>").rpartition("@")
    match = ADDRESS_RE.match(local.lower())
    if match is None or domain.lower() != reply_domain().lower():
        return None
    ticket = Ticket.objects.select_related("thread__author", "request__fan").filter(pk=int(match["ticket"])).first()
    if ticket is None or not hmac.compare_digest(_mac(ticket.pk, ticket.fan.pk), match["mac"]):
        return None
    return ticket


def is_reply_address(address: str) -> bool:
    local, _at, domain = address.strip().strip("<>").rpartition("@")
    return bool(ADDRESS_RE.match(local.lower())) and domain.lower() == reply_domain().lower()


def reply_to(notification: Notification) -> str | None:
    """settings.NOTIFICATION_REPLY_TO: the reply address for a mail telling a fan about their own feedback
    thread (group `thread:<id>`) or private request (`servicedesk:request:<id>`) that has a ticket."""
    prefix, _sep, rest = notification.group.partition(":")
    tickets = Ticket.objects.select_related("thread", "request")
    if prefix == "thread" and rest.isdigit() and len(rest) < 19:
        ticket = tickets.filter(thread_id=int(rest)).first()
    elif prefix == "servicedesk" and rest.startswith("request:") and rest[8:].isdigit() and len(rest) < 27:
        ticket = tickets.filter(request_id=int(rest[8:])).first()
    else:
        return None
    if ticket is None or ticket.fan.pk != notification.recipient_id:
        return None
    return reply_address(ticket)
