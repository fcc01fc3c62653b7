"""Every write of private messages: send, read, block, unblock, report, resolve a report; and the
reads the pages share.

A send and a block between the same two fans take the same transaction-level advisory lock on the
pair (with a 3 s `lock_timeout`, as meetups/locking.py does), and the send checks for a block after
taking it: so a message is either written before the block (and the block then stops the next one) or
refused, never written after a block that committed first.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from psycopg.errors import LockNotAvailable

from accounts.models import NotificationKind, User
from accounts.notifications import notify_grouped
from messaging.models import MAX_BODY, Block, Conversation, Message, MessageReport, Participant
from messaging.permissions import (
    blocked_between,
    is_stranger,
    may_be_messaged,
    may_handle_reports,
    may_message_strangers,
    may_read,
    may_take_part,
)

PER_MINUTE = 10  # messages one fan may send in a minute
NEW_PER_DAY = 20  # conversations one fan may start in a day
LOCK_TIMEOUT = "3s"
PAGE = 50

UNREAD_SQL = f"SELECT COALESCE(sum(p.unread), 0) FROM {Participant._meta.db_table} p WHERE p.user_id = {{user}}"


class Refused(ValidationError):
    """A message that may not be sent, with the reason the sender reads."""


def _lock_pair(a_id: int, b_id: int) -> None:
    low, high = sorted((a_id, b_id))
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        try:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"pm:{low}:{high}"])
        except OperationalError as exc:
            if isinstance(exc.__cause__, LockNotAvailable):
                raise Refused(_("Many messages are on their way right now. Please try again in a moment.")) from exc
            raise


def refusal(sender: User, recipient: User) -> str | None:
    """Why `sender` may not message `recipient` now, or None."""
    if not may_take_part(sender):
        return _("You cannot send messages now.")
    if sender.pk == recipient.pk or not may_be_messaged(recipient):
        return _("This fan cannot receive messages.")
    if blocked_between(sender.pk, recipient.pk):
        return _("You cannot message this fan.")
    if not may_message_strangers(sender) and is_stranger(sender, recipient):
        return _(
            "New fans can message only fans who follow them or wrote to them first. "
            "Messaging anyone unlocks at a higher level."
        )
    return None


def _rate_refusal(sender: User, conversation_exists: bool) -> str | None:
    now = timezone.now()
    if Message.objects.filter(sender=sender, created_at__gte=now - datetime.timedelta(minutes=1)).count() >= PER_MINUTE:
        return _("You are sending messages too fast. Please wait a minute.")
    if not conversation_exists:
        started = Conversation.objects.filter(started_by=sender, created_at__gte=now - datetime.timedelta(days=1))
        if started.count() >= NEW_PER_DAY:
            return _("You have started many conversations today. Please try again tomorrow.")
    return None


def send(sender: User, recipient: User, body: str) -> Message:
    """Send `body` from `sender` to `recipient`, in their one conversation (made on the first message)."""
    body = (body or "").replace("\x00", "").strip()
    if not body:
        raise Refused(_("Write a message first."))
    if len(body) > MAX_BODY:
        raise Refused(_("A message is at most %(n)d characters.") % {"n": MAX_BODY})
    low, high = sorted((sender.pk, recipient.pk))
    with transaction.atomic():
        _lock_pair(sender.pk, recipient.pk)  # before the block check: see the module's docstring
        if reason := refusal(sender, recipient):
            raise Refused(reason)
        conversation = Conversation.objects.filter(low_id=low, high_id=high).first()
        if reason := _rate_refusal(sender, conversation is not None):
            raise Refused(reason)
        now = timezone.now()
        if conversation is None:
            conversation = Conversation.objects.create(
                low_id=low, high_id=high, started_by=sender, created_at=now, last_message_at=now
            )
            Participant.objects.bulk_create(
                [Participant(conversation=conversation, user_id=pk, last_message_at=now) for pk in (low, high)]
            )
        else:
            Conversation.objects.filter(pk=conversation.pk).update(last_message_at=now)
        message = Message.objects.create(conversation=conversation, sender=sender, body=body, created_at=now)
        Participant.objects.filter(conversation=conversation, user=sender).update(last_message_at=now)
        Participant.objects.filter(conversation=conversation, user=recipient).update(
            unread=F("unread") + 1, last_message_at=now
        )
        unread = Participant.objects.filter(conversation=conversation, user=recipient).values_list("unread", flat=True)
        count, name = unread.get(), sender.public_name

        def text() -> str:
            return ngettext(
                "%(name)s sent you a private message",
                "%(name)s sent you %(n)d private messages",
                count,
            ) % {"name": name, "n": count}

        # One notification per conversation, mailed under the digest rules every notification follows.
        notify_grouped(
            recipient, NotificationKind.MESSAGE, text, conversation_url(conversation), f"pm:{conversation.pk}"
        )
    return message


def conversation_url(conversation: Conversation) -> str:
    return reverse("messaging:conversation", args=[conversation.pk])


def block(blocker: User, fan: User) -> bool:
    if not may_take_part(blocker) or blocker.pk == fan.pk:
        raise PermissionDenied
    with transaction.atomic():
        _lock_pair(blocker.pk, fan.pk)
        _, made = Block.objects.get_or_create(blocker=blocker, blocked=fan, defaults={"created_at": timezone.now()})
    return made


def unblock(blocker: User, fan: User) -> None:
    if not blocker.is_authenticated:
        raise PermissionDenied
    Block.objects.filter(blocker=blocker, blocked=fan).delete()


def has_blocked(blocker: User, fan: User) -> bool:
    return blocker.is_authenticated and Block.objects.filter(blocker=blocker, blocked=fan).exists()


def open_conversation(user: User, conversation_id: int) -> tuple[Conversation, list[Message], User]:
    """The conversation's latest messages for one of its two fans, who has now read it."""
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None or not may_read(user, conversation):
        raise PermissionDenied
    messages = list(Message.objects.filter(conversation=conversation).select_related("sender").order_by("-id")[:PAGE])[
        ::-1
    ]
    Participant.objects.filter(conversation=conversation, user=user, unread__gt=0).update(unread=0)
    other_id = conversation.high_id if user.pk == conversation.low_id else conversation.low_id
    other = User.objects.get(pk=other_id)
    return conversation, messages, other


def conversation_with(user: User, fan: User) -> Conversation | None:
    low, high = sorted((user.pk, fan.pk))
    return Conversation.objects.filter(low_id=low, high_id=high).first()


def inbox(user: User, limit: int = 50) -> list[tuple[Participant, User]]:
    """The fan's conversations, latest first, each with the other fan."""
    mine = list(
        Participant.objects.filter(user=user).select_related("conversation").order_by("-last_message_at")[:limit]
    )
    other_ids = [p.conversation.high_id if p.conversation.low_id == user.pk else p.conversation.low_id for p in mine]
    others = User.objects.in_bulk(other_ids)
    return [(p, others[pk]) for p, pk in zip(mine, other_ids, strict=True) if pk in others]


def report(reporter: User, message: Message, reason: str) -> MessageReport:
    """Report a message the reporter received to the moderators, who see this message alone."""
    if not may_take_part(reporter) or not may_read(reporter, message.conversation) or message.sender_id == reporter.pk:
        raise PermissionDenied
    reason = (reason or "").strip()[:200]
    if not reason:
        raise ValidationError({"reason": _("Say what is wrong with this message.")})
    report_row, _made = MessageReport.objects.get_or_create(
        message=message, reporter=reporter, defaults={"reason": reason}
    )
    return report_row


def open_reports():
    return MessageReport.objects.filter(resolved_at__isnull=True).select_related(
        "message", "message__sender", "reporter"
    )


def resolve(moderator: User, report_row: MessageReport, resolution: str) -> None:
    if not may_handle_reports(moderator):
        raise PermissionDenied
    MessageReport.objects.filter(pk=report_row.pk, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=moderator, resolution=(resolution or "")[:200]
    )
