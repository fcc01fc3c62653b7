"""Who may do what: one group per power, and superusers everything. Group names are data (created by
migrations); code refers to them through here.

`is_staff` alone is only Django's "may open the admin" flag, which grants nothing by itself: what an
admin user sees there comes from model permissions, which each group carries for its own app only.

| group        | power                                                                  |
|--------------|------------------------------------------------------------------------|
| Moderators   | hide posts, ban fans, pin/lock/move threads; forum models in the admin |
| Event staff  | meetups: drafts, publishing, approval, cancel/reschedule, messages,    |
|              | attendee lists and check-in, the attendees CSV; meetups in the admin   |
| Service desk | the staff queue, insights and the fans CSV; the desk in the admin       |
| Core testers | read and write the private beta board                                  |
| Operations   | when the periodic tasks run (django-celery-beat), the outbox; not what |
|              | a periodic task runs nor its arguments (superusers: outbox/admin.py)   |

Event staff need `is_staff` (to open the admin) and the group, never `is_superuser`. The door of one
fan-organised meetup (its attendee list and check-in) is also open to the fan who organised it, once
approved: that rule is `meetups.permissions.may_run_door`, per meetup, not a group.

Each power is a Python check for one user and the same rule in SQL for many (`holders`), which
notifications use; tests/site/test_roles.py checks that the two agree.
"""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext, gettext_noop

from accounts.models import User

# The groups' names, as migrations created them and code finds them: never renamed, so a migration or a
# deployment that finds a group by its name finds it whatever language its staff read. Staff read them
# through `role_label`, in their own language.
MODERATORS = gettext_noop("Moderators")
EVENT_STAFF = gettext_noop("Event staff")
SERVICE_DESK = gettext_noop("Service desk")
CORE_TESTERS = gettext_noop("Core testers")
OPERATIONS = gettext_noop("Operations")
ROLES = (MODERATORS, EVENT_STAFF, SERVICE_DESK, CORE_TESTERS, OPERATIONS)


def role_label(name: str) -> str:
    """A group's name as staff read it: a role's in the active language, any other group's as named."""
    return gettext(name) if name in ROLES else name


def in_group(user: User, name: str) -> bool:
    """Group names are read once per user object, that is once per request."""
    if not user.is_authenticated:
        return False
    if not hasattr(user, "_group_names"):
        user._group_names = frozenset(user.groups.values_list("name", flat=True))
    return name in user._group_names


def has_role(user: User, name: str) -> bool:
    """An active account that is a superuser or in the group `name`."""
    return user.is_authenticated and user.is_active and (user.is_superuser or in_group(user, name))


def holders(users: QuerySet[User], name: str) -> QuerySet[User]:
    """`users` narrowed, in SQL, to those `has_role(user, name)` lets in."""
    members = User.groups.through.objects.filter(group__name=name).values("user_id")
    return users.filter(Q(is_superuser=True) | Q(pk__in=members), is_active=True)


def is_moderator(user: User) -> bool:
    return has_role(user, MODERATORS)


def is_event_staff(user: User) -> bool:
    return has_role(user, EVENT_STAFF)


def is_desk_staff(user: User) -> bool:
    return has_role(user, SERVICE_DESK)


def is_core_tester(user: User) -> bool:
    return has_role(user, CORE_TESTERS)
