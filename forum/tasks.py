"""Celery tasks of the forum: thin wrappers (beat entries are in the migrations)."""

from celery import shared_task


@shared_task(name="forum.tasks.ensure_city_boards")
def ensure_city_boards() -> int:
    """Give cities added since the last run (in the admin, say) their club board."""
    from forum.boards import ensure_city_boards as ensure

    return ensure()


@shared_task(name="forum.tasks.flush_view_counts")
def flush_view_counts() -> int:
    from forum.view_counts import flush_view_counts as flush

    return flush()


@shared_task(name="forum.tasks.process_attachment")
def process_attachment(attachment_id: int) -> str:
    """Make an attached image's web copy and thumbnail (idempotent: a repeat finds it done)."""
    from forum.attachments import process_image

    return process_image(attachment_id)


@shared_task(name="forum.tasks.rank_hot_threads")
def rank_hot_threads() -> int:
    """Beat, every 5 minutes: recompute the hot lists (forum/hot.py); safe to run twice."""
    from forum.hot import rank

    return rank()


@shared_task(name="forum.tasks.purge_drafts")
def purge_drafts() -> int:
    """Delete drafts nobody touched for 30 days (idempotent)."""
    from forum.drafts import purge_old_drafts

    return purge_old_drafts()
