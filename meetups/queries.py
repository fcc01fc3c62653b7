"""Reads that the meetups pages share, with their joins already set."""

import datetime

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.models import User
from accounts.roles import is_event_staff
from meetups.models import AttendeeMessage, CitySnapshot, Meetup, Registration
from meetups.ranking import latest_day

VISIBLE = [Meetup.Status.PUBLISHED, Meetup.Status.CLOSED, Meetup.Status.FINISHED, Meetup.Status.CANCELLED]
# A fan's proposal that staff have not approved (pending or rejected) is not public: its venue and
# address are a fan's private plans. Approved ones stay public, also when later cancelled.
PUBLIC = Q(status__in=VISIBLE) & ~Q(approval__in=[Meetup.Approval.PENDING, Meetup.Approval.REJECTED])


def visible_to(user: User) -> Q:
    """The one rule of who may read a meetup (its page, ticket, calendar file and every list).

    Everyone sees the public ones; the fan who proposed one sees it in any state; event staff see all.
    """
    if is_event_staff(user):
        return Q()
    if user.is_authenticated:
        return PUBLIC | Q(proposed_by=user.pk)
    return PUBLIC


def visible_meetups(user: User) -> QuerySet[Meetup]:
    return Meetup.objects.select_related("city").filter(visible_to(user))


def with_seats(meetups: QuerySet[Meetup]) -> QuerySet[Meetup]:
    confirmed = Q(registrations__state=Registration.State.CONFIRMED)
    return meetups.annotate(confirmed=Count("registrations", filter=confirmed))


def upcoming_meetups(user: User) -> QuerySet[Meetup]:
    """Published meetups still ahead, the fan's home city first, then by date."""
    meetups = with_seats(
        visible_meetups(user).filter(
            PUBLIC, status__in=[Meetup.Status.PUBLISHED, Meetup.Status.CLOSED], starts_at__gte=timezone.now()
        )
    )
    city_id = getattr(user, "city_id", None) if user.is_authenticated else None
    home = (
        Case(When(city_id=city_id, then=Value(0)), default=Value(1), output_field=IntegerField())
        if city_id
        else Value(1)
    )
    return meetups.annotate(home_first=home).order_by("home_first", "starts_at", "pk")


def my_proposals(user: User) -> QuerySet[Meetup]:
    if not user.is_authenticated:
        return Meetup.objects.none()
    return visible_meetups(user).filter(proposed_by=user, status=Meetup.Status.DRAFT)


def meetup_for(user: User, pk: int, seats: bool = True) -> Meetup | None:
    """The meetup if `user` may see it (`visible_to`), else None.

    `seats` adds the confirmed count (a count over the meetup's registrations) for pages that show it.
    """
    meetups = visible_meetups(user)
    return (with_seats(meetups) if seats else meetups).filter(pk=pk).first()


def registration_of(user: User, meetup: Meetup) -> Registration | None:
    if not user.is_authenticated:
        return None
    return Registration.objects.filter(meetup=meetup, fan=user).first()


def ranking(day: datetime.date | None = None) -> list[CitySnapshot]:
    day = day or latest_day()
    if day is None:
        return []
    return list(CitySnapshot.objects.select_related("city").filter(day=day).order_by("rank"))


def trends(city_ids: list[int], days: int = 180) -> dict[int, list[tuple[datetime.date, int]]]:
    """Active fans per city over the last `days` days, one point per week (the week's last snapshot)."""
    since = timezone.localdate() - datetime.timedelta(days=days)
    series: dict[int, dict] = {c: {} for c in city_ids}
    rows = (
        CitySnapshot.objects.filter(city_id__in=city_ids, day__gte=since)
        .order_by("day")
        .values_list("city_id", "day", "active_fans")
    )
    for city_id, day, active in rows:
        series[city_id][day.isocalendar()[:2]] = (day, active)
    return {c: list(points.values()) for c, points in series.items()}


def last_official_meetups(limit: int = 10) -> QuerySet[Meetup]:
    return (
        with_seats(Meetup.objects.select_related("city"))
        .filter(PUBLIC, kind=Meetup.Kind.OFFICIAL, starts_at__lt=timezone.now())
        .exclude(status=Meetup.Status.CANCELLED)
        .order_by("-starts_at")[:limit]
    )


def sent_messages(meetup: Meetup) -> QuerySet[AttendeeMessage]:
    return AttendeeMessage.objects.filter(meetup=meetup).select_related("sent_by").order_by("-sent_at")
