"""What every meetups write starts with: the meetup's row lock, the refusal a fan can read, the staff check.

The rule that makes overbooking impossible: any write that can change who holds a seat first locks
the meetup row (`SELECT ... FOR UPDATE`, with a 3 s `lock_timeout` as pretix does), then counts and
writes inside the same transaction, in statements that start after the lock was granted. Writers
for one meetup queue one after the other; a fan who waits longer than 3 s gets "please try again"
instead of a hung request. The unique constraints on (meetup, fan) and (meetup, order) are the last
line of defence.
"""

from django.core.exceptions import PermissionDenied
from django.db import OperationalError, connection
from django.utils.translation import gettext_lazy as _
from psycopg.errors import LockNotAvailable

from accounts.models import User
from accounts.roles import is_event_staff
from meetups.models import Meetup

LOCK_TIMEOUT = "3s"


class RegistrationError(Exception):
    """A refusal the fan (or staff member) can read (translated when shown); nothing was written."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class TryAgain(RegistrationError):
    def __init__(self):
        super().__init__(_("Many fans are registering right now. Please try again in a moment."))


def lock_timed_out(exc: OperationalError) -> bool:
    """Whether a database error is the `lock_timeout` expiring (SQLSTATE 55P03)."""
    return isinstance(exc.__cause__, LockNotAvailable)


def lock_meetup(meetup_id: int) -> Meetup:
    """Lock the meetup row for the rest of the transaction, waiting at most LOCK_TIMEOUT."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    try:
        return Meetup.objects.select_for_update(of=("self",)).select_related("city").get(pk=meetup_id)
    except OperationalError as exc:
        if lock_timed_out(exc):
            raise TryAgain() from exc
        raise


def require_event_staff(staff: User) -> None:
    if not is_event_staff(staff):
        raise PermissionDenied
