"""Account-level moderation: a banned fan can read but not write, and the one rule of who may write."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import BANNED_FOR_GOOD, User
from accounts.roles import is_moderator

SIGNED_OUT = "signed_out"
BANNED = "banned"


def why_may_not_act(user: User) -> str | None:
    """Why this account may not act (post, like, register, propose a meetup), or None if it may.

    SIGNED_OUT: anonymous, deactivated or deleted; BANNED: suspended (it can still read). Every app
    asks this one function, so a ban or a deletion stops a fan everywhere at once.
    """
    if not user.is_authenticated or not user.is_active or user.deleted_at:
        return SIGNED_OUT
    if user.is_banned:
        return BANNED
    return None


def may_act(user: User) -> bool:
    return why_may_not_act(user) is None


def ban_notice(user: User) -> str:
    """What a banned fan is told when a write is refused: until when, and why. Empty when not banned."""
    if why_may_not_act(user) != BANNED:
        return ""
    assert user.banned_until is not None  # why_may_not_act() said BANNED
    if user.banned_until >= BANNED_FOR_GOOD:
        notice = _("Your account is banned from posting.")
    else:
        until = date_format(timezone.localtime(user.banned_until), "Y-m-d H:i")
        notice = _("Your account is banned from posting until %(until)s.") % {"until": until}
    if user.ban_reason:
        notice = _("%(notice)s Reason: %(reason)s") % {"notice": notice, "reason": user.ban_reason}
    return notice


def ban_user(
    moderator: User, fan: User, reason: str, duration: datetime.timedelta | None = None, *, checked: bool = False
) -> None:
    """Ban `fan` for `duration`, or for good when it is None.

    Site-wide moderators may ban anyone; `checked=True` says the caller has checked a narrower power
    itself (forum.moderation.moderate lets a board's own moderators ban for a time)."""
    if not (checked or is_moderator(moderator)):
        raise PermissionDenied
    until = BANNED_FOR_GOOD if duration is None else timezone.now() + duration
    with transaction.atomic():
        User.objects.filter(pk=fan.pk).update(banned_until=until, ban_reason=reason[:200])
    fan.banned_until, fan.ban_reason = until, reason[:200]


def unban_user(moderator: User, fan: User, *, checked: bool = False) -> None:
    """Lift `fan`'s ban at once (see `ban_user` for `checked`)."""
    if not (checked or is_moderator(moderator)):
        raise PermissionDenied
    with transaction.atomic():
        User.objects.filter(pk=fan.pk).update(banned_until=None, ban_reason="")
    fan.banned_until, fan.ban_reason = None, ""
