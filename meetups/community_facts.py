"""What the meetups tell community.medals about fans (settings.COMMUNITY_MEDAL_FACTS): meetups
attended (checked in at the door) and city-club meetups they organised (approved fan meetups)."""

from collections import defaultdict

from django.db.models import Count

from meetups.models import Meetup, Registration


def facts(user_ids: list[int]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = defaultdict(dict)
    attended = (
        Registration.objects.filter(fan_id__in=user_ids, checked_in_at__isnull=False)
        .values("fan_id")
        .annotate(n=Count("id"))
    )
    for row in attended:
        out[row["fan_id"]]["meetups_attended"] = row["n"]
    organised = (
        Meetup.objects.filter(
            proposed_by_id__in=user_ids, kind=Meetup.Kind.FAN, approval=Meetup.Approval.APPROVED
        )
        .values("proposed_by_id")
        .annotate(n=Count("id"))
    )
    for row in organised:
        out[row["proposed_by_id"]]["club_meetups_organised"] = row["n"]
    return dict(out)


def attended_count(user_id: int) -> int:
    return Registration.objects.filter(fan_id=user_id, checked_in_at__isnull=False).count()
