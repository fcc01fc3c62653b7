"""The fortnightly official meetup: which city, which day, created once per fortnight."""

import datetime
import logging

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.models import City, NotificationKind, User
from accounts.notifications import notify
from accounts.roles import EVENT_STAFF
from meetups.models import CitySnapshot, Meetup, SchedulerSettings
from meetups.ranking import latest_day, snapshot_cities

logger = logging.getLogger(__name__)
# Fortnights are counted from this Monday; the key of a fortnight is the date of its first Monday.
EPOCH = datetime.date(2024, 1, 1)


def fortnight_start(day: datetime.date) -> datetime.date:
    return EPOCH + datetime.timedelta(days=(day - EPOCH).days // 14 * 14)


def fortnight_key(day: datetime.date) -> str:
    return fortnight_start(day).isoformat()


def recent_host_ids(now: datetime.datetime, days: int) -> set[int]:
    """Cities with an official meetup (not cancelled) from `days` ago on, upcoming ones included."""
    return set(
        Meetup.objects.filter(kind=Meetup.Kind.OFFICIAL, starts_at__gte=now - datetime.timedelta(days=days))
        .exclude(status=Meetup.Status.CANCELLED)
        .values_list("city_id", flat=True)
    )


def pick_city(now: datetime.datetime | None = None, config: SchedulerSettings | None = None) -> City | None:
    """The best-ranked city in the latest snapshot that has active fans and has not hosted lately."""
    now = now or timezone.now()
    config = config or SchedulerSettings.load()
    day = latest_day()
    if day is None:
        return None
    snapshot = (
        CitySnapshot.objects.select_related("city")
        .filter(day=day, active_fans__gt=0)
        .exclude(city_id__in=recent_host_ids(now, config.no_repeat_days))
        .order_by("rank")
        .first()
    )
    return snapshot.city if snapshot else None


def meetup_start(today: datetime.date, config: SchedulerSettings) -> datetime.datetime:
    """`weeks_ahead` weeks from today, moved forward to the configured weekday, at the set time."""
    day = today + datetime.timedelta(weeks=config.weeks_ahead)
    day += datetime.timedelta(days=(config.weekday - day.weekday()) % 7)
    return timezone.make_aware(datetime.datetime.combine(day, config.start_time))


def schedule_next_meetup(today: datetime.date | None = None) -> Meetup | None:
    """Create this fortnight's official meetup as a draft and tell event staff; None if it exists.

    Beat runs this every Monday; the unique fortnight key turns the second Monday of each fortnight
    (and any retry or double run) into a no-op, so meetups come every other week.
    """
    now = timezone.now()
    today = today or timezone.localdate()
    key = fortnight_key(today)
    if Meetup.objects.filter(fortnight_key=key).exists():
        return None
    if latest_day() != today:
        snapshot_cities(today)
    config = SchedulerSettings.load()
    city = pick_city(now, config)
    if city is None:
        logger.warning("No city to schedule a meetup in for fortnight %s", key)
        return None
    starts_at = meetup_start(today, config)
    with translation.override(settings.LANGUAGE_CODE):
        title = str(_("Fancity meetup in %(city)s")) % {"city": city.label}
    try:
        with transaction.atomic():
            meetup = Meetup.objects.create(
                city=city,
                title=title,
                kind=Meetup.Kind.OFFICIAL,
                status=Meetup.Status.DRAFT,
                starts_at=starts_at,
                ends_at=starts_at + datetime.timedelta(hours=3),
                capacity=config.capacity,
                fortnight_key=key,
                registration_opens_at=max(now, starts_at - datetime.timedelta(days=14)),
                registration_closes_at=starts_at - datetime.timedelta(days=2),
                cancel_cutoff=starts_at - datetime.timedelta(days=1),
            )
    except IntegrityError:
        return None  # another run created this fortnight's meetup between our check and insert
    staff = User.objects.filter(
        groups__in=Group.objects.filter(name=EVENT_STAFF), is_active=True, deleted_at__isnull=True
    ).distinct()
    day = timezone.localtime(starts_at).date().isoformat()
    notify(
        staff,
        NotificationKind.STAFF,
        lambda: _("New draft meetup in %(city)s on %(day)s: add the venue and publish it.")
        % {"city": city.label, "day": day},
        reverse("admin:meetups_meetup_change", args=[meetup.pk]),
        group="meetups:scheduler",
    )
    return meetup
