"""Weekly activity rows: fans active in the last 30 days over all fans, overall and per city.

Tonight's figures come from one grouped count over `User.last_active_on` (indexed with the city);
past weeks (a backfill, for a new site or the benchmark) come from `DailyActivity`.
"""

import datetime

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.activity import ACTIVE_DAYS
from accounts.models import DailyActivity, User
from servicedesk.models import ActivityWeek
from servicedesk.triage import BOT_USERNAME


def monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def fans():
    """Every fan (accounts.models.FANS: not deleted, not a channel stand-in); the bot is not a fan."""
    return User.objects.fans().exclude(username=BOT_USERNAME)


def counts_on(day: datetime.date) -> dict[int | None, tuple[int, int]]:
    """{city_id: (active, all)} as of the end of `day`, in one grouped query."""
    since = day - datetime.timedelta(days=ACTIVE_DAYS - 1)
    if day >= timezone.localdate():
        active = Q(last_active_on__gte=since)
    else:
        active = Q(pk__in=DailyActivity.objects.filter(day__range=(since, day)).values("user_id"))
    end = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time()))
    rows = (
        fans()
        .filter(date_joined__lt=end)
        .values("city_id")
        .annotate(total=Count("id"), active=Count("id", filter=active))
        .order_by()
    )
    return {row["city_id"]: (row["active"], row["total"]) for row in rows}


def snapshot_week(day: datetime.date | None = None) -> int:
    """Write the rows of `day`'s week (overall and per city); running it again replaces them."""
    day = day or timezone.localdate()
    counts = counts_on(day)
    week = monday(day)
    rows = [
        ActivityWeek(week=week, city_id=city_id, day=day, active_fans=a, all_fans=t)
        for city_id, (a, t) in counts.items()
        if city_id is not None
    ]
    rows.append(
        ActivityWeek(
            week=week,
            city=None,
            day=day,
            active_fans=sum(a for a, _t in counts.values()),
            all_fans=sum(t for _a, t in counts.values()),
        )
    )
    with transaction.atomic():
        ActivityWeek.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["week", "city"],
            update_fields=["day", "active_fans", "all_fans"],
        )
    return len(rows)


def backfill(weeks: int = 12) -> int:
    """Rows for the last `weeks` finished weeks (each measured on its Sunday) and this week."""
    today = timezone.localdate()
    written = 0
    for n in range(weeks, 0, -1):
        written += snapshot_week(monday(today) - datetime.timedelta(days=7 * n - 6))
    return written + snapshot_week(today)
