"""At the door: who may run it, when it is open, check a ticket, let its holder in once; after the
meetup, mark who did not come.

The door is run by event staff, or by the fan who organised an approved fan meetup (for that meetup
only): `may_run_door` is the one rule, used by every door page and write.
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import is_event_staff
from community.models import CreditReason
from meetups.locking import RegistrationError, lock_meetup
from meetups.models import Meetup, Registration, SchedulerSettings
from meetups.tickets import read_ticket
from outbox.queueing import enqueue

State = Registration.State


def organises(user: User, meetup: Meetup) -> bool:
    """The fan who proposed this fan meetup, once staff approved it."""
    return (
        user.is_authenticated
        and user.is_active
        and meetup.kind == Meetup.Kind.FAN
        and meetup.approval == Meetup.Approval.APPROVED
        and meetup.proposed_by_id == user.pk
    )


def may_run_door(user: User, meetup: Meetup) -> bool:
    """Who sees a meetup's attendees and checks them in: event staff, or its fan organiser."""
    return is_event_staff(user) or organises(user, meetup)


def require_door(user: User, meetup: Meetup) -> None:
    if not may_run_door(user, meetup):
        raise PermissionDenied


def checkin_window(
    meetup: Meetup, settings: SchedulerSettings | None = None
) -> tuple[datetime.datetime, datetime.datetime]:
    """When the door accepts tickets: from `checkin_opens_hours` before the start to
    `checkin_closes_hours` after the end (SchedulerSettings, default 2 and 2)."""
    # Read, not created: a page view writes nothing (the defaults apply until staff save the settings).
    settings = settings or SchedulerSettings.objects.filter(pk=1).first() or SchedulerSettings()
    return (
        meetup.starts_at - datetime.timedelta(hours=settings.checkin_opens_hours),
        meetup.end + datetime.timedelta(hours=settings.checkin_closes_hours),
    )


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def window_refusal(meetup: Meetup, now: datetime.datetime | None = None, settings=None) -> str | None:
    """Why the door is shut now (a sentence in the active language, the staff's), or None when open."""
    now = now or timezone.now()
    if meetup.status == Meetup.Status.CANCELLED:
        return str(_("This meetup was cancelled."))
    if meetup.status == Meetup.Status.DRAFT:
        return str(_("This meetup is not published yet."))
    opens, closes = checkin_window(meetup, settings)
    if now < opens:
        return str(_("Check-in opens at %(time)s, %(hours)s hours before the start.")) % {
            "time": _local(opens),
            "hours": (meetup.starts_at - opens) // datetime.timedelta(hours=1),
        }
    if now > closes:
        return str(_("Check-in closed at %(time)s.")) % {"time": _local(closes)}
    return None


def find_ticket(meetup: Meetup, text: str) -> Registration:
    """The registration a scanned or typed ticket belongs to, or a clear refusal."""
    if meetup.status == Meetup.Status.CANCELLED:
        raise RegistrationError(_("This meetup was cancelled: its tickets are no longer valid."))
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
    _check_seat(registration)
    return registration


def _check_seat(registration: Registration) -> None:
    if registration.state != State.CONFIRMED and not registration.checked_in_at:
        raise RegistrationError(
            _("This fan has no confirmed seat (%(state)s).") % {"state": registration.get_state_display()}
        )


def _let_in(meetup: Meetup, registration_id: int) -> Registration:
    """Check in one registration of `meetup`, once; call inside a transaction."""
    if refusal := window_refusal(meetup):
        raise RegistrationError(refusal)
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("fan")
        .filter(pk=registration_id, meetup=meetup)
        .first()
    )
    if registration is None:
        raise RegistrationError(_("This fan is not registered for this meetup."))
    if registration.checked_in_at:
        raise RegistrationError(
            _("Already used: this ticket was checked in at %(time)s.")
            % {"time": timezone.localtime(registration.checked_in_at).strftime("%H:%M")}
        )
    _check_seat(registration)
    registration.checked_in_at = timezone.now()
    registration.confirm_by = None  # a late seat held for the fan: coming to the door confirms it
    registration.save(update_fields=["checked_in_at", "confirm_by"])
    # The fan's credit for coming, after the commit: the door stays as quick as it was.
    enqueue("community.tasks.award_credit", registration.fan_id, CreditReason.MEETUP.value, f"meetup:{meetup.pk}")
    return registration


def check_in(staff: User, meetup: Meetup, text: str) -> Registration:
    """Let the holder of a scanned or typed ticket in, once, while the door is open."""
    require_door(staff, meetup)
    with transaction.atomic():
        registration = find_ticket(meetup, text)
        return _let_in(meetup, registration.pk)


def check_in_registration(staff: User, meetup: Meetup, registration_id: int) -> Registration:
    """Let a fan found by name or phone digits in (they have no ticket with them), once."""
    require_door(staff, meetup)
    with transaction.atomic():
        return _let_in(meetup, registration_id)


def check_in_registrations(staff: User, meetup: Meetup, registration_ids: list[int]) -> list[Registration]:
    """The admin's bulk check-in of fans of `meetup`: the door's rules (who runs it, only while it is
    open, a confirmed seat, once). A shut door refuses the whole batch with the door's reason; fans
    already in or without a confirmed seat are left as they are. Returns those let in now."""
    require_door(staff, meetup)
    if refusal := window_refusal(meetup):
        raise RegistrationError(refusal)
    let_in = []
    with transaction.atomic():
        for registration_id in sorted(registration_ids):
            try:
                with transaction.atomic():
                    let_in.append(_let_in(meetup, registration_id))
            except RegistrationError:
                continue
    return let_in


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
