"""Ranking cities by active fans: one aggregate query per night, kept as daily snapshots."""

import datetime

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.activity import active_since
from accounts.models import City, User
from meetups.models import CitySnapshot


def rank_rows(counts: dict[int, tuple[int, int]], city_ids: list[int]) -> list[tuple[int, int, int, float, int]]:
    """(city_id, active, all, ratio, rank) for every city: most active fans first, then best ratio."""
    rows = []
    for city_id in city_ids:
        active, total = counts.get(city_id, (0, 0))
        rows.append((city_id, active, total, round(active / total, 4) if total else 0.0))
    rows.sort(key=lambda r: (-r[1], -r[3], r[0]))
    return [(*row, rank) for rank, row in enumerate(rows, start=1)]


def snapshot_cities(day: datetime.date | None = None) -> int:
    """Count every city's active and all fans in ONE grouped query and store today's ranking.

    Active means active on at least one day in the last 30 days; `User.last_active_on` holds the
    latest such day (written by accounts.activity.record_activity) and is indexed with the city,
    so this is `count(*) FILTER (WHERE last_active_on >= ...)` grouped by city over that index.
    Running it again the same day replaces that day's rows.
    """
    day = day or timezone.localdate()
    since = active_since()
    counts = {
        row["city_id"]: (row["active"], row["total"])
        for row in User.objects.fans()
        .filter(city__isnull=False)
        .values("city_id")
        .annotate(total=Count("*"), active=Count("id", filter=Q(last_active_on__gte=since)))
        .order_by()
    }
    rows = rank_rows(counts, list(City.objects.values_list("pk", flat=True)))
    snapshots = [CitySnapshot(city_id=c, day=day, active_fans=a, all_fans=t, ratio=r, rank=k) for c, a, t, r, k in rows]
    with transaction.atomic():
        CitySnapshot.objects.bulk_create(
            snapshots,
            update_conflicts=True,
            unique_fields=["city", "day"],
            update_fields=["active_fans", "all_fans", "ratio", "rank"],
        )
    return len(snapshots)


def latest_day() -> datetime.date | None:
    return CitySnapshot.objects.order_by("-day").values_list("day", flat=True).first()
