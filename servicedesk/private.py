"""Private requests: a fan writes to the desk about an order, a delivery or an account, out of public view.

Only the fan and desk staff read a request (`can_read`; everyone else gets a 404). Opening one applies
the same keyword rules as feedback threads (rules limited to forum boards are for threads only): the
bot may answer, and the item may go to the queue as normal or urgent. Its ticket lives in the same
queue and the same lifecycle (servicedesk/lifecycle.py): the fan's message reopens an answered item,
a staff message answers an open one, and each side is notified of the other's message.

A public feedback thread that turns out to carry an order number, a phone number or an address is
moved into a private request by desk staff (`move_thread`): its visible posts become the request's
messages, the same ticket (with its history and ratings) now points at the request, and the thread is
withdrawn from public view (forum.moderation.moderate.withdraw_thread: hidden and locked, not deleted).
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
from forum.attachments import Uploads, removed_if_refused
from forum.models import Post, Thread
from forum.moderation import moderate
from forum.writing import markup
from forum.writing.limits import MAX_BODY, MAX_TITLE
from forum.writing.posting import clean_text
from outbox.queueing import enqueue
from servicedesk import assignment, attachments, lifecycle, search, triage
from servicedesk.matching import matching_phrase, normalise
from servicedesk.models import (
    Channel,
    Priority,
    PrivateMessage,
    PrivateRequest,
    Rating,
    Ticket,
    TicketEvent,
    TicketState,
)

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
        User.objects.select_for_update(no_key=True).filter(pk=fan.pk).values_list("pk", flat=True).first()
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
    for rule in triage.active_rules(Channel.REQUEST):
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
        assignment.route(ticket, rule, now)
        break
    else:
        triage.escalate(ticket, Priority.NORMAL, Ticket.Reason.RULE_FAILED if failed else Ticket.Reason.NO_RULE)
    ticket.triaged_at = now
    ticket.save()
    search.refresh(ticket)


def staff_answer(staff: User, request: PrivateRequest, body: str) -> PrivateMessage:
    """The desk's answer (servicedesk.claims.answer moves the ticket); the fan is told."""
    body = clean_text(body, "body", MAX_BODY)
    message = _message(request, staff, body, timezone.now(), by_staff=True)
    _tell_fan(request, message)
    return message


def _tell_fan(request: PrivateRequest, message: PrivateMessage) -> None:
    if request.channel == Channel.WECHAT:
        # The fan reads it in WeChat: sent through the customer-service API, if still inside its window.
        enqueue("servicedesk.wechat.tasks.deliver_answer", message.pk)
    subject = request.subject
    notify(
        [request.fan],
        NotificationKind.FEEDBACK,
        lambda: _("Staff answered your private request “%(subject)s”") % {"subject": subject},
        message.get_absolute_url(),
        group=f"servicedesk:request:{request.pk}",
    )


def send_message(user: User, request_id: int, body: str, files: Uploads | None = None) -> PrivateMessage:
    """A message in the conversation from the fan (reopens an answered item) or from desk staff (answers it),
    with the files the form sent, checked by forum.attachments.inspect (servicedesk.attachments stores them)."""
    body = clean_text(body, "body", MAX_BODY)
    if files is not None and len(files.images) > attachments.MAX_IMAGES:
        raise ValidationError(
            _("A message can have at most %(n)d images.") % {"n": attachments.MAX_IMAGES}, code="images"
        )
    with removed_if_refused() as written, transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("request", "request__fan", "claimed_by")
            .get(request_id=request_id)
        )
        request = ticket.request
        assert request is not None  # got by request_id
        now = timezone.now()
        if user.pk == request.fan_id and may_act(user):
            message = _message(request, user, body, now)
            if ticket.state in (TicketState.ANSWERED, TicketState.SOLVED):
                lifecycle.reopen(ticket, user, now)
            search.refresh(ticket)
        elif is_desk_staff(user):
            message = _message(request, user, body, now, by_staff=True)
            if ticket.is_open:
                lifecycle.answered_in_thread(ticket, user, now)
            _tell_fan(request, message)
        else:
            raise PermissionDenied
        if files:
            attachments.store(message, user, files, written)
    return message


def move_thread(staff: User, ticket_id: int, public_title: str = "") -> PrivateRequest:
    """Move a feedback thread's conversation into a private request for the same fan; idempotent.

    The ticket row is locked first, so of two staff (or a double click) moving at once the second finds
    the request the first made and returns it; `PrivateRequest.moved_from` is unique besides.
    """
    if not is_desk_staff(staff):
        raise PermissionDenied
    with transaction.atomic():
        ticket = lifecycle.locked(ticket_id)
        if ticket.request_id:
            # Read afresh: the lock waited for the other mover, whose request the row's join could not see.
            return PrivateRequest.objects.get(pk=ticket.request_id)
        assert ticket.thread_id is not None  # ticket_thread_or_request
        thread = Thread.objects.select_related("author", "board").get(pk=ticket.thread_id)
        # The conversation between the fan and the desk: the fan's posts, staff answers, the bot's answer.
        # Other fans' replies stay in the withdrawn thread.
        posts = [
            p
            for p in Post.objects.filter(thread=thread, deleted_at__isnull=True, hidden_at__isnull=True).order_by(
                "floor"
            )
            if p.author_id == thread.author_id or p.by_staff or p.pk == ticket.auto_post_id
        ]
        request = PrivateRequest.objects.create(
            fan=thread.author, subject=thread.title, created_at=thread.created_at, moved_from=thread
        )
        messages = PrivateMessage.objects.bulk_create(
            PrivateMessage(
                request=request, author_id=p.author_id, body=p.body, html=p.html, created_at=p.created_at,
                by_staff=p.by_staff and p.author_id != thread.author_id,
            )
            for p in posts
        )  # fmt: skip
        for post, message in zip(posts, messages, strict=True):
            Rating.objects.filter(post_id=post.pk).update(post=None, message=message)
        now = timezone.now()
        lifecycle.move(
            ticket, ticket.state, TicketEvent.Kind.MOVED, staff, now, thread=None, request=request, answer_post=None
        )
        with translation.override(thread.author.language or settings.LANGUAGE_CODE):
            reason = _("Moved to a private request: it carried personal data.")
        moderate.withdraw_thread(staff, thread, reason, public_title)
        subject = request.subject
        notify(
            [thread.author],
            NotificationKind.FEEDBACK,
            lambda: _(
                "Your feedback “%(subject)s” carried personal data, so staff moved it to a private request: "
                "only you and staff can read it now."
            )
            % {"subject": subject},
            request.get_absolute_url(),
            group=f"servicedesk:request:{request.pk}",
        )
    return request
