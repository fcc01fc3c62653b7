"""Private messages in a fan's data export and erasure (settings.PERSONAL_DATA_EXPORTS / _ERASERS)."""

from django.db.models import Q

from accounts.models import User
from messaging.models import Block, Conversation, Message, MessageReport, Participant


def messaging_data(user: User) -> dict:
    conversations = Conversation.objects.filter(Q(low=user) | Q(high=user))
    messages = Message.objects.filter(conversation__in=conversations).select_related("sender").order_by("id")
    return {
        "private_messages": [
            {
                "conversation": m.conversation_id,
                "from_me": m.sender_id == user.pk,
                "from": m.sender.public_name,
                "sent_at": m.created_at.isoformat(),
                "body": m.body,
            }
            for m in messages
        ],
        "blocked_fans": list(Block.objects.filter(blocker=user).values_list("blocked__username", flat=True)),
        "reported_messages": list(MessageReport.objects.filter(reporter=user).values("message_id", "reason")),
    }


def erase_messaging_data(user: User) -> None:
    """What the fan wrote goes; the other fan keeps their own side, signed to 已注销用户 (deleted user)."""
    Message.objects.filter(sender=user).delete()
    Participant.objects.filter(user=user).delete()
    Block.objects.filter(Q(blocker=user) | Q(blocked=user)).delete()
    MessageReport.objects.filter(reporter=user).delete()
