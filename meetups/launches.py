"""Signing up for a large event (a launch): one append-only INSERT, acknowledged at once with a number.

The request path has no row lock and no counter: every sign-up is a new row of `Signup`, numbered by
the launch's own PostgreSQL sequence (`nextval` is not transactional and takes no row lock), and the
unique constraint (launch, fan) makes a double submit, a second tab or parallel requests one sign-up:
the second INSERT does nothing and the fan is shown the number they already have. Places are given
later, in order and in batches, by the one allocator (meetups/allocation.py); an acknowledged sign-up
is a committed row, so no process that dies afterwards can lose it.
"""

import datetime
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.activity import active_since
from accounts.models import DailyActivity, User
from accounts.notifications import notify
from accounts.roles import is_event_staff
from fancity.lib import raw
from meetups import draw
from meetups.launch_models import Launch, Signup
from meetups.locking import RegistrationError, require_event_staff

State = Signup.State


@dataclass(frozen=True)
class Acknowledged:
    """What the fan is told at once: their number in line, and whether this request made the sign-up."""

    number: int
    state: str
    created: bool


def create_launch(staff: User, launch: Launch) -> Launch:
    """Save a new launch with its line's sequence and (for a draw) its secret seed and public commitment."""
    require_event_staff(staff)
    with transaction.atomic():
        if launch.mode == Launch.Mode.DRAW and not launch.draw_commitment:
            launch.draw_seed = secrets.token_hex(32)
            launch.draw_commitment = draw.commitment(launch.draw_seed)
        launch.save()
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {launch.line_sequence} AS bigint MINVALUE 1")
    return launch


def was_active(fan: User, today: datetime.date | None = None) -> bool:
    """Active fan, for launches: opened the site on some day of the last 30 before today. SIGN_UP_SQL
    repeats the rule (one statement per sign-up); tests/meetups/test_launches.py asserts they agree.

    Today does not count: the sign-up itself makes the fan active today (accounts.middleware), so an
    account woken up for the rush would otherwise count as active.
    """
    today = today or timezone.localdate()
    return DailyActivity.objects.filter(user=fan, day__gte=active_since(), day__lt=today).exists()


def refusal(launch: Launch, fan: User, now: datetime.datetime | None = None) -> str | None:
    """Why `fan` may not sign up for `launch` now (a sentence), or None. The one rule, for the page and the write."""
    now = now or timezone.now()
    if not launch.published:
        return str(_("This event is not open for sign-up."))
    if now < launch.opens_at:
        return str(_("Sign-up has not opened yet."))
    if now >= launch.closes_at:
        return str(_("Sign-up has closed."))
    if launch.sold_out:
        return str(_("All places have been given."))
    if launch.min_account_days and fan.date_joined > now - datetime.timedelta(days=launch.min_account_days):
        return str(_("This event is for accounts at least %(days)s days old.") % {"days": launch.min_account_days})
    if launch.require_verified_email and not EmailAddress.objects.filter(user=fan, verified=True).exists():
        return str(_("This event is for fans with a verified email address."))
    if launch.require_active and not was_active(fan):
        return str(_("This event is for fans who were active on the site in the last 30 days."))
    return None


# One statement, in autocommit, for the sign-ups a process's threads make at the same moment (`_Group`):
# each fan of the arrays in arrival order. The launch row is read (not locked) so its window, by the
# server's clock, is the authority even for a request holding a stale copy; a drawn launch takes no
# more entries (meetups.allocation.run_draw); a repeat does nothing (its nextval is spent, so numbers
# may skip one; they never repeat). PostgreSQL evaluates the `nextval` after the sort, in arrival order.
SIGN_UP_SQL = f"""
INSERT INTO {Signup._meta.db_table} (launch_id, fan_id, number, state, active, created_at)
SELECT l.id, f.fan, nextval(%(line)s::regclass), 'pending',
  f.active OR EXISTS (SELECT 1 FROM {DailyActivity._meta.db_table} a
                      WHERE a.user_id = f.fan AND a.day >= %(since)s AND a.day < %(today)s),
  now()
FROM {Launch._meta.db_table} l,
  unnest(%(fans)s::bigint[], %(active)s::boolean[]) WITH ORDINALITY AS f (fan, active, arrival)
WHERE l.id = %(launch)s AND l.published AND now() >= l.opens_at AND now() < l.closes_at AND l.drawn_at IS NULL
ORDER BY f.arrival
ON CONFLICT (launch_id, fan_id) DO NOTHING
RETURNING fan_id, number
""".strip()


def _insert(launch: Launch, fans: list[tuple[int, bool]]) -> list[int | None]:
    """Run SIGN_UP_SQL for `fans` ((fan id, known active) in arrival order): each one's new number,
    None for a fan who already had one (or whose earlier copy in `fans` took it) or a closed launch."""
    params: dict[str, Any] = {
        "fans": [fan for fan, _active in fans],
        "active": [active for _fan, active in fans],
        "line": launch.line_sequence,
        "since": active_since(),
        "today": timezone.localdate(),
        "launch": launch.pk,
    }
    with connection.cursor() as cursor:
        cursor.execute(SIGN_UP_SQL, params)
        numbers = dict(cursor.fetchall())
    return [numbers.pop(fan, None) for fan, _active in fans]  # pop: a second copy of a fan gets None


class _Queue:
    """The sign-ups of one launch waiting to go in the same INSERT."""

    def __init__(self) -> None:
        self.fans: list[tuple[int, bool]] = []
        self.numbers: list[int | None] | None = None  # once sent
        self.failed = False


class _Group:
    """Group commit one level above PostgreSQL's: the threads of a web process that sign fans up for the
    same launch at the same moment share one INSERT and one commit. While one thread's INSERT runs, the
    others queue their fans; when it is done, the first of them to wake sends the whole queue. A lone
    sign-up waits for nothing; a WAL flush then serves as many sign-ups as arrived during the last one.
    A queue whose INSERT failed is sent again one fan at a time, so each fan gets their own answer."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._queued: dict[int, _Queue] = {}
        self._sending: set[int] = set()

    def sign_up(self, launch: Launch, fan_id: int, active: bool) -> int | None:
        if connection.in_atomic_block:  # a transaction that may roll back must not carry others' sign-ups
            return _insert(launch, [(fan_id, active)])[0]
        with self._changed:
            queue = self._queued.setdefault(launch.pk, _Queue())
            position = len(queue.fans)
            queue.fans.append((fan_id, active))
            while queue.numbers is None and not queue.failed and launch.pk in self._sending:
                self._changed.wait()
            if queue.numbers is not None:
                return queue.numbers[position]
            if not queue.failed:  # nothing of this launch in flight: this thread sends the queue
                self._sending.add(launch.pk)
                del self._queued[launch.pk]
        if queue.failed:
            return _insert(launch, [(fan_id, active)])[0]
        try:
            numbers = _insert(launch, queue.fans)
        except BaseException:
            queue.failed = True
            raise
        else:
            queue.numbers = numbers
        finally:
            with self._changed:
                self._sending.discard(launch.pk)
                self._changed.notify_all()
        return numbers[position]


_group = _Group()


def sign_up(fan: User, launch: Launch) -> Acknowledged:
    """Sign `fan` up for `launch`, or tell them the number they already have; RegistrationError if refused."""
    reason = refusal(launch, fan)
    if reason:
        existing = mine(fan, launch)  # a fan who signed up before the refusal applies keeps their sign-up
        if existing is not None:
            return Acknowledged(existing.number, existing.state, created=False)
        raise RegistrationError(reason)
    # `require_active` was just checked; otherwise the statement looks (was_active's rule).
    number = _group.sign_up(launch, fan.pk, launch.require_active)
    if number is not None:
        return Acknowledged(number, State.PENDING, created=True)
    existing = mine(fan, launch)  # a parallel request of the same fan inserted first
    if existing is None:
        raise RegistrationError(_("Sign-up has closed."))
    return Acknowledged(existing.number, existing.state, created=False)


def mine(fan: User, launch: Launch) -> Signup | None:
    if not fan.is_authenticated:
        return None
    return Signup.objects.filter(launch=launch, fan=fan).only("number", "state", "decided_at").first()


@dataclass(frozen=True)
class Counts:
    signups: int
    active: int
    won: int
    pending: int

    @property
    def active_share(self) -> float | None:
        return self.active / self.signups if self.signups else None


def counts(launch: Launch) -> Counts:
    """What staff see: sign-ups, the share from active fans, places given, still in line (one query)."""
    row = Signup.objects.filter(launch=launch).aggregate(
        signups=Count("id"),
        active=Count("id", filter=Q(active=True)),
        won=Count("id", filter=Q(state=State.WON)),
        pending=Count("id", filter=Q(state=State.PENDING)),
    )
    return Counts(**row)


def may_see(user: User, launch: Launch) -> bool:
    """Everyone sees a published launch; event staff also see drafts."""
    return launch.published or (user.is_authenticated and is_event_staff(user))


def visible(user: User):
    """Launches on the list: published ones that have not closed more than a week ago, soonest first."""
    since = timezone.now() - datetime.timedelta(days=7)
    return Launch.objects.filter(published=True, closes_at__gte=since).order_by("opens_at", "id")


def outcome_group(launch_id: int) -> str:
    return f"launch:{launch_id}"


def tell_outcomes(launch_id: int, signup_ids: list[int]) -> int:
    """Tell each decided fan of `signup_ids` their outcome, once (in-site, mail by the usual rules).

    Fans already told (a notification in the launch's group) are skipped, so a repeated delivery of the
    same batch (a worker killed mid-task) tells nobody twice; two copies at once take turns on a lock.
    """
    launch = Launch.objects.get(pk=launch_id)
    group = outcome_group(launch_id)
    url = launch.get_absolute_url()
    told = 0
    with transaction.atomic():
        raw.fetch("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"meetups.{group}"])
        decided = Signup.objects.filter(pk__in=signup_ids).exclude(state=State.PENDING)
        fans = {
            state: list(
                User.objects.filter(pk__in=decided.filter(state=state).values("fan_id")).exclude(
                    notifications__group=group
                )
            )
            for state in (State.WON, State.LOST)
        }
        title = launch.title
        notify(fans[State.WON], "meetup", lambda: _("You have a place at “%(title)s”.") % {"title": title}, url, group)
        if launch.mode == Launch.Mode.DRAW:
            lost = lambda: _("The draw for “%(title)s” is done: you were not drawn this time.") % {"title": title}  # noqa: E731
        else:
            lost = lambda: _("All places at “%(title)s” were given before your turn came.") % {"title": title}  # noqa: E731
        notify(fans[State.LOST], "meetup", lost, url, group)
        told = len(fans[State.WON]) + len(fans[State.LOST])
    # Marked apart, in a short statement: the allocator waits for open writes on this table before each
    # batch. Dying in between only leaves them for allocation.requeue_untold, which finds them told.
    decided.filter(notified_at__isnull=True).update(notified_at=timezone.now())
    return told
