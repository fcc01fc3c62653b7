"""Broadcasts: a text to every follower of an account. Rare and deliberate: desk staff only, a preview
to one follower first, at most one sent per `Account.broadcast_every_days`, each logged with who
wrote, previewed and sent it and WeChat's answer."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wechatpy.exceptions import WeChatClientException

from accounts.models import User
from servicedesk.wechat.client import client_for
from servicedesk.wechat.models import Account, Broadcast
from servicedesk.wechat.permissions import may_broadcast


def preview(staff: User, broadcast_id: int, openid: str) -> Broadcast:
    """Send the text to one follower (the writer's own WeChat) through the mass-preview API."""
    if not may_broadcast(staff):
        raise PermissionDenied
    broadcast = Broadcast.objects.select_related("account").get(pk=broadcast_id)
    if broadcast.state == Broadcast.State.SENT:
        raise ValidationError(_("This broadcast was already sent."))
    client_for(broadcast.account).message.send_mass_text(openid, broadcast.text, preview=True)
    broadcast.state, broadcast.previewed_to = Broadcast.State.PREVIEWED, openid[:64]
    broadcast.save(update_fields=["state", "previewed_to"])
    return broadcast


def send(staff: User, broadcast_id: int) -> Broadcast:
    """Send a previewed broadcast to everyone, unless one was sent within the account's pause."""
    if not may_broadcast(staff):
        raise PermissionDenied
    with transaction.atomic():
        broadcast = Broadcast.objects.select_for_update().select_related("account").get(pk=broadcast_id)
        account = Account.objects.select_for_update().get(pk=broadcast.account_id)
        if broadcast.state != Broadcast.State.PREVIEWED:
            raise ValidationError(_("Send a preview first, and read it in WeChat."))
        since = timezone.now() - datetime.timedelta(days=account.broadcast_every_days)
        if Broadcast.objects.filter(account=account, state=Broadcast.State.SENT, sent_at__gte=since).exists():
            raise ValidationError(
                _("A broadcast was sent in the last %(days)d days: this account sends one at most that often.")
                % {"days": account.broadcast_every_days}
            )
        try:
            result = client_for(account).message.send_mass_text(None, broadcast.text, is_to_all=True)
        except WeChatClientException as error:
            broadcast.state, broadcast.result = Broadcast.State.FAILED, str(error)[:300]
        else:
            broadcast.state, broadcast.result = Broadcast.State.SENT, f"msg_id {result.get('msg_id', '')}"[:300]
        broadcast.sent_by, broadcast.sent_at = staff, timezone.now()
        broadcast.save(update_fields=["state", "result", "sent_by", "sent_at"])
    return broadcast
