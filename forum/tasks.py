"""Celery tasks of the forum: thin wrappers (beat entries are in the migrations)."""

from celery import shared_task


@shared_task(name="forum.tasks.flush_view_counts")
def flush_view_counts() -> int:
    from forum.counters import flush_view_counts as flush

    return flush()
