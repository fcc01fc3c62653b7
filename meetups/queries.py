"""Reads that the meetups pages share, with their joins already set."""

import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from accounts.roles import is_event_staff
from meetups.models import (
    Answer,
    AttendeeMessage,
    CitySnapshot,
    DoorEntry,
    Meetup,
    Question,
    Registration,
    TicketTransfer,
    phone_digits,
)
from meetups.ranking import latest_day

VISIBLE = [Meetup.Status.PUBLISHED, Meetup.Status.CLOSED, Meetup.Status.FINISHED, Meetup.Status.CANCELLED]
# A fan's proposal that staff have not approved (pending or rejected) is not public: its venue and
# address are a fan's private plans. Approved ones stay public, also when later cancelled.
PUBLIC = Q(status__in=VISIBLE) & ~Q(approval__in=[Meetup.Approval.PENDING, Meetup.Approval.REJECTED])


def visible_to(user: User | AnonymousUser) -> Q:
    """The one rule of who may read a meetup (its page, ticket, calendar file and every list).

    Everyone sees the public ones; the fan who proposed one sees it in any state; event staff see all.
    """
    if isinstance(user, AnonymousUser):
        return PUBLIC
    if is_event_staff(user):
        return Q()
    return PUBLIC | Q(proposed_by=user.pk)


def visible_meetups(user: User | AnonymousUser) -> QuerySet[Meetup]:
    return Meetup.objects.select_related("city").filter(visible_to(user))


def with_seats(meetups: QuerySet[Meetup]) -> QuerySet[Meetup]:
    """`confirmed`: the seats taken, each confirmed fan and their guests."""
    confirmed = Q(registrations__state=Registration.State.CONFIRMED)
    return meetups.annotate(confirmed=Coalesce(Sum(F("registrations__guests") + 1, filter=confirmed), 0))


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


# "My meetups": a meetup stays among a fan's upcoming ones until some hours after its start (the ticket
# is still needed at the door); then it is past (meetups.tasks.finish_meetups marks the no-shows).
STILL_UPCOMING = datetime.timedelta(hours=6)
UPCOMING_STATES = (
    Registration.State.CONFIRMED,
    Registration.State.WAITING,
    Registration.State.APPLIED,
    Registration.State.REJECTED,
)
PAST_STATES = (Registration.State.CONFIRMED, Registration.State.NO_SHOW)
MY_UPCOMING_MAX = 50
PAST_PAGE = 20


def my_upcoming(user: User) -> QuerySet[Registration]:
    """The fan's registrations for meetups still ahead, soonest first, each with its waiting
    `position` (1 = next in line; None unless waiting) counted in the same query."""
    ahead = (
        Registration.objects.filter(
            meetup=OuterRef("meetup"), state=Registration.State.WAITING, order__lte=OuterRef("order")
        )
        .order_by()
        .values("meetup")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Registration.objects.filter(
            fan=user,
            state__in=UPCOMING_STATES,
            meetup__starts_at__gte=timezone.now() - STILL_UPCOMING,
        )
        .exclude(meetup__status=Meetup.Status.DRAFT)
        .select_related("meetup__city")
        .annotate(
            position=Case(
                When(state=Registration.State.WAITING, then=Subquery(ahead)), default=None, output_field=IntegerField()
            )
        )
        .order_by("meetup__starts_at", "pk")[:MY_UPCOMING_MAX]
    )


EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def past_cursor(registration: Registration) -> str:
    """Where the next page of past meetups starts: the meetup's start (microseconds) and the row."""
    return f"{(registration.meetup.starts_at - EPOCH) // datetime.timedelta(microseconds=1)}.{registration.pk}"


def parse_past_cursor(text: str | None) -> tuple[datetime.datetime, int] | None:
    """`past_cursor`'s text back, or None for anything else (a hand-edited URL is the first page)."""
    head, _, tail = (text or "").partition(".")
    if not (head.isascii() and head.isdigit() and tail.isascii() and tail.isdigit()):
        return None
    if len(head) > 17 or len(tail) > 18:
        return None
    try:
        return EPOCH + datetime.timedelta(microseconds=int(head)), int(tail)
    except OverflowError:
        return None


def my_past(user: User, before: tuple[datetime.datetime, int] | None = None) -> tuple[list[Registration], str | None]:
    """One page of the fan's past meetups (checked in, did not come, or not yet counted), latest
    first, by keyset (the meetup's start, then the row); and the cursor of the next page, if any."""
    rows = (
        Registration.objects.filter(
            fan=user, state__in=PAST_STATES, meetup__starts_at__lt=timezone.now() - STILL_UPCOMING
        )
        .exclude(meetup__status__in=[Meetup.Status.DRAFT, Meetup.Status.CANCELLED])
        .select_related("meetup__city")
        .order_by("-meetup__starts_at", "-pk")
    )
    if before is not None:
        starts, pk = before
        rows = rows.filter(Q(meetup__starts_at__lt=starts) | Q(meetup__starts_at=starts, pk__lt=pk))
    page = list(rows[: PAST_PAGE + 1])
    more = len(page) > PAST_PAGE
    page = page[:PAST_PAGE]
    return page, (past_cursor(page[-1]) if more else None)


def organised_by(user: User) -> QuerySet[Meetup]:
    """Approved fan meetups this fan organises that are not over yet: they run their door."""
    if not user.is_authenticated:
        return Meetup.objects.none()
    return Meetup.objects.filter(
        proposed_by=user,
        kind=Meetup.Kind.FAN,
        approval=Meetup.Approval.APPROVED,
        status__in=[Meetup.Status.PUBLISHED, Meetup.Status.CLOSED],
        starts_at__gte=timezone.now() - STILL_UPCOMING,
    ).order_by("starts_at", "pk")[:10]


def attendee_counts(meetup: Meetup) -> dict[str, int]:
    """Confirmed (checked in or not), checked in, and waiting, in one query."""
    state = Registration.State
    return Registration.objects.filter(meetup=meetup).aggregate(
        confirmed=Count("pk", filter=Q(state=state.CONFIRMED) | Q(checked_in_at__isnull=False)),
        checked_in=Count("pk", filter=Q(checked_in_at__isnull=False)),
        waiting=Count("pk", filter=Q(state=state.WAITING)),
    )


def door_stats(meetup: Meetup, now=None) -> dict[str, int]:
    """The door's live figures, in one query, counting people (fans and their guests): expected (a
    confirmed seat, already in, or marked as not come), checked in, and no-shows so far (once the
    meetup has started: expected and not in; after it, those marked as not come); with
    `attendee_counts`'s figures (fans, not people)."""
    state = Registration.State
    now = now or timezone.now()
    started = meetup.starts_at <= now
    people = F("guests") + 1  # a fan and the guests they bring
    expected = Q(state__in=[state.CONFIRMED, state.NO_SHOW]) | Q(checked_in_at__isnull=False)
    counts = Registration.objects.filter(meetup=meetup).aggregate(
        expected=Coalesce(Sum(people, filter=expected), 0),
        checked_in=Coalesce(Sum(people, filter=Q(checked_in_at__isnull=False)), 0),
        missing=Coalesce(
            Sum(people, filter=Q(state__in=[state.CONFIRMED, state.NO_SHOW], checked_in_at__isnull=True)), 0
        ),
        confirmed=Count("pk", filter=Q(state=state.CONFIRMED) | Q(checked_in_at__isnull=False)),
        waiting=Count("pk", filter=Q(state=state.WAITING)),
    )
    missing = counts.pop("missing")
    counts["no_shows"] = missing if started else 0
    counts["to_come"] = 0 if started else missing
    return counts


def open_transfer(registration: Registration) -> "TicketTransfer | None":
    """The offer of this seat to a friend that waits for their answer, if any."""
    return (
        TicketTransfer.objects.filter(registration=registration, state=TicketTransfer.State.OFFERED)
        .select_related("to_fan")
        .first()
    )


def door_log(meetup: Meetup, limit: int = 10) -> list[DoorEntry]:
    """The latest check-ins, undos and conflicts at the door, newest first, with who and whom."""
    return list(
        DoorEntry.objects.filter(meetup=meetup)
        .select_related("registration__fan", "by")
        .order_by("-recorded_at", "-id")[:limit]
    )


ATTENDEE_FILTERS = {
    "confirmed": Q(state=Registration.State.CONFIRMED, checked_in_at__isnull=True),
    "checked_in": Q(checked_in_at__isnull=False),
    "waiting": Q(state=Registration.State.WAITING),
}
ATTENDEE_PAGE = 50


def attendees(meetup: Meetup, which: str, after: int = 0) -> tuple[list[Registration], int | None]:
    """One page of a meetup's attendees in `which` group, in the meetup's order, by keyset on
    `order`; and where the next page starts (None on the last)."""
    rows = list(
        Registration.objects.filter(ATTENDEE_FILTERS[which], meetup=meetup, order__gt=after)
        .select_related("fan")
        .order_by("order")[: ATTENDEE_PAGE + 1]
    )
    more = len(rows) > ATTENDEE_PAGE
    rows = rows[:ATTENDEE_PAGE]
    return rows, (rows[-1].order if more else None)


SEARCH_RESULTS = 20
PHONE_SEARCH_MIN_DIGITS = 3


def search_attendees(meetup: Meetup, text: str) -> list[Registration]:
    """The door's search for a fan without their ticket: by display name or username (any part), or
    by the last digits of the phone number they gave (3 or more digits; spaces, dashes and + ignored)."""
    match = Q(fan__display_name__icontains=text) | Q(fan__username__icontains=text)
    digits = phone_digits(text)
    if len(digits) >= PHONE_SEARCH_MIN_DIGITS and set(text) <= set("0123456789 +-"):
        match |= phone_ends_with(digits)
    return list(
        Registration.objects.filter(match, meetup=meetup)
        .exclude(state=Registration.State.CANCELLED)
        .select_related("fan")
        .order_by("order")[:SEARCH_RESULTS]
    )


def questions_of(meetup: Meetup) -> list[Question]:
    """The meetup's registration questions, in the order event staff gave."""
    return list(Question.objects.filter(meetup=meetup).order_by("position", "pk"))


def answers_for(meetup: Meetup) -> dict[int, dict[int, Answer]]:
    """Every answer to the meetup's questions: {registration id: {question id: Answer}}.

    Private to event staff (and to whoever else may see the meetup's attendees): callers check the
    permission. One query, however many registrations.
    """
    answers: dict[int, dict[int, Answer]] = {}
    for answer in Answer.objects.filter(question__meetup=meetup).order_by():
        answers.setdefault(answer.registration_id, {})[answer.question_id] = answer
    return answers


def phone_answer(registration: Registration) -> str:
    """The fan's answer to the meetup's first phone question, as typed ("" when none)."""
    answer = (
        Answer.objects.filter(registration=registration, question__kind=Question.Kind.PHONE)
        .order_by("question__position", "question_id")
        .first()
    )
    return answer.value if answer else ""


def phone_ends_with(digits: str) -> Q:
    """A filter on Registration: a phone answer ending with these digits (spaces, dashes, "+" ignored).

    For the door's search by the last digits of a fan's phone number, e.g.
    `Registration.objects.filter(meetup=meetup).filter(phone_ends_with("8000"))`. `Answer.digits`
    holds the phone answers' digits alone, written with the answer.
    """
    digits = phone_digits(digits)
    if not digits:
        return Q(pk__in=[])
    phone = Answer.objects.filter(
        registration=OuterRef("pk"), question__kind=Question.Kind.PHONE, digits__endswith=digits
    )
    return Q(Exists(phone))
