"""Medals (勋章): automatic ones recomputed by a task (community.tasks.recompute_medals, never in a
request), staff-awarded ones with a reason, and the fan's choice of up to three shown on posts.

Awarding is idempotent: a medal is inserted with ON CONFLICT DO NOTHING on the unique (fan, medal), so
two tasks running at once, or a task run twice, give one medal.

What a rule needs to know about a fan comes from the apps that know it, through the hooks in
`settings.COMMUNITY_MEDAL_FACTS` (`(user_ids) -> {user_id: {fact: number}}`): the forum counts replies,
the meetups count meetups attended and club meetups organised. Confirmed bugs come from the ledger,
core testers from their group, the anniversary from the date the fan joined.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accounts.activity import active_since
from accounts.models import DailyActivity, User
from accounts.roles import CORE_TESTERS, holders
from community.models import MAX_SHOWN_MEDALS, CreditEntry, CreditReason, Medal, MedalAward
from community.permissions import may_award_medals, may_take_part
from fancity.lib.rows import insert_once

Facts = dict[str, int]

# Each automatic medal's rule over a fan's facts.
RULES: dict[str, Callable[[Facts], bool]] = {
    "first_meetup": lambda f: f.get("meetups_attended", 0) >= 1,
    "ten_meetups": lambda f: f.get("meetups_attended", 0) >= 10,
    "hundred_replies": lambda f: f.get("replies", 0) >= 100,
    "first_bug": lambda f: f.get("confirmed_bugs", 0) >= 1,
    "core_tester": lambda f: f.get("core_tester", 0) >= 1,
    "club_organiser": lambda f: f.get("club_meetups_organised", 0) >= 1,
    "anniversary": lambda f: f.get("days_since_joined", 0) >= 365,
}
BATCH = 1000


def facts_for(user_ids: list[int]) -> dict[int, Facts]:
    facts: dict[int, Facts] = defaultdict(dict)
    for pk, joined in User.objects.filter(pk__in=user_ids).values_list("pk", "date_joined"):
        facts[pk]["days_since_joined"] = (timezone.now() - joined).days
    for pk in holders(User.objects.filter(pk__in=user_ids), CORE_TESTERS).values_list("pk", flat=True):
        facts[pk]["core_tester"] = 1
    bugs = (
        CreditEntry.objects.filter(
            user_id__in=user_ids, reason=CreditReason.BUG, amount__gt=0, reversed=False, reverses__isnull=True
        )
        .values("user_id")
        .annotate(n=Count("id"))
    )
    for row in bugs:
        facts[row["user_id"]]["confirmed_bugs"] = row["n"]
    for path in settings.COMMUNITY_MEDAL_FACTS:
        for pk, more in import_string(path)(user_ids).items():
            facts[pk].update(more)
    return facts


def recompute(user_ids: Iterable[int]) -> int:
    """Give each fan in `user_ids` the automatic medals their facts earn; returns the medals given.
    Idempotent: safe to run twice, or twice at once."""
    automatic = {m.rule: m.pk for m in Medal.objects.exclude(rule="") if m.rule in RULES}
    given = 0
    ids = list(user_ids)
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        for pk, facts in facts_for(batch).items():
            for rule, medal_id in automatic.items():
                if RULES[rule](facts) and insert_once(MedalAward, user=pk, medal=medal_id, reason=""):
                    given += 1
    return given


def recently_active(days: int = 2) -> list[int]:
    """Fans active in the last `days` days: the ones whose facts may have changed."""
    since = active_since(days)
    return list(DailyActivity.objects.filter(day__gte=since).values_list("user_id", flat=True).distinct())


def award(staff: User, fan: User, medal: Medal, reason: str) -> bool:
    """A staff member awards `medal` to `fan`, saying why; False if the fan already has it."""
    if not may_award_medals(staff):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the fan earns this medal.")})
    with transaction.atomic():
        return insert_once(MedalAward, user=fan.pk, medal=medal.pk, awarded_by=staff.pk, reason=reason[:200])


def take_back(staff: User, fan: User, medal: Medal) -> None:
    if not may_award_medals(staff):
        raise PermissionDenied
    MedalAward.objects.filter(user=fan, medal=medal).delete()


def medals_of(fan: User) -> list[MedalAward]:
    return list(MedalAward.objects.filter(user=fan).select_related("medal").order_by("awarded_at", "id"))


def choose_shown(user: User, medal_ids: list[int]) -> None:
    """Show these medals (the fan's own, at most three, in this order) under the fan's name on posts."""
    if not may_take_part(user):
        raise PermissionDenied
    ids = list(dict.fromkeys(medal_ids))
    if len(ids) > MAX_SHOWN_MEDALS:
        raise ValidationError(_("Choose at most %(n)d medals to show.") % {"n": MAX_SHOWN_MEDALS})
    with transaction.atomic():
        mine = MedalAward.objects.select_for_update().filter(user=user)
        owned = set(mine.values_list("medal_id", flat=True))
        if set(ids) - owned:
            raise ValidationError(_("You can only show medals you have."))
        mine.update(shown_position=None)
        for position, medal_id in enumerate(ids, start=1):
            mine.filter(medal_id=medal_id).update(shown_position=position)
