"""Who may message whom, read a conversation and handle reported messages, written once.

- send a message: a fan who may act (accounts.moderation.may_act), to another living account, when
  neither has blocked the other; to a stranger (a fan who does not follow them and never wrote to them)
  only from a level that allows it (community.levels, `may_message_strangers`) or with a staff role;
- read a conversation: its two fans only (moderators too only see what was reported to them);
- block, unblock, report: any fan who may act;
- see and resolve reported messages: Moderators (and superusers) — the reported message alone.

tests/messaging/test_roles.py checks each row for each role.
"""

from django.db.models import Q

from accounts.models import User
from accounts.moderation import may_act
from accounts.roles import EVENT_STAFF, MODERATORS, SERVICE_DESK, has_role, is_moderator
from community.levels import level_of
from community.models import Follow
from messaging.models import Block, Conversation, Message

STAFF_ROLES = (MODERATORS, EVENT_STAFF, SERVICE_DESK)


def blocked_between(a_id: int, b_id: int) -> bool:
    return Block.objects.filter(Q(blocker_id=a_id, blocked_id=b_id) | Q(blocker_id=b_id, blocked_id=a_id)).exists()


def is_stranger(sender: User, recipient: User) -> bool:
    """The recipient does not follow the sender and has never written to them."""
    if Follow.objects.filter(follower=recipient, followed=sender).exists():
        return False
    return not Message.objects.filter(
        sender=recipient,
        conversation__low_id=min(sender.pk, recipient.pk),
        conversation__high_id=max(sender.pk, recipient.pk),
    ).exists()


def may_message_strangers(user: User) -> bool:
    return level_of(user).may_message_strangers or any(has_role(user, role) for role in STAFF_ROLES)


def may_read(user: User, conversation: Conversation) -> bool:
    return user.is_authenticated and user.pk in (conversation.low_id, conversation.high_id)


def may_take_part(user: User) -> bool:
    return may_act(user)


def may_handle_reports(user: User) -> bool:
    return is_moderator(user)


def may_be_messaged(recipient: User) -> bool:
    return recipient.is_active and recipient.deleted_at is None
