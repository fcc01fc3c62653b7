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
    for fan_id, n in attended.values_list("fan_id", "n"):
        out[fan_id]["meetups_attended"] = n
    organised = (
        Meetup.objects.filter(proposed_by_id__in=user_ids, kind=Meetup.Kind.FAN, approval=Meetup.Approval.APPROVED)
        .values("proposed_by_id")
        .annotate(n=Count("id"))
    )
    for organiser_id, n in organised.values_list("proposed_by_id", "n"):
        out[organiser_id]["club_meetups_organised"] = n
    return dict(out)


# For the profile's community panel (settings.COMMUNITY_PROFILE_COLUMNS): meetups the fan attended.
ATTENDED_SQL = (
    f"SELECT count(*) FROM {Registration._meta.db_table} r WHERE r.fan_id = {{user}} AND r.checked_in_at IS NOT NULL"
)
