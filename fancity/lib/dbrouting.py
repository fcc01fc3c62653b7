"""Which database a request reads from: a read replica, the primary, or a replica in read-only mode.

The rules (README, "Scaling out: database"), decided once per request by `DatabaseRoutingMiddleware`:

- A GET or HEAD of a page in settings.DATABASE_REPLICA_VIEWS reads from a replica that is within
  settings.DATABASE_REPLICA_MAX_LAG of the primary, unless the visitor wrote in the last
  settings.READ_YOUR_WRITES_SECONDS (a signed cookie that every POST, PUT, PATCH or DELETE sets).
  Everything else reads from the primary.
- Every write goes to the primary (`Router.db_for_write`), and from the first statement a request
  runs on the primary (a write, a read inside a transaction, a raw statement on `connection`) its
  reads follow it there: what a request wrote is what it reads back.
- While no primary answers, pages read from a replica that answers, however far behind, and every
  write gets the "read-only for a few minutes" page (`read_only_response`) before its view runs, so no
  write starts; GET handlers that write on the side (read marks, the day's visit) ask `read_only()`.

How far behind a replica is, and whether the primary answers, each process measures at most once every
settings.DATABASE_CHECK_SECONDS on its own connections (`Checker`), so that the measuring never shows in
a page's query count. A replica is caught up when it has replayed the WAL position the primary reported
a moment before; otherwise its lag is the age of the last transaction it replayed.
"""

import math
import random
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass, field

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WROTE_COOKIE = "fancity_wrote"
_SALT = "fancity.lib.dbrouting.wrote"
# Writes that touch no database and so stay open in read-only mode (URL names).
READ_ONLY_ALLOWED = frozenset({"set_language"})
RETRY_AFTER_SECONDS = 60


@dataclass
class Route:
    read: str = DEFAULT_DB_ALIAS  # where reads go until something runs on the primary
    read_only: bool = False  # no primary answers
    pinned: bool = False  # something ran on the primary: reads follow it there
    retried: bool = False


_route: ContextVar[Route | None] = ContextVar("fancity_db_route", default=None)


def read_alias() -> str:
    """The database this request reads from now (fancity.lib.raw reads through it, the ORM through `Router`)."""
    route = _route.get()
    if route is None or route.read == DEFAULT_DB_ALIAS or route.pinned:
        return DEFAULT_DB_ALIAS
    if not route.read_only and connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS  # a read inside a write's transaction
    return route.read


def read_only() -> bool:
    """True while no primary answers: the request must not write (a GET that writes on the side skips it)."""
    route = _route.get()
    return route is not None and route.read_only


class Router:
    """settings.DATABASE_ROUTERS: reads where the request's route says, writes to the primary."""

    def db_for_read(self, model, **hints) -> str:
        return read_alias()

    def db_for_write(self, model, **hints) -> str:
        route = _route.get()
        if route is not None and not route.read_only:
            route.pinned = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the replicas hold the primary's rows

    def allow_migrate(self, db, app_label, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS


def _pin(execute, sql, params, many, context):
    """An execute wrapper on the primary's connection: from its first statement, reads follow it there."""
    route = _route.get()
    if route is not None:
        route.pinned = True
    return execute(sql, params, many, context)


@dataclass(frozen=True)
class Health:
    primary_up: bool = True
    fresh: tuple[str, ...] = ()  # replicas within the lag limit
    answering: tuple[str, ...] = ()  # replicas that answer, however far behind (read-only mode)
    lag: dict[str, float] = field(default_factory=dict)  # seconds behind, per replica that answers


_PRIMARY_SQL = "SELECT pg_current_wal_insert_lsn()::text"
_REPLICA_SQL = (
    "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= %s::pg_lsn,"
    " EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8"
)


class Checker:
    """Measures the primary and each replica, at most once per settings.DATABASE_CHECK_SECONDS per process,
    on connections of its own (kept open, so a measurement is two short queries, not new connections)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.checked_at = -math.inf
        self.health = Health()
        self.connections: dict[str, psycopg.Connection] = {}

    def current(self, *, force: bool = False) -> Health:
        """The last measurement, measured again first when it is older than the interval (or `force`).
        While another thread measures, the others go on with the last one rather than wait."""
        if force or time.monotonic() - self.checked_at >= settings.DATABASE_CHECK_SECONDS:
            if self.lock.acquire(blocking=force):
                try:
                    if force or time.monotonic() - self.checked_at >= settings.DATABASE_CHECK_SECONDS:
                        self.health = self.measure()
                        self.checked_at = time.monotonic()
                finally:
                    self.lock.release()
        return self.health

    def _row(self, alias: str, sql: str, params: list | None = None) -> tuple:
        db = self.connections.get(alias)
        if db is None or db.closed or db.broken:
            wrapper = connections[alias]
            params_ = {
                key: value
                for key, value in wrapper.get_connection_params().items()
                if key not in {"cursor_factory", "context", "prepare_threshold"}
            }
            params_.setdefault("connect_timeout", 2)  # libpq's least
            db = psycopg.connect(**params_, autocommit=True)
            self.connections[alias] = db
        try:
            row = db.execute(sql, params).fetchone()
        except psycopg.Error:
            db.close()
            raise
        assert row is not None
        return row

    def measure(self) -> Health:
        try:
            (primary_lsn,) = self._row(DEFAULT_DB_ALIAS, _PRIMARY_SQL)
            primary_up = True
        except psycopg.Error:
            primary_lsn, primary_up = None, False
        fresh, answering, lag = [], [], {}
        for alias in settings.DATABASE_REPLICAS:
            try:
                in_recovery, caught_up, behind = self._row(alias, _REPLICA_SQL, [primary_lsn])
            except psycopg.Error:
                continue  # down: skipped
            if not in_recovery:
                continue  # promoted: it is the primary now, which DATABASE_URL's hosts reach
            answering.append(alias)
            lag[alias] = 0.0 if caught_up else (math.inf if behind is None else max(behind, 0.0))
            if primary_up and lag[alias] <= settings.DATABASE_REPLICA_MAX_LAG:
                fresh.append(alias)
        return Health(primary_up, tuple(fresh), tuple(answering), lag)

    def forget(self) -> None:
        """Close the measuring connections and measure afresh next time (tests that change the servers)."""
        with self.lock:
            for db in self.connections.values():
                db.close()
            self.connections.clear()
            self.checked_at = -math.inf
            self.health = Health()


checker = Checker()


def _recently_wrote(request: HttpRequest) -> bool:
    if WROTE_COOKIE not in request.COOKIES:
        return False
    wrote = request.get_signed_cookie(WROTE_COOKIE, default=None, salt=_SALT, max_age=settings.READ_YOUR_WRITES_SECONDS)
    return wrote is not None


def _tolerates_lag(request: HttpRequest) -> bool:
    try:
        return resolve(request.path_info).view_name in settings.DATABASE_REPLICA_VIEWS
    except Resolver404:
        return False


def choose_route(request: HttpRequest, health: Health) -> Route:
    if not health.primary_up:
        return Route(read=health.answering[0] if health.answering else DEFAULT_DB_ALIAS, read_only=True)
    if health.fresh and request.method in SAFE_METHODS and not _recently_wrote(request) and _tolerates_lag(request):
        return Route(read=random.choice(health.fresh))
    return Route()


def read_only_response(request: HttpRequest) -> HttpResponse:
    """The answer to a write while no primary answers: a 503 page in the fan's language (already active)."""
    back = request.headers.get("referer", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = ""
    body = loader.get_template("read_only.html").render({"back": back})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def write_refused(request: HttpRequest) -> HttpResponse | None:
    """For handler500 when a database stopped answering outside a view (the session, the user): the
    read-only page if this is a write and, measured now, no primary answers; None otherwise."""
    if not settings.DATABASE_REPLICAS or request.method in SAFE_METHODS:
        return None
    return None if checker.current(force=True).primary_up else read_only_response(request)


def _connection_lost(error: BaseException | None) -> bool:
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OperationalError | InterfaceError):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


class DatabaseRoutingMiddleware:
    """Routes each request's reads (module docstring); placed before the session and the user are read,
    so that they come from the same database as the page. Without replicas it does nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.DATABASE_REPLICAS:
            return self.get_response(request)
        route = choose_route(request, checker.current())
        token = _route.set(route)
        try:
            if route.read != DEFAULT_DB_ALIAS and not route.read_only:
                with connections[DEFAULT_DB_ALIAS].execute_wrapper(_pin):
                    response = self.get_response(request)
            else:
                response = self.get_response(request)
        finally:
            _route.reset(token)
            # A connection that failed is dropped now rather than at request_finished (which Django's test
            # client skips), so that the next request connects afresh, to a promoted replica if need be.
            for alias in {DEFAULT_DB_ALIAS, route.read}:
                if connections[alias].errors_occurred:
                    connections[alias].close_if_unusable_or_obsolete()
        if request.method not in SAFE_METHODS and not route.read_only and response.status_code < 500:
            # Read-your-writes: this visitor reads from the primary until the replicas have what they wrote.
            response.set_signed_cookie(
                WROTE_COOKIE,
                "1",
                salt=_SALT,
                max_age=settings.READ_YOUR_WRITES_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        route = _route.get()
        if (
            route is not None
            and route.read_only
            and request.method not in SAFE_METHODS
            and request.resolver_match is not None
            and request.resolver_match.view_name not in READ_ONLY_ALLOWED
        ):
            return read_only_response(request)
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A database stopped answering during the view: measure again, then answer a write with the
        read-only page if the primary is gone, and run a page again, once, where the reads now go."""
        route = _route.get()
        if route is None or not _connection_lost(exception):
            return None
        health = checker.current(force=True)
        for alias in {DEFAULT_DB_ALIAS, route.read}:
            try:
                connections[alias].close()
            except DatabaseError:
                pass
        if request.method not in SAFE_METHODS:
            return read_only_response(request) if not health.primary_up else None
        again = choose_route(request, health)
        if route.retried or (again.read, again.read_only) == (route.read, route.read_only):
            return None
        again.retried = True
        match = request.resolver_match
        if match is None:
            return None
        token = _route.set(again)
        try:
            response = match.func(request, *match.args, **match.kwargs)
            render = getattr(response, "render", None)
            if callable(render):
                response = render()
            return response
        finally:
            _route.reset(token)


def read_only_mode(request: HttpRequest) -> dict:
    """Context processor: `read_only_mode` for the staff banner in base.html."""
    return {"read_only_mode": read_only()}
