"""What the forum tells community.medals about fans (settings.COMMUNITY_MEDAL_FACTS): replies written
and still shown."""

from django.db.models import Count

from forum.models import Post


def facts(user_ids: list[int]) -> dict[int, dict[str, int]]:
    rows = (
        Post.objects.filter(author_id__in=user_ids, floor__gt=1, deleted_at__isnull=True, hidden_at__isnull=True)
        .values("author_id")
        .annotate(n=Count("id"))
    )
    return {row["author_id"]: {"replies": row["n"]} for row in rows}
