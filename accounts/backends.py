"""Django's and allauth's sign-in backends, loading the signed-in fan as every page needs them.

Django reads the request's user with the backend's `get_user` once per request. Here that one query
also brings what was three more queries on every signed-in page:

* whether the request's session row still exists and has not expired: sessions are read from Redis
  (Django's `cached_db`), and this check keeps PostgreSQL the authority, so a sign-out whose cache
  delete was lost (Redis unreachable at that moment) is still a sign-out;
* the fan's group names (every permission check: `accounts.roles.in_group`);
* their unread notification count (the navigation bar).

The session key comes from `accounts.middleware.AuthenticationMiddleware`, which sets `SESSION_KEY`
while Django's `auth.get_user` runs. Each session stores its backend's path; sessions made before
these classes replaced Django's and allauth's own are moved over by that middleware too.
"""

import functools
from contextvars import ContextVar

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.conf import settings
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.utils.module_loading import import_string

from accounts.models import User
from accounts.notifications import UNREAD_COUNT_SQL
from fancity.lib import raw

# The session key of the request whose user is being loaded (None: not checked, e.g. outside a request).
SESSION_KEY: ContextVar[str | None] = ContextVar("fancity_session_key", default=None)

# What the previous paths became (see accounts.middleware.AuthenticationMiddleware).
RENAMED = {
    "django.contrib.auth.backends.ModelBackend": "accounts.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": "accounts.backends.AuthenticationBackend",
}


_FAN_COLUMNS = raw.Columns(User, "u")
_ALIVE_SQL = f"EXISTS (SELECT 1 FROM {Session._meta.db_table} s WHERE s.session_key = %s AND s.expire_date > now())"


@functools.cache
def _fan_sql(check_session: bool) -> tuple[str, tuple[str, ...]]:
    """The fan's query, written in SQL (fancity.lib.raw: the ORM took longer to build it than to run it), and the
    names of the higher apps' columns in it (settings.ACCOUNT_FAN_COLUMNS)."""
    extra = {name: import_string(path) for name, path in settings.ACCOUNT_FAN_COLUMNS.items()}
    sql = f"""
SELECT {_FAN_COLUMNS.sql},
  ARRAY(SELECT g.name FROM {User.groups.through._meta.db_table} ug JOIN {Group._meta.db_table} g ON g.id = ug.group_id
        WHERE ug.user_id = u.id) AS group_names,
  ({UNREAD_COUNT_SQL.format(user="u.id")}) AS unread_notifications,
  {"".join(f"({column.format(user='u.id')}) AS {name}, " for name, column in extra.items())}
  {_ALIVE_SQL if check_session else "TRUE"} AS session_alive
FROM {User._meta.db_table} u WHERE u.id = %s
""".strip()
    return sql, tuple(extra)


def load_fan(user_id, session_key: str | None = None) -> User | None:
    """The user row with `_group_names`, `unread_notifications` and the higher apps' columns set, in one
    query; None when there is no such user, or when `session_key` is given and that session is gone
    from the database."""
    try:
        user_id = User._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    sql, extra = _fan_sql(session_key is not None)
    rows = raw.fetch(sql, [user_id] if session_key is None else [session_key, user_id])
    if not rows or not rows[0][-1]:
        return None
    user = _FAN_COLUMNS.build(rows[0], 0)
    assert isinstance(user, User)  # its id is not NULL
    group_names, user.unread_notifications, *values, _alive = rows[0][_FAN_COLUMNS.width :]
    user._group_names = frozenset(group_names)
    for name, value in zip(extra, values, strict=True):
        setattr(user, name, value)
    return user


class _LoadsFan(DjangoModelBackend):
    def user_can_authenticate(self, user) -> bool:
        """A channel's stand-in account (User.stand_in) never signs in, whatever its password."""
        return super().user_can_authenticate(user) and not getattr(user, "stand_in", False)

    def get_user(self, user_id):
        user = load_fan(user_id, SESSION_KEY.get())
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(_LoadsFan):
    pass


class AuthenticationBackend(_LoadsFan, AllauthBackend):
    pass
