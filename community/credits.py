"""Credits (积分): a ledger, one row per change with its reason, and the fan's standing kept in step.

Every change goes through `_lock` (the fan's `Standing` row, created on first use) and `_write` (the
ledger row, and the standing's credits and level moved in one statement), in the caller's transaction: the level is never out of step with the ledger (`recompute` derives both from the ledger
alone; tests compare). Per fan, changes are serialised by that row lock, which makes the "once per
thing" check and the daily caps exact; the partial unique index `credit_once_per_thing` is the last
line of defence.

Higher apps credit fans by calling these functions in their own write's transaction (forum.posting,
forum.moderation, forum.feedback; meetups.checkin through the award_credit task); content that is hidden or deleted has its credits
taken back by `take_back`, with a reversing row, so the ledger keeps its history.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from community import levels
from community.models import CreditEntry, CreditReason, Level, Standing
from community.permissions import may_adjust_credits


@dataclass(frozen=True)
class Rule:
    amount: int
    daily_cap: int | None  # credits a fan may earn for this reason in one day (None: no cap)


RULES = {
    CreditReason.THREAD: Rule(5, 20),
    CreditReason.REPLY: Rule(2, 20),
    CreditReason.LIKE: Rule(1, 20),
    CreditReason.ANSWER: Rule(10, 50),
    CreditReason.MEETUP: Rule(20, None),
    CreditReason.BUG: Rule(20, None),
    CreditReason.CHECKIN: Rule(2, 2),
}

_STANDING = Standing._meta.db_table
_LEVEL = Level._meta.db_table
# The level `credits` gives: the highest threshold reached (a negative balance is the lowest level's).
LEVEL_FOR_SQL = (
    f"(SELECT l.id FROM {_LEVEL} l WHERE l.threshold <= GREATEST({{credits}}, 0) ORDER BY l.threshold DESC LIMIT 1)"
)


def _lock(user_id: int) -> None:
    """Lock the fan's standing row, creating it at zero first if they have none."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_STANDING} (user_id, credits, level_id) VALUES (%s, 0, {LEVEL_FOR_SQL.format(credits='0')}) "
            f"ON CONFLICT (user_id) DO UPDATE SET credits = {_STANDING}.credits",
            [user_id],
        )


def _move(user_id: int, amount: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_STANDING} s SET credits = s.credits + %s, "
            f"level_id = {LEVEL_FOR_SQL.format(credits='s.credits + %s')} WHERE s.user_id = %s",
            [amount, amount, user_id],
        )


def _write(user_id: int, amount: int, reason: str, ref: str = "", **fields) -> CreditEntry:
    entry = CreditEntry.objects.create(
        user_id=user_id, amount=amount, reason=reason, ref=ref, day=timezone.localdate(), **fields
    )
    _move(user_id, amount)
    return entry


def award(user_id: int, reason: str, ref: str) -> int:
    """Credit a fan once for `ref` (a thing: "post:12"), within the reason's daily cap; returns the
    credits written (0: already credited for it, or the day's cap reached). Runs in the caller's
    transaction (or its own)."""
    rule = RULES[CreditReason(reason)]
    with transaction.atomic():
        _lock(user_id)
        mine = CreditEntry.objects.filter(user_id=user_id, reason=reason)
        if mine.filter(ref=ref, amount__gt=0, reversed=False, reverses__isnull=True).exists():
            return 0
        amount = rule.amount
        if rule.daily_cap is not None:
            # Gross credits earned today, reversed ones included: liking and unliking cannot refill the cap.
            earned = mine.filter(day=timezone.localdate(), amount__gt=0, reverses__isnull=True).aggregate(
                s=Sum("amount")
            )["s"]
            amount = min(amount, rule.daily_cap - (earned or 0))
        if amount <= 0:
            return 0
        _write(user_id, amount, reason, ref)
    return amount


def take_back(*refs: str) -> int:
    """Reverse every live credit for each ref and for the things under it ("post:12" also takes back
    "post:12:like:7"): a hidden or deleted post earns nothing. Returns the credits taken back. Every
    fan concerned is locked first, in id order, so two reversals never wait on each other in a circle."""
    if not refs:
        return 0
    match = Q()
    for ref in refs:
        match |= Q(ref=ref) | Q(ref__startswith=f"{ref}:")
    with transaction.atomic():
        entries = CreditEntry.objects.filter(match, amount__gt=0, reversed=False, reverses__isnull=True)
        user_ids = sorted(set(entries.values_list("user_id", flat=True)))
        for user_id in user_ids:
            _lock(user_id)
        total = 0
        for entry in entries.select_for_update(of=("self",)).order_by("id"):
            entry.reversed = True
            entry.save(update_fields=["reversed"])
            _write(entry.user_id, -entry.amount, entry.reason, entry.ref, reverses=entry)
            total += entry.amount
    return total


def adjust(staff: User, fan: User, amount: int, note: str) -> CreditEntry:
    """A staff member adds (or removes, with a negative amount) credits, saying why."""
    if not may_adjust_credits(staff):
        raise PermissionDenied
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why the credits change.")})
    if amount == 0:
        raise ValidationError({"amount": _("Enter a number of credits other than zero.")})
    with transaction.atomic():
        _lock(fan.pk)
        entry = _write(fan.pk, amount, CreditReason.STAFF, note=note[:200], staff=staff)
    levels.forget(fan)
    return entry


def credits_of(user_id: int) -> int:
    return Standing.objects.filter(user_id=user_id).values_list("credits", flat=True).first() or 0


def recompute(user_id: int) -> tuple[int, int | None]:
    """(credits, level id) from the ledger alone, as `Standing` must hold them."""
    credits = CreditEntry.objects.filter(user_id=user_id).aggregate(s=Sum("amount"))["s"] or 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {LEVEL_FOR_SQL.format(credits='%s')}", [credits])
        return credits, cursor.fetchone()[0]


def relevel_all() -> int:
    """Give every standing the level its credits reach, after staff changed the levels."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {_STANDING} s SET level_id = {LEVEL_FOR_SQL.format(credits='s.credits')}")
        return cursor.rowcount


def ledger(user: User, limit: int = 50) -> list[CreditEntry]:
    return list(CreditEntry.objects.filter(user=user).select_related("staff")[:limit])
