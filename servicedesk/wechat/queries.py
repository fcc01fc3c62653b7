"""Reads the desk's pages share about WeChat: the ticket page's WeChat panel."""

import dataclasses
import datetime

from django.utils import timezone

from servicedesk.models import Channel, Ticket
from servicedesk.wechat.followers import WINDOW
from servicedesk.wechat.models import Conversation, Delivery, Inbound


@dataclasses.dataclass(frozen=True)
class Panel:
    account: str
    openid: str
    linked: bool
    last_message_at: datetime.datetime
    window_ends_at: datetime.datetime
    window_open: bool
    deliveries: list[Delivery]
    # The pictures the fan sent in this conversation and what became of each (attached, or why not).
    pictures: list[Inbound]
    # The linked fan's context: their other tickets (latest first) and city.
    earlier: list[Ticket]
    city: str


def panel(ticket: Ticket) -> Panel | None:
    """The WeChat side of a ticket on the WeChat channel (4 queries), else None (no query)."""
    request = ticket.request
    if request is None or request.channel != Channel.WECHAT:
        return None
    conversation = Conversation.objects.select_related("follower__account", "follower__user__city").get(request=request)
    follower = conversation.follower
    ends = follower.last_message_at + WINDOW
    deliveries = list(Delivery.objects.filter(message__request=request).select_related("message").order_by("at"))
    pictures = list(
        Inbound.objects.filter(desk_message__request=request)
        .exclude(picture="")
        .only("picture", "picture_detail", "desk_message_id", "received_at")
        .order_by("received_at", "pk")
    )
    earlier: list[Ticket] = []
    if follower.linked_at:
        earlier = list(
            Ticket.objects.filter(request__fan_id=follower.user_id)
            .exclude(pk=ticket.pk)
            .select_related("request")
            .order_by("-created_at")[:10]
        )
    user_city = follower.user.city
    return Panel(
        account=follower.account.name,
        openid=follower.openid,
        linked=follower.linked_at is not None,
        last_message_at=follower.last_message_at,
        window_ends_at=ends,
        window_open=timezone.now() < ends,
        deliveries=deliveries,
        pictures=pictures,
        earlier=earlier,
        city=user_city.label if user_city else "",
    )
