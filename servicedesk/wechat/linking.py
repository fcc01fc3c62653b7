"""Linking a WeChat follower to a Fancity account: a one-time code sent in the chat, entered on the site.

The fan sends 绑定 (or "link", or taps the menu button with that keyword) and gets a code valid for
CODE_MINUTES; signed in on the site they enter it at /wechat/link/. Their WeChat conversations then
belong to their own account (the placeholder made for the follower is left empty), so tickets show
their earlier tickets and city, and their desk answers appear in the site as well. allauth's WeChat
login links the same way when it is configured: `link_social` is called with the login's openid.
"""

import datetime
import secrets

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.moderation import may_act
from servicedesk.models import PrivateMessage, PrivateRequest, Ticket
from servicedesk.wechat.models import Conversation, Follower, LinkCode

KEYWORDS = frozenset({"绑定", "绑定账号", "link", "link account"})
CODE_MINUTES = 10
ATTEMPTS_PER_HOUR = 10


def issue(follower: Follower) -> LinkCode:
    now = timezone.now()
    LinkCode.objects.filter(expires_at__lt=now).delete()
    LinkCode.objects.filter(follower=follower, used_at__isnull=True).delete()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return LinkCode.objects.create(
                    follower=follower,
                    code=f"{secrets.randbelow(10**8):08d}",
                    expires_at=now + datetime.timedelta(minutes=CODE_MINUTES),
                )
        except IntegrityError:
            continue
    raise RuntimeError("no free link code")


def code_message(code: LinkCode) -> str:
    return _(
        "Your link code is %(code)s. Sign in on the Fancity site and enter it under “Link WeChat” within "
        "%(minutes)d minutes. Never share it with anyone."
    ) % {"code": code.code, "minutes": CODE_MINUTES}


def link_with_code(user: User, code: str) -> Follower:
    """Link the follower who was sent `code` to `user`; the code works once, before it expires."""
    if not user.is_authenticated or not may_act(user):
        raise PermissionDenied
    tries_key = f"wechat:link-tries:{user.pk}"
    cache.add(tries_key, 0, 3600)
    try:
        tries = cache.incr(tries_key)
    except ValueError:  # Redis unreachable: no count, the code's 10^8 space and 10 minutes remain
        tries = 0
    if tries > ATTEMPTS_PER_HOUR:
        raise ValidationError(_("Too many attempts. Please try again in an hour."))
    code = "".join(code.split())
    with transaction.atomic():
        found = (
            LinkCode.objects.select_for_update()
            .select_related("follower")
            .filter(code=code, used_at__isnull=True, expires_at__gte=timezone.now())
            .first()
        )
        if found is None:
            raise ValidationError(_("This code is not valid or has expired. Send 绑定 in WeChat for a new one."))
        found.used_at = timezone.now()
        found.save(update_fields=["used_at"])
        return _link(found.follower, user)


def social_login(user: User, provider: str, uid: str, extra_data: dict) -> int:
    """`SOCIAL_LOGIN_HOOKS`: after a WeChat login ("weixin"), link the followers with its openid or unionid.

    The website login's openid differs from the Official Account's; the unionid (the same person across
    the brand's apps, fetched for each follower from WeChat's user info) is what usually matches."""
    if provider != "weixin" or not user.pk:
        return 0
    return link_social(user, uid, str(extra_data.get("unionid") or ""))


def link_social(user: User, openid: str, unionid: str = "") -> int:
    """allauth's WeChat login: link every follower with this openid (or unionid) to `user`."""
    followers = Follower.objects.filter(openid=openid, linked_at__isnull=True)
    if unionid:
        followers = followers | Follower.objects.filter(unionid=unionid, linked_at__isnull=True)
    count = 0
    with transaction.atomic():
        for follower in followers.select_for_update():
            _link(follower, user)
            count += 1
    return count


def _link(follower: Follower, user: User) -> Follower:
    if follower.linked_at and follower.user_id != user.pk:
        raise ValidationError(_("This WeChat account is already linked to another Fancity account."))
    placeholder = follower.user_id
    requests = PrivateRequest.objects.filter(
        pk__in=Conversation.objects.filter(follower=follower).values("request_id"), fan_id=placeholder
    )
    request_ids = list(requests.values_list("pk", flat=True))
    PrivateRequest.objects.filter(pk__in=request_ids).update(fan=user)
    Ticket.objects.filter(request_id__in=request_ids, city__isnull=True).update(city_id=user.city_id)
    PrivateMessage.objects.filter(request_id__in=request_ids, author_id=placeholder).update(author=user)
    follower.user = user
    follower.linked_at = timezone.now()
    follower.save(update_fields=["user", "linked_at"])
    return follower


def linked_followers(user: User):
    return Follower.objects.filter(user=user, linked_at__isnull=False).select_related("account")
