"""Who may see or do what on the desk. Desk work (assign, note, tag, merge, search, report) is the Service
desk group's (accounts.roles.is_desk_staff); a private request and its files are the fan's and the desk's."""

from accounts.models import User
from accounts.roles import SERVICE_DESK, holders, is_desk_staff


def may_work_tickets(user: User) -> bool:
    """Assign, note, tag, fill fields, merge, search the queue, read the reports."""
    return is_desk_staff(user)


def may_be_assigned(user: User) -> bool:
    """Only desk staff hold tickets or belong to a desk team."""
    return is_desk_staff(user)


def assignable_agents():
    """The same rule in SQL, for the assignment menu."""
    return holders(User.objects.filter(deleted_at__isnull=True), SERVICE_DESK)


def may_read_notes(user: User) -> bool:
    """Internal notes: desk staff only (never the fan, whose pages, mails and export leave them out)."""
    return is_desk_staff(user)


def may_use_view(user: User, owner_id: int) -> bool:
    """A saved queue view is its owner's alone."""
    return is_desk_staff(user) and user.pk == owner_id


def may_read_request(user: User, fan_id: int) -> bool:
    """A private request, its messages and their files: the fan who opened it and desk staff."""
    return user.is_authenticated and (user.pk == fan_id or is_desk_staff(user))
