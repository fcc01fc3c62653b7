"""Staff selection: event staff confirm or reject applicants by hand, within the free seats."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from meetups import mail
from meetups.locking import RegistrationError, lock_meetup, require_event_staff
from meetups.models import Meetup, Registration
from meetups.registration import confirmed_count

State = Registration.State


def select_applicants(staff: User, meetup: Meetup, registration_ids: list[int]) -> list[Registration]:
    """Staff selection: confirm these applicants; refused as a whole if they do not fit."""
    require_event_staff(staff)
    now = timezone.now()
    with transaction.atomic():
        meetup = lock_meetup(meetup.pk)
        chosen = list(
            Registration.objects.select_related("fan").filter(
                meetup=meetup, pk__in=registration_ids, state__in=[State.APPLIED, State.WAITING]
            )
        )
        left = meetup.capacity - confirmed_count(meetup)
        if len(chosen) > left:
            raise RegistrationError(_("Only %(n)s seats are left.") % {"n": max(left, 0)})
        for registration in chosen:
            registration.state = State.CONFIRMED
            registration.confirmed_at = now
        Registration.objects.bulk_update(chosen, ["state", "confirmed_at"])
        mail.notify_in_language(
            [r.fan for r in chosen], meetup, _("You were selected for “%(title)s”: your seat is confirmed.")
        )
    for registration in chosen:
        mail.send_confirmation(registration)
    return chosen


def reject_applicants(staff: User, meetup: Meetup, registration_ids: list[int]) -> int:
    """Staff turn these applicants (or waiting fans) down; each is told, and their page says so."""
    require_event_staff(staff)
    with transaction.atomic():
        meetup = lock_meetup(meetup.pk)
        rejected = list(
            Registration.objects.select_related("fan").filter(
                meetup=meetup, pk__in=registration_ids, state__in=[State.APPLIED, State.WAITING]
            )
        )
        Registration.objects.filter(pk__in=[r.pk for r in rejected]).update(state=State.REJECTED)
        mail.notify_in_language(
            [r.fan for r in rejected], meetup, _("You were not selected for “%(title)s” this time.")
        )
    return len(rejected)
