"""Daily activity: written at most once per fan per day, read as "active in the last N days"."""

import datetime

from django.core.cache import cache
from django.utils import timezone

from accounts.models import DailyActivity, User

ACTIVE_DAYS = 30


def record_activity(user: User) -> None:
    """Mark `user` active today. The cache key makes repeat calls on the same day free."""
    today = timezone.localdate()
    if not cache.add(f"active:{user.pk}:{today.isoformat()}", 1, timeout=26 * 3600):
        return
    DailyActivity.objects.bulk_create([DailyActivity(user=user, day=today)], ignore_conflicts=True)
    User.objects.filter(pk=user.pk).exclude(last_active_on=today).update(last_active_on=today)


def active_since(days: int = ACTIVE_DAYS) -> datetime.date:
    """The first day that still counts for "active in the last `days` days" (today included)."""
    return timezone.localdate() - datetime.timedelta(days=days - 1)


def active_fans():
    return User.objects.fans().filter(last_active_on__gte=active_since())
