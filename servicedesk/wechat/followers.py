"""Followers: the WeChat user of one account and the Fancity account their desk conversations belong to.

A follower who never linked has a placeholder account (username `wx-` and a digest of the AppID and
OpenID, no password, no e-mail), marked as a channel stand-in (`User.stand_in`): nobody can sign in with
it, it has no public profile, and no fan count or fan list includes it (accounts.models.FANS). Linking
moves their conversations to the fan's own account (servicedesk.wechat.linking).
"""

import datetime
import hashlib

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from servicedesk.wechat.models import Account, Follower

# WeChat accepts customer-service messages to a fan for this long after their last message.
WINDOW = datetime.timedelta(hours=48)


def placeholder_username(account: Account, openid: str) -> str:
    return "wx-" + hashlib.sha256(f"{account.app_id}:{openid}".encode()).hexdigest()[:16]


def follower_for(account: Account, openid: str, now: datetime.datetime) -> Follower:
    """The follower, made on their first message (with a placeholder account); `last_message_at` is now."""
    updated = Follower.objects.filter(account=account, openid=openid).update(last_message_at=now)
    if updated:
        return Follower.objects.select_related("user").get(account=account, openid=openid)
    try:
        with transaction.atomic():
            user, _created = User.objects.get_or_create(
                username=placeholder_username(account, openid),
                defaults={
                    "password": make_password(None),
                    "stand_in": True,
                    "display_name": _("WeChat fan %(tail)s") % {"tail": openid[-4:]},
                },
            )
            return Follower.objects.create(
                account=account, openid=openid, user=user, first_seen_at=now, last_message_at=now
            )
    except IntegrityError:  # the same fan's other message made it at the same moment
        return Follower.objects.select_related("user").get(account=account, openid=openid)


def within_window(follower: Follower, now: datetime.datetime | None = None) -> bool:
    return (now or timezone.now()) - follower.last_message_at < WINDOW


def language_of(follower: Follower, text: str = "") -> str:
    """The fan's language: their linked account's, WeChat's profile language, else guessed from the text
    (Latin letters and no Chinese: English)."""
    if follower.linked_at and follower.user.language:
        return follower.user.language
    if follower.language:
        return follower.language
    has_latin = any("a" <= ch.lower() <= "z" for ch in text)
    has_cjk = any("\u4e00" <= ch <= "\u9fff" for ch in text)
    return "en" if has_latin and not has_cjk else "zh-hans"
