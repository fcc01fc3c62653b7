"""Celery tasks of the forum: thin wrappers (beat entries are in the migrations)."""

from celery import shared_task

from forum import attachments, boards
from forum.reading import hot, view_counts
from forum.writing import drafts


@shared_task(name="forum.tasks.ensure_city_boards")
def ensure_city_boards() -> int:
    """Give cities added since the last run (in the admin, say) their club board."""
    return boards.ensure_city_boards()


@shared_task(name="forum.tasks.flush_view_counts")
def flush_view_counts() -> int:
    return view_counts.flush_view_counts()


@shared_task(name="forum.tasks.process_attachment")
def process_attachment(attachment_id: int) -> str:
    """Make an attached image's web copy and thumbnail (idempotent: a repeat finds it done)."""
    return attachments.process_image(attachment_id)


@shared_task(name="forum.tasks.rank_hot_threads")
def rank_hot_threads() -> int:
    """Beat, every 5 minutes: recompute the hot lists (forum/reading/hot.py); safe to run twice."""
    return hot.rank()


@shared_task(name="forum.tasks.purge_drafts")
def purge_drafts() -> int:
    """Delete drafts nobody touched for 30 days (idempotent)."""
    return drafts.purge_old_drafts()
