"""The community's Celery tasks: thin, idempotent wrappers (queued by name, STYLE.md)."""

from celery import shared_task

from community import credits, medals


@shared_task(name="community.tasks.recompute_medals")
def recompute_medals(user_ids: list[int] | None = None) -> int:
    """Automatic medals for these fans, or for every fan active in the last two days (beat, daily)."""
    return medals.recompute(user_ids if user_ids is not None else medals.recently_active())


@shared_task(name="community.tasks.award_credit")
def award_credit(user_id: int, reason: str, ref: str) -> int:
    """`credits.award` after the caller's commit, for a write whose own latency matters (the meetup
    door): once per ref, so a repeat is harmless."""
    return credits.award(user_id, reason, ref)
