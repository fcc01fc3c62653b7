"""Changing a meetup's capacity: the one way to do it, so the waiting list cannot be jumped.

Under the meetup's lock (the same one every registration takes), a raise fills the new seats from
the waiting list in order before any newcomer can be counted, and a cut below the fans already
confirmed is refused. The admin's change form, and anything else that changes a capacity, calls
`change_capacity`.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from meetups.locking import RegistrationError, lock_meetup, require_event_staff
from meetups.models import MAX_CAPACITY, MIN_CAPACITY, Meetup, Registration
from meetups.registration import _promote, _tell_promoted, confirmed_count


def change_capacity(staff: User, meetup: Meetup, new: int, override: bool | None = None) -> list[Registration]:
    """Set the capacity to `new` (and the 30-50 override, when given); return the fans promoted.

    Raising it promotes waiting fans in order (they are told); lowering it below the confirmed count
    is refused; a capacity outside 30-50 needs the override.
    """
    require_event_staff(staff)
    if not isinstance(new, int) or new < 1:
        raise RegistrationError(_("The capacity must be a whole number of at least 1."))
    with transaction.atomic():
        meetup = lock_meetup(meetup.pk)
        if override is not None:
            meetup.capacity_override = override
        if not meetup.capacity_override and not MIN_CAPACITY <= new <= MAX_CAPACITY:
            raise RegistrationError(
                _("Capacity must be between %(min)s and %(max)s unless staff allow an override.")
                % {"min": MIN_CAPACITY, "max": MAX_CAPACITY}
            )
        confirmed = confirmed_count(meetup)
        if new < confirmed:
            raise RegistrationError(_("Capacity cannot be below the %(n)s fans already confirmed.") % {"n": confirmed})
        meetup.capacity = new
        meetup.save(update_fields=["capacity", "capacity_override"])
        promoted = []
        if meetup.status in (Meetup.Status.PUBLISHED, Meetup.Status.CLOSED) and not meetup.is_past:
            promoted = _promote(meetup, timezone.now())
    _tell_promoted(meetup, promoted)
    return promoted
