"""Registering for meetups: every seat change happens here, under the meetup's row lock.

The rule that makes overbooking impossible: any write that can change who holds a seat first locks
the meetup row (`SELECT ... FOR UPDATE`, with a 3 s `lock_timeout` as pretix does), then counts and
writes inside the same transaction, in statements that start after the lock was granted. Writers
for one meetup queue one after the other; a fan who waits longer than 3 s gets "please try again"
instead of a hung request. The unique constraints on (meetup, fan) and (meetup, order) are the last
line of defence.

Registering (the rush: thousands of fans in the first minute) does all of that in one call of the
database function `meetups_register` (migration 0004) in autocommit, so the lock is held only while
the server runs it; the rarer writes below lock with `lock_meetup` inside `transaction.atomic()`.
"""

import datetime
import random
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from psycopg.errors import LockNotAvailable

from accounts.activity import active_since, record_activity
from accounts.models import DailyActivity, User
from accounts.roles import is_event_staff
from meetups import mail
from meetups.models import Meetup, Registration, new_ticket_code
from meetups.tickets import read_ticket

State = Registration.State
LOCK_TIMEOUT = "3s"
ANSWER_MAX = 300
# Draw weights, explained to fans on the meetup page (templates/meetups/_draw_rules.html).
WEIGHT_PER_ACTIVE_DAY = 0.1
MAX_ACTIVE_DAYS = 20
NO_SHOW_FACTOR = 0.5
NO_SHOW_MEMORY_DAYS = 365


class RegistrationError(Exception):
    """A refusal the fan can read (translated when shown); nothing was written."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class TryAgain(RegistrationError):
    def __init__(self):
        super().__init__(_("Many fans are registering right now. Please try again in a moment."))


def lock_meetup(meetup_id: int) -> Meetup:
    """Lock the meetup row for the rest of the transaction, waiting at most LOCK_TIMEOUT."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    try:
        return Meetup.objects.select_for_update(of=("self",)).select_related("city").get(pk=meetup_id)
    except OperationalError as exc:
        if isinstance(exc.__cause__, LockNotAvailable):
            raise TryAgain() from exc
        raise


def _check_fan(fan: User) -> None:
    if not fan.is_authenticated or not fan.is_active or fan.deleted_at:
        raise RegistrationError(_("Please sign in to register."))
    if fan.is_banned:
        raise RegistrationError(_("Your account is suspended, so you cannot register for meetups."))


# Why a meetup takes no registration, by the codes the database function meetups_register returns.
CLOSED = {
    "draft": _("This meetup is not published yet."),
    "cancelled": _("This meetup was cancelled."),
    "past": _("This meetup has already taken place."),
    "closed": _("Registration for this meetup is closed."),
    "not_yet": _("Registration has not opened yet."),
}


def closed_reason(meetup: Meetup, now: datetime.datetime) -> str | None:
    """The CLOSED key, or None if registration is open. Mirrored by meetups_register (0004)."""
    if meetup.status == Meetup.Status.DRAFT:
        return "draft"
    if meetup.status == Meetup.Status.CANCELLED:
        return "cancelled"
    if meetup.starts_at <= now or meetup.status == Meetup.Status.FINISHED:
        return "past"
    if meetup.status == Meetup.Status.CLOSED:
        return "closed"
    if meetup.registration_opens_at is None or now < meetup.registration_opens_at:
        return "not_yet"
    if meetup.registration_closes_at is not None and now >= meetup.registration_closes_at:
        return "closed"
    return None


def confirmed_count(meetup: Meetup) -> int:
    return Registration.objects.filter(meetup=meetup, state=State.CONFIRMED).count()


def _next_order(meetup: Meetup) -> int:
    return (Registration.objects.filter(meetup=meetup).aggregate(m=Max("order"))["m"] or 0) + 1


def register_for_meetup(fan: User, meetup: Meetup, answer: str = "") -> Registration:
    """Register `fan`: confirmed or waiting (first come), or applied (draw, staff selection).

    A fan who cancelled may register again: same row, a new place at the end and a new ticket code
    (so the old ticket stops working).
    """
    _check_fan(fan)
    answer = (answer or "").strip()
    if len(answer) > ANSWER_MAX:
        raise RegistrationError(_("Please keep your answer under %(n)s characters.") % {"n": ANSWER_MAX})
    now = timezone.now()
    # Cheap checks on what the page saw, for a clear answer without queueing for the lock; the
    # database function checks again under the lock.
    if reason := closed_reason(meetup, now):
        raise RegistrationError(CLOSED[reason])
    if Registration.objects.filter(meetup=meetup, fan=fan).exclude(state=State.CANCELLED).exists():
        raise RegistrationError(_("You are already registered for this meetup."))
    # Deliberately not in transaction.atomic(): in autocommit the lock taken inside the function is
    # released by the commit that ends this one statement, with no round trip while it is held.
    # (Called inside a caller's atomic block it is still exact; the lock then lasts to its commit.)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT outcome, registration_id FROM meetups_register(%s, %s, %s, %s, %s)",
                [meetup.pk, fan.pk, answer, new_ticket_code(), now],
            )
            outcome, registration_id = cursor.fetchone()
    except OperationalError as exc:
        if isinstance(exc.__cause__, LockNotAvailable):
            raise TryAgain() from exc
        raise
    except IntegrityError as exc:  # a ticket code collision (50 random bits): vanishingly rare
        raise TryAgain() from exc
    if outcome == "missing":
        raise Meetup.DoesNotExist
    if outcome == "already":  # the fan's row exists and is not cancelled: a double click raced past the check
        raise RegistrationError(_("You are already registered for this meetup."))
    if outcome != "ok":  # the meetup closed (or changed) after the page was read
        raise RegistrationError(CLOSED[outcome])
    registration = Registration.objects.select_related("meetup__city").get(pk=registration_id)
    registration.fan = fan
    record_activity(fan)
    if registration.state == State.CONFIRMED:
        mail.send_confirmation(registration)
    return registration


def waiting_position(registration: Registration) -> int | None:
    if registration.state != State.WAITING:
        return None
    return Registration.objects.filter(
        meetup_id=registration.meetup_id, state=State.WAITING, order__lte=registration.order
    ).count()


def _promote(meetup: Meetup, now: datetime.datetime) -> list[Registration]:
    """Fill free seats from the waiting list, first in order first. Call with the meetup locked."""
    free = meetup.capacity - confirmed_count(meetup)
    if free <= 0:
        return []
    promoted = list(
        Registration.objects.select_related("fan").filter(meetup=meetup, state=State.WAITING).order_by("order")[:free]
    )
    for registration in promoted:
        registration.state = State.CONFIRMED
        registration.confirmed_at = now
    Registration.objects.bulk_update(promoted, ["state", "confirmed_at"])
    return promoted


def _tell_promoted(meetup: Meetup, promoted: list[Registration]) -> None:
    mail.notify_in_language(
        [r.fan for r in promoted], meetup, _("A seat opened up: you are now confirmed for “%(title)s”.")
    )
    for registration in promoted:
        mail.send_confirmation(registration)


def cancel_registration(fan: User, registration: Registration) -> Registration:
    """The fan gives up their seat or place; the first waiting fan (if any) takes the seat."""
    if registration.fan_id != fan.pk:
        raise RegistrationError(_("This registration is not yours."))
    now = timezone.now()
    with transaction.atomic():
        meetup = lock_meetup(registration.meetup_id)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.state not in (State.CONFIRMED, State.WAITING, State.APPLIED):
            raise RegistrationError(_("This registration is already cancelled or closed."))
        if meetup.starts_at <= now or meetup.status in (Meetup.Status.FINISHED, Meetup.Status.CANCELLED):
            raise RegistrationError(_("This meetup has already taken place."))
        was_confirmed = registration.state == State.CONFIRMED
        if was_confirmed and meetup.cancel_cutoff and now >= meetup.cancel_cutoff:
            raise RegistrationError(_("It is too late to cancel online; please tell the organisers."))
        registration.state = State.CANCELLED
        registration.cancelled_at = now
        registration.save(update_fields=["state", "cancelled_at"])
        promoted = _promote(meetup, now) if was_confirmed else []
    _tell_promoted(meetup, promoted)
    return registration


def _require_staff(staff: User) -> None:
    if not is_event_staff(staff):
        raise PermissionDenied


def promote_from_waiting_list(staff: User, meetup: Meetup) -> list[Registration]:
    """Fill any free seats (after a capacity increase, say) from the waiting list."""
    _require_staff(staff)
    with transaction.atomic():
        meetup = lock_meetup(meetup.pk)
        if meetup.status not in (Meetup.Status.PUBLISHED, Meetup.Status.CLOSED) or meetup.is_past:
            raise RegistrationError(_("Only an upcoming, published meetup has a waiting list to promote."))
        promoted = _promote(meetup, timezone.now())
    _tell_promoted(meetup, promoted)
    return promoted


def close_registration(staff: User, meetup: Meetup) -> Meetup:
    _require_staff(staff)
    with transaction.atomic():
        meetup = lock_meetup(meetup.pk)
        if meetup.status != Meetup.Status.PUBLISHED:
            raise RegistrationError(_("Only a meetup with open registration can be closed."))
        meetup.status = Meetup.Status.CLOSED
        if meetup.registration_closes_at is None or meetup.registration_closes_at > timezone.now():
            meetup.registration_closes_at = timezone.now()
        meetup.save(update_fields=["status", "registration_closes_at"])
    return meetup


# --- Draw ------------------------------------------------------------------------------------


def draw_weights(fan_ids: list[int], now: datetime.datetime | None = None) -> dict[int, float]:
    """weight = (1 + 0.1 x active days in the last 30, at most 20 days) x 0.5 after a no-show.

    A fan active every other day weighs 2.5, a fan seen once 1.1; a fan confirmed for a meetup in
    the last year who did not come has half their weight.
    """
    now = now or timezone.now()
    days = dict(
        DailyActivity.objects.filter(user_id__in=fan_ids, day__gte=active_since())
        .values("user_id")
        .annotate(n=Count("*"))
        .values_list("user_id", "n")
        .order_by()
    )
    no_shows = set(
        Registration.objects.filter(
            fan_id__in=fan_ids,
            state=State.NO_SHOW,
            meetup__starts_at__gte=now - datetime.timedelta(days=NO_SHOW_MEMORY_DAYS),
        ).values_list("fan_id", flat=True)
    )
    weights = {}
    for fan_id in fan_ids:
        weight = 1 + WEIGHT_PER_ACTIVE_DAY * min(days.get(fan_id, 0), MAX_ACTIVE_DAYS)
        if fan_id in no_shows:
            weight *= NO_SHOW_FACTOR
        weights[fan_id] = round(weight, 4)
    return weights


def draw_order(seed: str, entries: list[tuple[int, float]]) -> list[int]:
    """Weighted random order without replacement (Efraimidis-Spirakis), reproducible from `seed`.

    `entries` are (key, weight) pairs; they are sorted by key, then each gets u = the next number
    of Python's random.Random(seed) and the score u ** (1 / weight). Highest score first.
    """
    rng = random.Random(seed)
    scored = [(rng.random() ** (1.0 / weight), key) for key, weight in sorted(entries)]
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [key for _, key in scored]


@dataclass
class DrawResult:
    seed: str
    confirmed: list[Registration]
    waiting: list[Registration]


def run_draw(staff: User, meetup: Meetup, seed: str | None = None) -> DrawResult:
    """Pick `capacity` applicants; the others join the waiting list in draw order."""
    _require_staff(staff)
    now = timezone.now()
    with transaction.atomic():
        meetup = lock_meetup(meetup.pk)
        if meetup.mode != Meetup.Mode.DRAW:
            raise RegistrationError(_("This meetup does not use a draw."))
        if meetup.drawn_at:
            raise RegistrationError(_("The draw for this meetup has already been run."))
        if meetup.status not in (Meetup.Status.PUBLISHED, Meetup.Status.CLOSED) or meetup.is_past:
            raise RegistrationError(_("Only an upcoming, published meetup can be drawn."))
        if meetup.status == Meetup.Status.PUBLISHED and (
            meetup.registration_closes_at is None or meetup.registration_closes_at > now
        ):
            raise RegistrationError(_("Close registration before running the draw."))
        seed = seed or meetup.draw_seed or secrets.token_hex(8)
        applicants = list(
            Registration.objects.select_related("fan").filter(meetup=meetup, state=State.APPLIED).order_by("order")
        )
        weights = draw_weights([r.fan_id for r in applicants], now)
        by_order = {r.order: r for r in applicants}
        ordered = [by_order[o] for o in draw_order(seed, [(r.order, weights[r.fan_id]) for r in applicants])]
        free = max(meetup.capacity - confirmed_count(meetup), 0)
        base = _next_order(meetup)
        for rank, registration in enumerate(ordered):
            registration.draw_weight = weights[registration.fan_id]
            registration.order = base + rank  # above every old order, so the unique order holds
            registration.state = State.CONFIRMED if rank < free else State.WAITING
            registration.confirmed_at = now if rank < free else None
        Registration.objects.bulk_update(ordered, ["draw_weight", "order", "state", "confirmed_at"], batch_size=1000)
        meetup.draw_seed = seed
        meetup.drawn_at = now
        meetup.status = Meetup.Status.CLOSED
        meetup.save(update_fields=["draw_seed", "drawn_at", "status"])
    confirmed, waiting = ordered[:free], ordered[free:]
    for registration in confirmed:
        mail.send_confirmation(registration)
    mail.notify_in_language(
        [r.fan for r in waiting], meetup, _("The draw for “%(title)s” is done: you are on the waiting list.")
    )
    return DrawResult(seed, confirmed, waiting)


# --- Staff selection -------------------------------------------------------------------------


def select_applicants(staff: User, meetup: Meetup, registration_ids: list[int]) -> list[Registration]:
    """Staff selection: confirm these applicants; refused as a whole if they do not fit."""
    _require_staff(staff)
    now = timezone.now()
    with transaction.atomic():
        meetup = lock_meetup(meetup.pk)
        chosen = list(
            Registration.objects.select_related("fan").filter(
                meetup=meetup, pk__in=registration_ids, state__in=[State.APPLIED, State.WAITING]
            )
        )
        if len(chosen) > meetup.capacity - confirmed_count(meetup):
            raise RegistrationError(
                _("Only %(n)s seats are left.") % {"n": max(meetup.capacity - confirmed_count(meetup), 0)}
            )
        for registration in chosen:
            registration.state = State.CONFIRMED
            registration.confirmed_at = now
        Registration.objects.bulk_update(chosen, ["state", "confirmed_at"])
    for registration in chosen:
        mail.send_confirmation(registration)
    return chosen


def reject_applicants(staff: User, meetup: Meetup, registration_ids: list[int]) -> int:
    _require_staff(staff)
    with transaction.atomic():
        lock_meetup(meetup.pk)
        return Registration.objects.filter(
            meetup=meetup, pk__in=registration_ids, state__in=[State.APPLIED, State.WAITING]
        ).update(state=State.REJECTED)


# --- At the door -----------------------------------------------------------------------------


def find_ticket(meetup: Meetup, text: str) -> Registration:
    """The registration a scanned or typed ticket belongs to, or a clear refusal."""
    parsed = read_ticket(text)
    if parsed is None:
        raise RegistrationError(_("This is not a valid Fancity ticket."))
    registration_id, code = parsed
    registration = Registration.objects.select_related("fan", "meetup").filter(ticket_code=code).first()
    if registration is None or (registration_id is not None and registration.pk != registration_id):
        raise RegistrationError(_("This ticket is not valid any more (it was cancelled or replaced)."))
    if registration.meetup_id != meetup.pk:
        raise RegistrationError(
            _("This ticket is for another meetup: %(title)s.") % {"title": registration.meetup.title}
        )
    if registration.state != State.CONFIRMED and not registration.checked_in_at:
        raise RegistrationError(
            _("This fan has no confirmed seat (%(state)s).") % {"state": registration.get_state_display()}
        )
    return registration


def check_in(staff: User, meetup: Meetup, text: str) -> Registration:
    """Let the ticket holder in, once."""
    _require_staff(staff)
    with transaction.atomic():
        registration = find_ticket(meetup, text)
        registration = Registration.objects.select_for_update().select_related("fan").get(pk=registration.pk)
        if registration.checked_in_at:
            raise RegistrationError(
                _("Already used: this ticket was checked in at %(time)s.")
                % {"time": timezone.localtime(registration.checked_in_at).strftime("%H:%M")}
            )
        registration.checked_in_at = timezone.now()
        registration.save(update_fields=["checked_in_at"])
    return registration


def check_in_registrations(staff: User, registrations) -> int:
    """The admin's bulk check-in: confirmed fans not yet checked in."""
    _require_staff(staff)
    return Registration.objects.filter(
        pk__in=[r.pk for r in registrations], state=State.CONFIRMED, checked_in_at__isnull=True
    ).update(checked_in_at=timezone.now())


def finish_meetup(meetup: Meetup) -> int:
    """After the meetup: confirmed fans who did not check in become no-shows. Safe to run twice."""
    with transaction.atomic():
        meetup = lock_meetup(meetup.pk)
        if meetup.status not in (Meetup.Status.PUBLISHED, Meetup.Status.CLOSED):
            return 0
        missed = Registration.objects.filter(meetup=meetup, state=State.CONFIRMED, checked_in_at__isnull=True).update(
            state=State.NO_SHOW
        )
        meetup.status = Meetup.Status.FINISHED
        meetup.save(update_fields=["status"])
    return missed
