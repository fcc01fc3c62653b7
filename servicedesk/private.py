"""Private requests: a fan writes to the desk about an order, a delivery or an account, out of public view.

Only the fan and desk staff read a request (`can_read`; everyone else gets a 404). Opening one applies
the same keyword rules as feedback threads (rules limited to forum boards are for threads only): the
bot may answer, and the item may go to the queue as normal or urgent. Its ticket lives in the same
queue and the same lifecycle (servicedesk/lifecycle.py): the fan's message reopens an answered item,
a staff message answers an open one, and each side is notified of the other's message.
"""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import NotificationKind, User
from accounts.moderation import may_act
from accounts.notifications import notify
from accounts.roles import is_desk_staff
from forum import markup
from forum.posting import MAX_BODY, MAX_TITLE, clean_text
from servicedesk import lifecycle, triage
from servicedesk.matching import matching_phrase, normalise
from servicedesk.models import Priority, PrivateMessage, PrivateRequest, Ticket, TicketEvent, TicketState

logger = logging.getLogger(__name__)

# A fan opens at most this many requests a day: enough for any real trouble, not a way to flood the desk.
REQUESTS_PER_DAY = 10


def can_read(user: User, request: PrivateRequest) -> bool:
    return user.is_authenticated and (user.pk == request.fan_id or is_desk_staff(user))


def _message(request: PrivateRequest, author: User, body: str, now: datetime.datetime, by_staff: bool = False):
    return PrivateMessage.objects.create(
        request=request, author=author, body=body, html=markup.render(body), by_staff=by_staff, created_at=now
    )


def open_request(fan: User, subject: str, body: str) -> PrivateRequest:
    """Open a private request and triage it at once (rules are read from the database, as for threads)."""
    if not may_act(fan):
        raise PermissionDenied
    subject = clean_text(subject, "subject", MAX_TITLE)
    body = clean_text(body, "body", MAX_BODY)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=fan.pk).values_list("pk", flat=True).first()
        now = timezone.now()
        recent = PrivateRequest.objects.filter(fan=fan, created_at__gte=now - datetime.timedelta(days=1)).count()
        if recent >= REQUESTS_PER_DAY:
            raise ValidationError(
                _("You opened %(n)d requests today. Please add to one of them instead.") % {"n": recent}
            )
        request = PrivateRequest.objects.create(fan=fan, subject=subject, created_at=now)
        _message(request, fan, body, now)
        ticket = Ticket.objects.create(request=request, created_at=now, city_id=fan.city_id)
        _triage(ticket, request, fan, normalise(f"{subject}\n{body}"), now)
    return request


def _triage(ticket: Ticket, request: PrivateRequest, fan: User, text: str, now: datetime.datetime) -> None:
    failed = False
    for rule in triage.active_rules():
        try:
            if rule.boards.all() or matching_phrase(text, rule.phrase_list) is None:
                continue
            reply = None
            if rule.reply_template.strip():
                with translation.override(fan.language or settings.LANGUAGE_CODE):
                    footer = _("Not what you needed? Reply here and a member of staff will answer.")
                reply = triage.automatic_text(rule, fan, request.subject, footer)
        except Exception:
            failed = True
            logger.exception("Service desk rule %s (%s) failed on private request %s", rule.pk, rule.name, request.pk)
            continue
        if reply is not None:
            bot = triage.bot_account()
            _message(request, bot, reply, now)
            ticket.auto_answered_at = now
            lifecycle.move(ticket, TicketState.ANSWERED, TicketEvent.Kind.AUTO_ANSWERED, bot, now)
        if rule.escalate:
            triage.escalate(ticket, rule.escalate, Ticket.Reason.RULE)
        ticket.rule = rule
        ticket.rule_name = rule.name[:80]
        break
    else:
        triage.escalate(ticket, Priority.NORMAL, Ticket.Reason.RULE_FAILED if failed else Ticket.Reason.NO_RULE)
    ticket.triaged_at = now
    ticket.save()


def staff_answer(staff: User, request: PrivateRequest, body: str) -> PrivateMessage:
    """The desk's answer (servicedesk.claims.answer moves the ticket); the fan is told."""
    body = clean_text(body, "body", MAX_BODY)
    message = _message(request, staff, body, timezone.now(), by_staff=True)
    _tell_fan(request, message)
    return message


def _tell_fan(request: PrivateRequest, message: PrivateMessage) -> None:
    subject = request.subject
    notify(
        [request.fan],
        NotificationKind.FEEDBACK,
        lambda: _("Staff answered your private request “%(subject)s”") % {"subject": subject},
        message.get_absolute_url(),
        group=f"servicedesk:request:{request.pk}",
    )


def send_message(user: User, request_id: int, body: str) -> PrivateMessage:
    """A message in the conversation from the fan (reopens an answered item) or from desk staff (answers it)."""
    body = clean_text(body, "body", MAX_BODY)
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("request", "request__fan", "claimed_by")
            .get(request_id=request_id)
        )
        request = ticket.request
        now = timezone.now()
        if user.pk == request.fan_id and may_act(user):
            message = _message(request, user, body, now)
            if ticket.state in (TicketState.ANSWERED, TicketState.SOLVED):
                lifecycle.reopen(ticket, user, now)
        elif is_desk_staff(user):
            message = _message(request, user, body, now, by_staff=True)
            if ticket.is_open:
                lifecycle.answered_in_thread(ticket, user, now)
            _tell_fan(request, message)
        else:
            raise PermissionDenied
    return message
