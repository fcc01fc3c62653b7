"""The community's part of a fan's data export and erasure (settings.PERSONAL_DATA_EXPORTS / _ERASERS)."""

from django.db.models import Q

from accounts.models import User
from community.models import CheckIn, CreditEntry, FanDevice, Follow, MedalAward, Standing


def community_data(user: User) -> dict:
    return {
        "credits": [
            {"when": e.created_at.isoformat(), "amount": e.amount, "reason": e.reason, "note": e.note}
            for e in CreditEntry.objects.filter(user=user).order_by("id")
        ],
        "check_ins": [
            d.isoformat() for d in CheckIn.objects.filter(user=user).order_by("day").values_list("day", flat=True)
        ],
        "devices": [
            {"device": d.device.name, "main": d.is_main, "system_version": d.system_version}
            for d in FanDevice.objects.filter(user=user).select_related("device")
        ],
        "medals": [
            {"medal": a.medal.name, "awarded_at": a.awarded_at.isoformat(), "shown": a.shown_position}
            for a in MedalAward.objects.filter(user=user).select_related("medal")
        ],
        "following": list(Follow.objects.filter(follower=user).values_list("followed__username", flat=True)),
    }


def erase_community_data(user: User) -> None:
    CreditEntry.objects.filter(user=user).delete()
    Standing.objects.filter(user=user).delete()
    CheckIn.objects.filter(user=user).delete()
    FanDevice.objects.filter(user=user).delete()
    MedalAward.objects.filter(user=user).delete()
    Follow.objects.filter(Q(follower=user) | Q(followed=user)).delete()
