"""Reads for the insights page: each figure is one aggregate query over an index or over rows that a
Celery task keeps (ActivityWeek, the meetups' CitySnapshot)."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.functional import Promise

from accounts.activity import active_since
from accounts.models import City, User
from accounts.roles import CORE_TESTERS
from forum.models import BoardKind, FeedbackKind, FeedbackStatus, Thread
from meetups.models import Meetup, Registration
from meetups.queries import ranking
from servicedesk.activity_weeks import fans
from servicedesk.models import OPEN_STATES, ActivityWeek, Channel, Rating, Ticket
from servicedesk.wechat.models import Inbound

DAYS = 30
WEEKS = 26


def _start(days: int) -> tuple[datetime.date, datetime.datetime]:
    first = timezone.localdate() - datetime.timedelta(days=days - 1)
    return first, timezone.make_aware(datetime.datetime.combine(first, datetime.time()))


def _days(first: datetime.date, days: int) -> list[datetime.date]:
    return [first + datetime.timedelta(days=n) for n in range(days)]


def _feedback_threads(city: City | None = None) -> QuerySet[Thread]:
    threads = Thread.objects.filter(board__kind=BoardKind.FEEDBACK)
    return threads.filter(author__city=city) if city else threads


@dataclass
class FeedbackDays:
    days: list[datetime.date]
    by_kind: dict[datetime.date, dict[str, int]]
    statuses: list[tuple[str, str | Promise, int]]  # (status, label, count)
    total: int


def feedback_per_day(days: int = DAYS, city: City | None = None) -> FeedbackDays:
    first, start = _start(days)
    rows = (
        _feedback_threads(city)
        .filter(created_at__gte=start)
        .annotate(day=TruncDate("created_at"))
        .values("day", "feedback_kind", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_kind = {d: {k: 0 for k in FeedbackKind.values} for d in _days(first, days)}
    statuses = dict.fromkeys(FeedbackStatus.values, 0)
    total = 0
    for row in rows:
        if row["day"] in by_kind and row["feedback_kind"] in FeedbackKind.values:
            by_kind[row["day"]][row["feedback_kind"]] += row["n"]
        if row["status"] in statuses:
            statuses[row["status"]] += row["n"]
        total += row["n"]
    return FeedbackDays(list(by_kind), by_kind, [(s, FeedbackStatus(s).label, n) for s, n in statuses.items()], total)


@dataclass
class ResponseDay:
    day: datetime.date
    answered: int
    median: float | None  # minutes
    p90: float | None


@dataclass
class ResponseTimes:
    days: list[ResponseDay]
    median: float | None
    p90: float | None
    answered: int
    within_target: int
    waiting: int
    target: int


def response_times(target_minutes: int, days: int = DAYS, city: City | None = None) -> ResponseTimes:
    """Median and 90th percentile of the first staff reply per day (PostgreSQL's percentile_cont)."""
    first, start = _start(days)
    threads = _feedback_threads(city).filter(created_at__gte=start)
    answered = threads.filter(time_to_first_staff_reply__isnull=False)
    sql, params = answered.values("created_at", "time_to_first_staff_reply").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT day, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY minutes), "
            "percentile_cont(0.9) WITHIN GROUP (ORDER BY minutes), count(*) FILTER (WHERE minutes <= %s) "
            "FROM (SELECT (t.created_at AT TIME ZONE %s)::date AS day, "
            f"EXTRACT(EPOCH FROM t.time_to_first_staff_reply) / 60.0 AS minutes FROM ({sql}) t) r "
            "GROUP BY ROLLUP (day) ORDER BY day NULLS LAST",
            [target_minutes, settings.TIME_ZONE, *params],
        )
        rows = cursor.fetchall()
    by_day = {d: ResponseDay(d, 0, None, None) for d in _days(first, days)}
    overall = (0, None, None, 0)
    for day, n, median, p90, within in rows:
        if day is None:
            overall = (n, median, p90, within)
        elif day in by_day:
            by_day[day] = ResponseDay(day, n, median, p90)
    waiting = Ticket.objects.filter(escalated_at__isnull=False, state__in=OPEN_STATES)
    if city:
        waiting = waiting.filter(city=city)
    return ResponseTimes(
        list(by_day.values()), overall[1], overall[2], overall[0], overall[3], waiting.count(), target_minutes
    )


@dataclass
class ChannelRow:
    channel: str
    label: str
    asked: int  # feedback threads, private requests, or WeChat messages
    by_rules: int  # answered by a keyword rule
    other_automatic: int  # WeChat: order status, nearest centres, link codes
    to_desk: int  # sent to the queue

    @property
    def rule_share(self) -> float:
        return self.by_rules / self.asked if self.asked else 0.0


def by_channel(days: int = DAYS, city: City | None = None) -> list[ChannelRow]:
    """Per channel over `days`: how much came in, how much the keyword rules answered, how much reached
    the desk (tickets: one grouped query; WeChat messages: one grouped query over their log)."""
    _first, start = _start(days)
    tickets = Ticket.objects.filter(created_at__gte=start)
    messages = Inbound.objects.filter(received_at__gte=start).exclude(outcome__in=["", Inbound.Outcome.EVENT])
    if city:
        tickets = tickets.filter(city=city)
        messages = messages.filter(follower__user__city=city)
    channel = Case(When(thread__isnull=False, then=Value(Channel.FORUM.value)), default=F("request__channel"),
                   output_field=CharField())  # fmt: skip
    rows = {c.value: ChannelRow(c.value, str(c.label), 0, 0, 0, 0) for c in Channel}
    for row in (
        tickets.annotate(channel=channel)
        .values("channel")
        .annotate(
            n=Count("id"),
            auto=Count("id", filter=Q(auto_answered_at__isnull=False)),
            desk=Count("id", filter=Q(escalated_at__isnull=False)),
        )
        .order_by()
    ):
        if row["channel"] != Channel.WECHAT:  # WeChat is counted per message below
            target = rows[row["channel"]]
            target.asked, target.by_rules, target.to_desk = row["n"], row["auto"], row["desk"]
    wechat = rows[Channel.WECHAT]
    for outcome, n in messages.values_list("outcome").annotate(n=Count("id")).order_by():
        wechat.asked += n
        if outcome == Inbound.Outcome.RULE:
            wechat.by_rules += n
        elif outcome == Inbound.Outcome.DESK:
            wechat.to_desk += n
        elif outcome != Inbound.Outcome.UNSUPPORTED:
            wechat.other_automatic += n
    return list(rows.values())


@dataclass
class AutomaticShare:
    tickets: int
    automatic: int  # answered by the bot, and the fan did not ask for a person
    asked_for_person: int
    escalated: int
    days: list[tuple[datetime.date, int, int]] = field(default_factory=list)  # (day, tickets, automatic)

    @property
    def share(self) -> float:
        return self.automatic / self.tickets if self.tickets else 0.0


def automatic_share(days: int = DAYS, city: City | None = None) -> AutomaticShare:
    first, start = _start(days)
    tickets = Ticket.objects.filter(created_at__gte=start)
    if city:
        tickets = tickets.filter(city=city)
    automatic = Q(auto_post__isnull=False) & ~Q(reason=Ticket.Reason.FAN_ASKED)
    rows = (
        tickets.annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(
            n=Count("id"),
            auto=Count("id", filter=automatic),
            asked=Count("id", filter=Q(reason=Ticket.Reason.FAN_ASKED)),
            escalated=Count("id", filter=Q(escalated_at__isnull=False)),
        )
        .order_by()
    )
    per_day = {d: (d, 0, 0) for d in _days(first, days)}
    result = AutomaticShare(0, 0, 0, 0)
    for row in rows:
        result.tickets += row["n"]
        result.automatic += row["auto"]
        result.asked_for_person += row["asked"]
        result.escalated += row["escalated"]
        if row["day"] in per_day:
            per_day[row["day"]] = (row["day"], row["n"], row["auto"])
    result.days = list(per_day.values())
    return result


@dataclass
class Rated:
    """Ratings of some answers: how many helped and how many did not."""

    label: str
    helped: int = 0
    not_helped: int = 0

    @property
    def total(self) -> int:
        return self.helped + self.not_helped

    @property
    def rate(self) -> float:
        return self.helped / self.total if self.total else 0.0

    @property
    def annoys(self) -> bool:
        """Enough ratings, and most of them say it did not help: a rule to rewrite or switch off."""
        return self.total >= ANNOYING_MIN_RATINGS and self.rate < 0.5


ANNOYING_MIN_RATINGS = 3


@dataclass
class Satisfaction:
    automatic: Rated
    human: Rated
    rules: list[Rated]  # automatic answers per keyword rule, the least helpful first


def satisfaction(days: int = DAYS, city: City | None = None) -> Satisfaction:
    """Fans' ratings of answers in the last `days`: automatic vs by a person, and per keyword rule (one query)."""
    _first, start = _start(days)
    ratings = Rating.objects.filter(rated_at__gte=start)
    if city:
        ratings = ratings.filter(ticket__city=city)
    rows = (
        ratings.values("automatic", "rule_name")
        .annotate(helped=Count("id", filter=Q(helpful=True)), not_helped=Count("id", filter=Q(helpful=False)))
        .order_by()
    )
    result = Satisfaction(Rated("automatic"), Rated("human"), [])
    for row in rows:
        side = result.automatic if row["automatic"] else result.human
        side.helped += row["helped"]
        side.not_helped += row["not_helped"]
        if row["automatic"]:
            result.rules.append(Rated(row["rule_name"], row["helped"], row["not_helped"]))
    result.rules.sort(key=lambda r: (r.rate, -r.total, r.label))
    return result


@dataclass
class Week:
    week: datetime.date
    active: int
    total: int

    @property
    def rate(self) -> float:
        return self.active / self.total if self.total else 0.0


def activity_weeks(city: City | None = None, weeks: int = WEEKS) -> list[Week]:
    since = timezone.localdate() - datetime.timedelta(weeks=weeks)
    rows = ActivityWeek.objects.filter(week__gte=since, city=city).order_by("week")
    return [Week(r.week, r.active_fans, r.all_fans) for r in rows]


def activity_by_city(limit: int = 15) -> list[tuple[City, Week]]:
    """The latest week's rate per city, biggest cities first."""
    latest = ActivityWeek.objects.filter(city__isnull=True).order_by("-week").values_list("week", flat=True).first()
    if latest is None:
        return []
    rows = (
        ActivityWeek.objects.filter(week=latest, city__isnull=False)
        .select_related("city")
        .order_by("-all_fans", "city_id")[:limit]
    )
    return [(r.city, Week(r.week, r.active_fans, r.all_fans)) for r in rows if r.city is not None]  # all of them


@dataclass
class SignupDay:
    day: datetime.date
    signups: int
    came_back: int  # active again on a later day than the sign-up


def signups(days: int = DAYS, city: City | None = None) -> list[SignupDay]:
    """Sign-ups per day and how many came back: `last_active_on` after the sign-up day (index user_joined)."""
    first, start = _start(days)
    users = fans().filter(date_joined__gte=start)
    if city:
        users = users.filter(city=city)
    rows = (
        users.annotate(day=TruncDate("date_joined"))
        .values("day")
        .annotate(n=Count("id"), back=Count("id", filter=Q(last_active_on__gt=TruncDate("date_joined"))))
        .order_by()
    )
    by_day = {d: SignupDay(d, 0, 0) for d in _days(first, days)}
    for row in rows:
        if row["day"] in by_day:
            by_day[row["day"]] = SignupDay(row["day"], row["n"], row["back"])
    return list(by_day.values())


@dataclass
class CityRow:
    city: City
    rank: int
    active: int
    total: int
    meetups_held: int


def city_ranking(limit: int = 10) -> list[CityRow]:
    """The meetups app's latest nightly ranking and the meetups each city has held (read only)."""
    top = ranking()[:limit]
    held = dict(
        Meetup.objects.filter(
            city_id__in=[s.city_id for s in top],
            starts_at__lt=timezone.now(),
            status__in=[Meetup.Status.FINISHED, Meetup.Status.CLOSED, Meetup.Status.PUBLISHED],
        )
        .values_list("city_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [CityRow(s.city, s.rank, s.active_fans, s.all_fans, held.get(s.city_id, 0)) for s in top]


def meetups_held(days: int = 365) -> int:
    return Meetup.objects.filter(
        starts_at__lt=timezone.now(),
        starts_at__gte=timezone.now() - datetime.timedelta(days=days),
        status__in=[Meetup.Status.FINISHED, Meetup.Status.CLOSED, Meetup.Status.PUBLISHED],
    ).count()


# --- fan segments --------------------------------------------------------------------------------

SEGMENTS = ["new", "active", "dormant", "core_testers", "meetup_attendees"]


def _segment_filters() -> dict[str, Q | Exists]:
    since = active_since()
    joined_since = timezone.now() - datetime.timedelta(days=30)
    testers = User.groups.through.objects.filter(group__name=CORE_TESTERS).values("user_id")
    attended = Registration.objects.filter(fan=OuterRef("pk")).filter(
        Q(checked_in_at__isnull=False) | Q(state=Registration.State.CONFIRMED, meetup__starts_at__lt=timezone.now())
    )
    return {
        "new": Q(date_joined__gte=joined_since),
        "active": Q(last_active_on__gte=since),
        "dormant": (Q(last_active_on__lt=since) | Q(last_active_on__isnull=True)) & Q(date_joined__lt=joined_since),
        "core_testers": Q(pk__in=testers),
        "meetup_attendees": Exists(attended),
    }


def segment_counts(city: City | None = None) -> dict[str, int]:
    """Every segment's size (and all fans) in one aggregate query."""
    users = fans()
    if city:
        users = users.filter(city=city)
    aggregates = {name: Count("id", filter=q) for name, q in _segment_filters().items()}
    return users.aggregate(all=Count("id"), **aggregates)


def segment_fans(segment: str, city: City | None = None) -> QuerySet[User]:
    users = fans().filter(_segment_filters()[segment]).select_related("city").order_by("pk")
    return users.filter(city=city) if city else users
