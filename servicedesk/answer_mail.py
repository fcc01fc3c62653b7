"""The desk's answer by mail, with a reply address that brings the fan's reply back to the ticket
(servicedesk.mail_replies receives it): `reply+<ticket>-<hmac>@<DESK_REPLY_DOMAIN>`, the HMAC (SECRET_KEY
and this module's salt) binding the ticket to its fan, in lower-case hex because some mail servers
lower-case local parts."""

import hmac
import re

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from accounts.mail import mail_domain, queue_email, sender
from accounts.models import NotificationKind
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


def mail_answer(ticket: Ticket, answer: str) -> None:
    """Mail the fan the desk's answer with the reply address (queued after the commit; the fan's mail
    setting for feedback answers is respected)."""
    fan = ticket.fan
    if not fan.wants_email(NotificationKind.FEEDBACK):
        return
    with translation.override(fan.language or settings.LANGUAGE_CODE):
        url = settings.SITE_URL.rstrip("/") + (
            ticket.request.get_absolute_url() if ticket.request is not None else ticket.thread.get_absolute_url()  # type: ignore[union-attr]
        )
        subject = _("Re: %(subject)s [#%(ticket)d]") % {"subject": ticket.subject, "ticket": ticket.pk}
        body = "\n\n".join(
            [
                answer,
                "-- ",
                _("Reply to this mail to answer: your reply is added to the conversation."),
                _("Read it on the site: %(url)s") % {"url": url},
            ]
        )
        message = EmailMultiAlternatives(
            subject=subject, body=body, from_email=sender(), to=[fan.email],
            headers={"Reply-To": reply_address(ticket)},
        )  # fmt: skip
    queue_email(message)
