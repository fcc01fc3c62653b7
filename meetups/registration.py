"""Registering for meetups: a fan registers or cancels; free seats go to the waiting list in order.

Every seat change happens under the meetup's row lock (meetups/locking.py). Registering (the rush:
thousands of fans in the first minute) does the lock, the check, the count and the insert in one
call of the database function `meetups_register` (meetups/sql/register.sql) in autocommit, so the lock
is held only while the server runs it; the rarer writes below lock with `lock_meetup` inside
`transaction.atomic()`. The draw, staff selection and check-in live in draw.py, selection.py and
checkin.py.
"""

import datetime
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from accounts.activity import record_activity
from accounts.models import User
from accounts.moderation import BANNED, why_may_not_act
from meetups import mail
from meetups.locking import RegistrationError, TryAgain, lock_meetup, lock_timed_out, require_event_staff
from meetups.mailtemplates import context_for, staff_text
from meetups.models import MailTemplate, Meetup, Question, Registration, new_ticket_code, seats_taken

State = Registration.State
ANSWER_MAX = 300


def _check_fan(fan: User) -> None:
    if reason := why_may_not_act(fan):
        if reason == BANNED:
            raise RegistrationError(_("Your account is suspended, so you cannot register for meetups."))
        raise RegistrationError(_("Please sign in to register."))


# Why a meetup takes no registration: the codes of Meetup.registration_closed_reason, which the
# database function meetups_register returns too.
CLOSED = {
    "draft": _("This meetup is not published yet."),
    "cancelled": _("This meetup was cancelled."),
    "past": _("This meetup has already taken place."),
    "closed": _("Registration for this meetup is closed."),
    "not_yet": _("Registration has not opened yet."),
}


def guests_refusal(meetup: Meetup) -> str:
    if not meetup.max_guests:
        return str(_("This meetup takes no guests."))
    return str(_("You may bring at most %(n)s guests.") % {"n": meetup.max_guests})


def opening_words(meetup: Meetup) -> dict[str, str] | None:
    """When registration opens, for a meetup whose registration opens later (else None): the day
    ("12月8日" / "December 8", with the year when not this year) and the time ("20:00") in the active
    language and the site's time zone, where the meetups take place."""
    if meetup.registration_closed_reason() != "not_yet" or meetup.registration_opens_at is None:
        return None
    with timezone.override(settings.TIME_ZONE):
        local = timezone.localtime(meetup.registration_opens_at)
        same_year = local.year == timezone.localdate().year
        # Django's Chinese MONTH_DAY_FORMAT pads the month ("03月5日"); fancity.lib.when translates it.
        day = date_format(local, pgettext("month and day, a PHP-style date format", "F j") if same_year else "Y-m-d")
        return {"day": day, "time": date_format(local, "H:i")}


def confirmed_count(meetup: Meetup) -> int:
    """Seats taken: every confirmed fan and their guests (`Registration.guests`)."""
    return seats_taken(Registration.objects.filter(meetup=meetup))


def next_order(meetup: Meetup) -> int:
    """The next place in the meetup's strict order. Call with the meetup locked."""
    return (Registration.objects.filter(meetup=meetup).aggregate(m=Max("order"))["m"] or 0) + 1


class AnswersInvalid(RegistrationError):
    """Answers to the meetup's questions that do not fit: `errors` maps question ids to messages."""

    def __init__(self, errors: dict[int, str]):
        self.errors = errors
        super().__init__(_("Please check your answers to the questions."))


def clean_answers(questions: list[Question], answers: dict[int, str]) -> list[dict]:
    """Every question's answer checked by `Question.clean_answer`, as meetups_register stores them.

    Raises AnswersInvalid with a message per question (in the active language) when any is missing
    or does not fit; an optional question left empty stores no answer.
    """
    rows, errors = [], {}
    for question in questions:
        try:
            value, digits = question.clean_answer(answers.get(question.pk))
        except ValidationError as error:
            errors[question.pk] = " ".join(error.messages)
            continue
        if value:
            rows.append({"q": question.pk, "v": value, "d": digits})
    if errors:
        raise AnswersInvalid(errors)
    return rows


def register_for_meetup(
    fan: User, meetup: Meetup, answer: str = "", answers: dict[int, str] | None = None, guests: int = 0
) -> Registration:
    """Register `fan`: confirmed or waiting (first come), or applied (draw, staff selection).

    `answers` maps the meetup's question ids (`meetup.questions`) to what the fan typed; they are
    checked before anything is written (AnswersInvalid) and written by the same database statement
    as the registration, so a registration never exists without its required answers.

    A fan who cancelled may register again: same row, a new place at the end and a new ticket code
    (so the old ticket stops working), and their new answers replace the old.

    `guests` (at most `meetup.max_guests`) come with the fan on the same ticket; each takes a seat,
    and the fan is confirmed only if all of them fit (the database function counts them).
    """
    _check_fan(fan)
    answer = (answer or "").strip()
    if len(answer) > ANSWER_MAX:
        raise RegistrationError(_("Please keep your answer under %(n)s characters.") % {"n": ANSWER_MAX})
    if not isinstance(guests, int) or not 0 <= guests <= meetup.max_guests:
        raise RegistrationError(guests_refusal(meetup))
    answer_rows = clean_answers(list(Question.objects.filter(meetup=meetup)), answers or {})
    now = timezone.now()
    # Cheap checks on what the page saw, for a clear answer without queueing for the lock; the
    # database function checks again under the lock.
    if reason := meetup.registration_closed_reason(now):
        raise RegistrationError(CLOSED[reason])
    if Registration.objects.filter(meetup=meetup, fan=fan).exclude(state=State.CANCELLED).exists():
        raise RegistrationError(_("You are already registered for this meetup."))
    # Deliberately not in transaction.atomic(): in autocommit the lock taken inside the function is
    # released by the commit that ends this one statement, with no round trip while it is held.
    # (Called inside a caller's atomic block it is still exact; the lock then lasts to its commit.)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT outcome, registration_id FROM meetups_register(%s, %s, %s, %s, %s, %s::jsonb, %s)",
                [meetup.pk, fan.pk, answer, new_ticket_code(), now, json.dumps(answer_rows), guests],
            )
            outcome, registration_id = cursor.fetchone()
    except OperationalError as exc:
        if lock_timed_out(exc):
            raise TryAgain() from exc
        raise
    except IntegrityError as exc:  # a ticket code collision (50 random bits), or a question deleted meanwhile
        raise TryAgain() from exc
    if outcome == "missing":
        raise Meetup.DoesNotExist
    if outcome == "already":  # the fan's row exists and is not cancelled: a double click raced past the check
        raise RegistrationError(_("You are already registered for this meetup."))
    if outcome == "guests":  # staff changed the number of guests allowed after the check above
        raise RegistrationError(guests_refusal(meetup))
    if outcome != "ok":  # the meetup closed (or changed) after the page was read
        raise RegistrationError(CLOSED[outcome])
    registration = Registration.objects.select_related("meetup__city").get(pk=registration_id)
    registration.fan = fan
    record_activity(fan)
    if registration.state == State.CONFIRMED:
        mail.send_confirmation(registration)
    elif registration.state == State.WAITING:
        mail.send_waiting(registration, waiting_position(registration))
    return registration


def waiting_position(registration: Registration) -> int | None:
    if registration.state != State.WAITING:
        return None
    return Registration.objects.filter(
        meetup_id=registration.meetup_id, state=State.WAITING, order__lte=registration.order
    ).count()


def confirm_deadline(meetup: Meetup, now: datetime.datetime) -> datetime.datetime | None:
    """When a fan promoted now must confirm: None unless the meetup starts within its late window."""
    if meetup.starts_at - now > datetime.timedelta(hours=meetup.late_promotion_hours):
        return None
    return min(now + datetime.timedelta(hours=meetup.late_confirm_hours), meetup.starts_at)


def _promote(meetup: Meetup, now: datetime.datetime) -> list[Registration]:
    """Fill free seats from the waiting list, first in order first. Call with the meetup locked.

    Close to the start (`Meetup.late_promotion_hours`), the seat is held for the fan until
    `confirm_by`; meetups.tasks.release_unconfirmed_seats passes it on when that goes by.
    """
    free = meetup.capacity - confirmed_count(meetup)
    if free <= 0:
        return []
    promoted = []
    # In order, as long as the next fan and their guests fit: a fan with a guest is never skipped
    # for a smaller party behind them.
    for waiting in (
        Registration.objects.select_related("fan").filter(meetup=meetup, state=State.WAITING).order_by("order")[:free]
    ):
        if 1 + waiting.guests > free:
            break
        free -= 1 + waiting.guests
        promoted.append(waiting)
    deadline = confirm_deadline(meetup, now)
    for registration in promoted:
        registration.state = State.CONFIRMED
        registration.confirmed_at = now
        registration.confirm_by = deadline
    Registration.objects.bulk_update(promoted, ["state", "confirmed_at", "confirm_by"])
    return promoted


def _deadline_text(registration: Registration) -> str:
    with timezone.override(settings.TIME_ZONE):
        return timezone.localtime(registration.confirm_by).strftime("%Y-%m-%d %H:%M")


def _tell_promoted(meetup: Meetup, promoted: list[Registration]) -> None:
    held = [r for r in promoted if r.confirm_by]
    default = _("A seat opened up: you are now confirmed for “%(title)s”.")
    mail.notify_text(
        [r.fan for r in promoted if not r.confirm_by],
        meetup,
        # Event staff's text in each fan's language (meetups.mailtemplates), else ours.
        lambda: staff_text(MailTemplate.Kind.PROMOTION, context_for(meetup, None))
        or str(default) % {"title": meetup.title},
        f"meetup:{meetup.pk}",
    )
    if held:
        deadline = _deadline_text(held[0])  # one promotion, one deadline
        mail.notify_text(
            [r.fan for r in held],
            meetup,
            lambda: str(
                _(
                    "A seat opened up late: please confirm by %(deadline)s that you are coming to “%(title)s”, "
                    "or it passes to the next fan."
                )
            )
            % {"deadline": deadline, "title": meetup.title},
            f"meetup:{meetup.pk}:late",
        )
    for registration in promoted:
        if not registration.confirm_by:
            mail.send_confirmation(registration)


def confirm_seat(fan: User, registration: Registration) -> Registration:
    """The fan takes the seat they were promoted to late, before its deadline."""
    if registration.fan_id != fan.pk:
        raise RegistrationError(_("This registration is not yours."))
    now = timezone.now()
    with transaction.atomic():
        meetup = lock_meetup(registration.meetup_id)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.fan_id != fan.pk:
            raise RegistrationError(_("This registration is not yours."))
        if registration.state != State.CONFIRMED or registration.confirm_by is None:
            raise RegistrationError(_("You have no seat waiting for your confirmation."))
        if registration.confirm_by <= now:
            raise RegistrationError(_("The time to confirm this seat has passed."))
        registration.confirm_by = None
        registration.save(update_fields=["confirm_by"])
    registration.meetup = meetup
    registration.fan = fan
    mail.send_confirmation(registration)
    return registration


def release_unconfirmed_seats(now: datetime.datetime | None = None) -> int:
    """Seats held past their `confirm_by` go to the next waiting fans; returns how many were released.

    Per meetup under its lock, re-reading the expired rows there: safe to run twice or at once. A fan
    who checked in at the door is there: their seat is never released (the door clears `confirm_by`
    as it lets them in, and the expired rows are locked and read again here, so a check-in racing
    this run keeps the seat).
    """
    now = now or timezone.now()
    released = 0
    due = Registration.objects.filter(state=State.CONFIRMED, confirm_by__lte=now, checked_in_at__isnull=True)
    meetup_ids = due.order_by("meetup_id").values_list("meetup_id", flat=True).distinct()
    for meetup_id in list(meetup_ids):
        with transaction.atomic():
            meetup = lock_meetup(meetup_id)
            expired = list(due.filter(meetup=meetup).select_related("fan").select_for_update(of=("self",)))
            for registration in expired:
                registration.state = State.CANCELLED
                registration.cancelled_at = now
                registration.confirm_by = None
            Registration.objects.bulk_update(expired, ["state", "cancelled_at", "confirm_by"])
            promoted = _promote(meetup, now) if meetup.starts_at > now else []
            mail.notify_in_language(
                [r.fan for r in expired],
                meetup,
                _("You did not confirm your seat at “%(title)s” in time, so it passed to the next fan."),
            )
        _tell_promoted(meetup, promoted)
        released += len(expired)
    return released


ACTIVE = (State.CONFIRMED, State.WAITING, State.APPLIED)


def _cancel(meetup: Meetup, registration: Registration, now: datetime.datetime) -> list[Registration]:
    """Cancel a locked registration; a freed seat goes to the waiting list. Returns the promoted."""
    was_confirmed = registration.state == State.CONFIRMED
    registration.state = State.CANCELLED
    registration.cancelled_at = now
    registration.confirm_by = None
    registration.save(update_fields=["state", "cancelled_at", "confirm_by"])
    return _promote(meetup, now) if was_confirmed else []


def cancel_registration(fan: User, registration: Registration) -> Registration:
    """The fan gives up their seat or place; the first waiting fan (if any) takes the seat."""
    if registration.fan_id != fan.pk:
        raise RegistrationError(_("This registration is not yours."))
    now = timezone.now()
    with transaction.atomic():
        meetup = lock_meetup(registration.meetup_id)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.fan_id != fan.pk:  # given to a friend (meetups.transfers) since it was read
            raise RegistrationError(_("This registration is not yours."))
        if registration.state not in ACTIVE:
            raise RegistrationError(_("This registration is already cancelled or closed."))
        if meetup.starts_at <= now or meetup.status in (Meetup.Status.FINISHED, Meetup.Status.CANCELLED):
            raise RegistrationError(_("This meetup has already taken place."))
        if registration.state == State.CONFIRMED and meetup.cancel_cutoff and now >= meetup.cancel_cutoff:
            raise RegistrationError(_("It is too late to cancel online; please tell the organisers."))
        promoted = _cancel(meetup, registration, now)
    _tell_promoted(meetup, promoted)
    return registration


def release_places_of_deleted_fan(fan: User) -> None:
    """Account deletion (in its transaction): the fan's places in upcoming meetups are cancelled,
    whatever the cancellation cutoff, and each freed seat goes to the first waiting fan.

    The meetup lock is waited for without the fans' 3 s limit (a deletion is not a rush and must
    not fail because one is going on); meetups are locked in id order.
    """
    now = timezone.now()
    upcoming = Registration.objects.filter(
        fan=fan,
        state__in=ACTIVE,
        meetup__starts_at__gt=now,
        meetup__status__in=[Meetup.Status.PUBLISHED, Meetup.Status.CLOSED],
    )
    for meetup_id in upcoming.order_by("meetup_id").values_list("meetup_id", flat=True):
        meetup = Meetup.objects.select_for_update(of=("self",)).get(pk=meetup_id)
        registration = Registration.objects.select_for_update().get(meetup=meetup, fan=fan)
        upcoming_still = meetup.status in (Meetup.Status.PUBLISHED, Meetup.Status.CLOSED) and meetup.starts_at > now
        if upcoming_still and registration.state in ACTIVE:  # as it was read before the lock
            _tell_promoted(meetup, _cancel(meetup, registration, now))


def promote_from_waiting_list(staff: User, meetup: Meetup) -> list[Registration]:
    """Fill any free seats (after a capacity increase, say) from the waiting list."""
    require_event_staff(staff)
    with transaction.atomic():
        meetup = lock_meetup(meetup.pk)
        if meetup.status not in (Meetup.Status.PUBLISHED, Meetup.Status.CLOSED) or meetup.is_past:
            raise RegistrationError(_("Only an upcoming, published meetup has a waiting list to promote."))
        promoted = _promote(meetup, timezone.now())
    _tell_promoted(meetup, promoted)
    return promoted


def close_registration(staff: User, meetup: Meetup) -> Meetup:
    require_event_staff(staff)
    with transaction.atomic():
        meetup = lock_meetup(meetup.pk)
        if meetup.status != Meetup.Status.PUBLISHED:
            raise RegistrationError(_("Only a meetup with open registration can be closed."))
        meetup.status = Meetup.Status.CLOSED
        if meetup.registration_closes_at is None or meetup.registration_closes_at > timezone.now():
            meetup.registration_closes_at = timezone.now()
        meetup.save(update_fields=["status", "registration_closes_at"])
    return meetup
