"""Who may see or do what with a meetup beyond registering: the door, the staff page, the door log.

Event staff do it all. The fan who proposed a fan meetup, once staff approved it, runs that meetup's
door, writes to its attendees and may cancel it (with a reason fans read); nothing else (not its
time, not the admin, not another meetup).
"""

from django.core.exceptions import PermissionDenied

from accounts.models import User
from accounts.roles import is_event_staff
from meetups.models import Meetup


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
    """Who sees a meetup's attendees, checks them in, undoes a check-in and downloads the door's
    offline list: event staff, or its fan organiser."""
    return is_event_staff(user) or organises(user, meetup)


def require_door(user: User, meetup: Meetup) -> None:
    if not may_run_door(user, meetup):
        raise PermissionDenied


def may_message_attendees(user: User, meetup: Meetup) -> bool:
    return is_event_staff(user) or organises(user, meetup)


def may_cancel_meetup(user: User, meetup: Meetup) -> bool:
    return is_event_staff(user) or organises(user, meetup)


def may_reschedule_meetup(user: User, meetup: Meetup) -> bool:
    """Moving a meetup changes the venue's booking: event staff only."""
    return is_event_staff(user)


def may_update_announcements(user: User, meetup: Meetup) -> bool:
    """Rewriting the announcement threads' first post from the meetup as it is now (after an edit,
    a cancel): event staff, or the organiser when they cancel their own meetup."""
    return is_event_staff(user) or organises(user, meetup)


def may_manage(user: User, meetup: Meetup) -> bool:
    """Who opens the meetup's staff page (`/meetups/<id>/manage/`): anyone allowed one of its actions."""
    return may_message_attendees(user, meetup) or may_cancel_meetup(user, meetup) or may_reschedule_meetup(user, meetup)


def may_offer_transfer(user: User, registration) -> bool:
    """Only the fan who holds the seat gives it away (the meetup's own rules: meetups.transfers)."""
    return user.is_authenticated and registration.fan_id == user.pk


def may_accept_transfer(user: User, transfer) -> bool:
    """Only the account the place was offered to takes it."""
    return user.is_authenticated and transfer.to_fan_id == user.pk
