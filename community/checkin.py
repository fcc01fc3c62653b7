"""Daily check-in (签到): one tap, one row a day, a streak and a small credit.

Exact under a double tap: the row is inserted with ON CONFLICT DO NOTHING on the unique (fan, day), so
of two taps in the same second one inserts and the other finds it; only the tap that inserted credits
the fan (and the credit's ref, "checkin:<day>", is once-only in the ledger too).
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from community import credits
from community.models import CheckIn, CreditReason
from community.permissions import may_take_part
from fancity.lib.rows import insert_once


def check_in(user: User) -> tuple[CheckIn, bool]:
    """Check `user` in today; returns today's check-in and whether this call made it."""
    if not may_take_part(user):
        raise PermissionDenied
    today = timezone.localdate()
    with transaction.atomic():
        before = CheckIn.objects.filter(user=user, day=today - datetime.timedelta(days=1)).values_list(
            "streak", flat=True
        )
        streak = (before.first() or 0) + 1
        made = insert_once(CheckIn, user=user.pk, day=today, streak=streak)
        if made:
            credits.award(user.pk, CreditReason.CHECKIN, f"checkin:{today.isoformat()}")
        return CheckIn.objects.get(user=user, day=today), made


def today_of(user: User) -> CheckIn | None:
    if not user.is_authenticated:
        return None
    return CheckIn.objects.filter(user=user, day=timezone.localdate()).first()


def current_streak(user: User) -> int:
    """Today's streak, or yesterday's while today's check-in is still to come."""
    today = timezone.localdate()
    row = CheckIn.objects.filter(user=user, day__gte=today - datetime.timedelta(days=1)).order_by("-day").first()
    return row.streak if row else 0


# For the navigation (settings.ACCOUNT_FAN_COLUMNS): whether the signed-in fan checked in today.
CHECKED_IN_TODAY_SQL = (
    f"EXISTS (SELECT 1 FROM {CheckIn._meta.db_table} ci WHERE ci.user_id = {{user}} "
    f"AND ci.day = (now() AT TIME ZONE '{settings.TIME_ZONE}')::date)"
)
