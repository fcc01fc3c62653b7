"""Credits (积分): a ledger, one row per change with its reason, and the fan's standing kept in step.

Every change goes through `_lock` (the fan's `Standing` row, created on first use) and `_write` (the
ledger row, and the standing's credits and level moved in one statement), in the caller's
transaction: the level is never out of step with the ledger (`recompute` derives both from the
ledger alone; tests compare). Per fan, changes are serialised by that row lock, which makes the
"once per thing" check and the daily caps exact; the partial unique index `credit_once_per_thing` is
the last line of defence.

Higher apps credit fans by calling these functions in their own write's transaction (forum.writing.posting,
forum.moderation.moderate, forum.writing.feedback; meetups.checkin through the award_credit task); content that is
hidden or deleted has its credits taken back by `take_back`, with a reversing row, so the ledger
keeps its history.
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Sum
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


_LEDGER = CreditEntry._meta.db_table
TAKE_BACK_BATCH = 200  # refs per statement (a withdrawn thread's posts)
_LIVE = "amount > 0 AND NOT reversed AND reverses_id IS NULL"
_MATCH = "({match})"  # per ref "ref = %(rN)s OR ref LIKE %(uN)s": each an index condition (credit_ref)
# Every fan concerned, locked in id order (their standing rows exist: they have credits to take back).
_LOCK_OWNERS_SQL = (
    f"SELECT user_id FROM {_STANDING} WHERE user_id IN "
    f"(SELECT user_id FROM {_LEDGER} WHERE {_LIVE} AND {_MATCH}) ORDER BY user_id FOR UPDATE"
)
# Mark the live entries reversed, write their reversing rows, and move each fan's standing: one statement.
_TAKE_BACK_SQL = f"""
WITH taken AS (
  UPDATE {_LEDGER} SET reversed = TRUE WHERE {_LIVE} AND {_MATCH}
  RETURNING id, user_id, amount, reason, ref
), written AS (
  INSERT INTO {_LEDGER} (user_id, amount, reason, ref, note, reverses_id, reversed, created_at, day)
  SELECT user_id, -amount, reason, ref, '', id, FALSE, %(now)s, %(day)s FROM taken
  RETURNING user_id, amount
), moved AS (
  SELECT user_id, sum(amount) AS delta FROM written GROUP BY user_id
)
UPDATE {_STANDING} s SET credits = s.credits + moved.delta,
  level_id = {LEVEL_FOR_SQL.format(credits="s.credits + moved.delta")}
FROM moved WHERE s.user_id = moved.user_id
RETURNING -moved.delta
"""


def take_back(*refs: str) -> int:
    """Reverse every live credit for each ref and for the things under it ("post:12" also takes back
    "post:12:like:7"): a hidden or deleted post earns nothing. Returns the credits taken back.

    Two statements whatever the number of entries: the fans concerned are locked first, in id order
    (so two reversals never wait on each other in a circle, and an award for them waits), then the
    entries are marked, their reversing rows written and the standings moved, in one statement."""
    if not refs:
        return 0
    total = 0
    for start in range(0, len(refs), TAKE_BACK_BATCH):
        batch = refs[start : start + TAKE_BACK_BATCH]
        params: dict[str, Any] = {"now": timezone.now(), "day": timezone.localdate()}
        for n, ref in enumerate(batch):
            escaped = ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params[f"r{n}"], params[f"u{n}"] = ref, f"{escaped}:%"
        match = " OR ".join(f"ref = %(r{n})s OR ref LIKE %(u{n})s" for n in range(len(batch)))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_LOCK_OWNERS_SQL.format(match=match), params)
            if not cursor.fetchall():
                continue
            cursor.execute(_TAKE_BACK_SQL.replace("{match}", match), params)
            total += sum(row[0] for row in cursor.fetchall())
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
