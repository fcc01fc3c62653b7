"""Triage of new feedback threads: keyword rules answer automatically and/or escalate to staff.

`triage(thread_id)` runs in Celery after the thread is committed (see servicedesk.tasks), so posting
never waits for it and never fails because of it. Rules are read from the database on every run,
so edits in the admin apply to the next thread. A rule that raises is logged and skipped; when no
rule could be applied the thread goes to the staff queue, so that a person answers it.
"""

import logging

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template import Context, Engine
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import BOT_USERNAME, NotificationKind, User
from accounts.notifications import notify
from accounts.roles import SERVICE_DESK, holders
from forum.models import Post, Thread
from forum.writing.posting import post_reply
from servicedesk import assignment, search, sla
from servicedesk.lifecycle import move
from servicedesk.matching import matching_phrase, normalise
from servicedesk.models import OPEN_STATES, Channel, Priority, PrivateRequest, Rule, Ticket, TicketEvent, TicketState

logger = logging.getLogger(__name__)

_ENGINE = Engine(autoescape=False)


def bot_account() -> User:
    """The system account that signs automatic answers, shown with a name in the reader's language
    (accounts.models.SYSTEM_NAMES).

    Not staff, so its replies do not stop the clock; it may post without the forum's limits.
    """
    bot, created = User.objects.get_or_create(username=BOT_USERNAME, defaults={"password": make_password(None)})
    if created:
        unlimited = Permission.objects.get(codename="post_without_limits", content_type__app_label="forum")
        bot.user_permissions.add(unlimited)
    return bot


def active_rules(channel: str) -> list[Rule]:
    """The active rules that apply on `channel` (a servicedesk.models.Channel), highest priority first."""
    rules = Rule.objects.filter(is_active=True, channels__contains=[channel])
    return list(rules.prefetch_related("boards").order_by("-priority", "id"))


def rule_applies(rule: Rule, thread: Thread, text: str) -> bool:
    boards = rule.boards.all()
    if boards and thread.board_id not in {b.pk for b in boards}:
        return False
    return matching_phrase(text, rule.phrase_list) is not None


def thread_text(thread: Thread) -> str:
    first = Post.objects.filter(thread=thread, floor=1).values_list("body", flat=True).first() or ""
    return normalise(f"{thread.title}\n{first}")


def automatic_answer(rule: Rule, thread: Thread) -> str:
    """The bot's reply: marked as automatic, the rule's template, and a link to ask for a person."""
    with translation.override(thread.author.language or settings.LANGUAGE_CODE):
        ask = _("Not what you needed? [Ask for a person](%(url)s)") % {
            "url": reverse("servicedesk:ask", args=[thread.pk])
        }
    return automatic_text(rule, thread.author, thread.title, ask)


def automatic_text(rule: Rule, fan: User, title: str, footer: str) -> str:
    """The rule's template filled for `fan`, marked as written by the bot (in the fan's language), then `footer`."""
    template = rule.template_for(fan.language or settings.LANGUAGE_CODE)
    body = _ENGINE.from_string(template).render(Context({"name": fan.public_name, "title": title}))
    with translation.override(fan.language or settings.LANGUAGE_CODE):
        head = _("**Automatic answer** · This reply was written by the Fancity bot, not by a person.")
    return f"{head}\n\n{body.strip()}\n\n---\n\n{footer}"


def triage(thread_id: int) -> Ticket | None:
    """Apply the rules to a feedback thread once; running it again changes nothing."""
    thread = Thread.objects.select_related("author", "board").filter(pk=thread_id).first()
    if thread is None or not thread.is_feedback or PrivateRequest.objects.filter(moved_from=thread).exists():
        return None  # a thread moved into a private request has its ticket there
    ticket, _created = Ticket.objects.get_or_create(
        thread=thread,
        defaults={
            "created_at": thread.created_at,
            "city_id": thread.author.city_id,
            "device_model": thread.device_model[:80],
            "system_version": thread.software_version[:40],
        },
    )
    if ticket.triaged_at:
        return ticket
    text = thread_text(thread)
    failed = False
    for rule in active_rules(Channel.FORUM):
        try:
            if not rule_applies(rule, thread, text):
                continue
            return _apply(rule, ticket.pk, thread)
        except Exception:
            failed = True
            logger.exception("Service desk rule %s (%s) failed on thread %s", rule.pk, rule.name, thread.pk)
    reason = Ticket.Reason.RULE_FAILED if failed else Ticket.Reason.NO_RULE
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if not ticket.triaged_at:
            escalate(ticket, Priority.NORMAL, reason)
            ticket.triaged_at = timezone.now()
            ticket.save()
            search.refresh(ticket)
    return ticket


def _apply(rule: Rule, ticket_id: int, thread: Thread) -> Ticket:
    reply = automatic_answer(rule, thread) if rule.reply_template.strip() else None
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
        if ticket.triaged_at:
            return ticket
        now = timezone.now()
        if reply is not None:
            bot = bot_account()
            ticket.auto_post = ticket.answer_post = post_reply(bot, thread, reply)
            ticket.auto_answered_at = now
            move(ticket, TicketState.ANSWERED, TicketEvent.Kind.AUTO_ANSWERED, bot, now)
        if rule.escalate:
            escalate(ticket, rule.escalate, Ticket.Reason.RULE)
        ticket.rule = rule
        ticket.rule_name = rule.name[:80]
        ticket.triaged_at = now
        assignment.route(ticket, rule, now)
        ticket.save()
        search.refresh(ticket)
    return ticket


def escalate(ticket: Ticket, priority: int, reason: str, actor: User | None = None) -> None:
    """Put the ticket in the queue (the caller saves it); urgent items notify every staff member."""
    raise_to_urgent = priority == Priority.URGENT and ticket.priority != Priority.URGENT
    now = timezone.now()
    first = ticket.escalated_at is None
    ticket.priority = max(ticket.priority, priority)
    ticket.reason = reason
    ticket.escalated_at = ticket.escalated_at or now
    if ticket.state not in OPEN_STATES or ticket.waiting_since is None:
        to_state = ticket.state if ticket.state in OPEN_STATES else TicketState.NEW
        move(
            ticket, to_state, TicketEvent.Kind.ESCALATED, actor, now, waiting_since=now, **sla.stamp(ticket, now, first)
        )
    elif raise_to_urgent:
        for name, value in sla.stamp(ticket, ticket.waiting_since, True).items():
            setattr(ticket, name, value)
    if raise_to_urgent:
        notify_staff_of_urgent(ticket)


def notify_staff_of_urgent(ticket: Ticket) -> None:
    staff = holders(User.objects.filter(deleted_at__isnull=True), SERVICE_DESK)
    title = ticket.subject
    notify(
        staff,
        NotificationKind.STAFF,
        lambda: _("Urgent feedback waiting: “%(title)s”") % {"title": title},
        reverse("servicedesk:ticket", args=[ticket.pk]),
        group="servicedesk:urgent",
    )


def ask_for_person(fan: User, thread: Thread) -> Ticket:
    """The fan was answered automatically and wants a person: the thread joins the staff queue."""
    if not fan.is_authenticated or fan.pk != thread.author_id:
        raise PermissionDenied
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().filter(thread=thread).first()
        if ticket is None or ticket.auto_post_id is None:
            raise ValidationError(_("This thread has no automatic answer."))
        if ticket.escalated_at is None and ticket.answered_at is None:
            escalate(ticket, Priority.NORMAL, Ticket.Reason.FAN_ASKED, actor=fan)
            ticket.save()
    return ticket
