"""At the door: check a ticket, let its holder in once; after the meetup, mark who did not come."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from meetups.locking import RegistrationError, lock_meetup, require_event_staff
from meetups.models import Meetup, Registration
from meetups.tickets import read_ticket

State = Registration.State


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
    require_event_staff(staff)
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
    require_event_staff(staff)
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
