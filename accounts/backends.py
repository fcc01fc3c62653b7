"""Django's and allauth's sign-in backends, loading the signed-in fan as every page needs them.

Django reads the request's user with the backend's `get_user` once per request. Here that one query
also brings what was three more queries on every signed-in page:

* whether the request's session row still exists and has not expired: sessions are read from Redis
  (`accounts.sessions`), and this check keeps PostgreSQL the authority, so a sign-out whose cache
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
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Value
from django.db.models.functions import Now

from accounts.models import User
from accounts.notifications import unread_count_expression

# The session key of the request whose user is being loaded (None: not checked, e.g. outside a request).
SESSION_KEY: ContextVar[str | None] = ContextVar("fancity_session_key", default=None)

# What the previous paths became (see accounts.middleware.AuthenticationMiddleware).
RENAMED = {
    "django.contrib.auth.backends.ModelBackend": "accounts.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": "accounts.backends.AuthenticationBackend",
}


# Placeholders for the two parameters of the fan's query, which is compiled once per process: building
# it with the ORM (three subqueries) cost ~5 ms of CPU a request, more than PostgreSQL takes to answer.
_ANY_ID = -7_250_000_000_000_000_001
_ANY_KEY = "\x01any session key\x01"


def _fan_query(user_id, session_key: str | None):
    alive = (
        Exists(Session.objects.filter(session_key=session_key, expire_date__gt=Now()))
        if session_key is not None
        else Value(True)
    )
    return User.objects.annotate(
        session_alive=alive,
        group_names=ArraySubquery(Group.objects.filter(user=OuterRef("pk")).values("name")),
        unread_notifications=unread_count_expression(),
    ).filter(pk=user_id)


@functools.cache
def _compiled(check_session: bool) -> tuple[str, tuple]:
    return _fan_query(_ANY_ID, _ANY_KEY if check_session else None).query.sql_with_params()


def load_fan(user_id, session_key: str | None = None) -> User | None:
    """The user row with `_group_names` and `unread_notifications` set, in one query; None when
    there is no such user, or when `session_key` is given and that session is gone from the database."""
    try:
        user_id = User._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    sql, params = _compiled(session_key is not None)
    values = {_ANY_ID: user_id, _ANY_KEY: session_key}
    user = next(
        iter(User.objects.raw(sql, [values.get(p, p) if isinstance(p, int | str) else p for p in params])), None
    )
    if user is None or not user.session_alive:
        return None
    user._group_names = frozenset(user.group_names)
    return user


class _LoadsFan:
    def get_user(self, user_id):
        user = load_fan(user_id, SESSION_KEY.get())
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(_LoadsFan, DjangoModelBackend):
    pass


class AuthenticationBackend(_LoadsFan, AllauthBackend):
    pass
