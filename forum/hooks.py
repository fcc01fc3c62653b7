"""How other apps act on the forum without the forum importing them.

The forum sits below the apps that build on it (the service desk, the meetups), so it never imports
them. Instead it calls the functions listed in three settings, as accounts does with
`PERSONAL_DATA_EXPORTS`, and each app lists its own:

- `FORUM_FEEDBACK_HOOKS`: `hook(thread_id)` is called after the commit that creates a feedback thread.
  A hook that fails is logged; the thread is saved all the same.
- `FORUM_REPLY_HOOKS`: `hook(post_id)` is called after the commit that adds a reply (floor 2 and up) to
  any thread. A hook that fails is logged; the reply is saved all the same.
- `FORUM_THREAD_PANELS`: `panel(request, thread)` returns `(template name, context)` or None; the thread
  page renders each template in its own context plus that one (`{% thread_panels thread %}`).
"""

import logging
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils.module_loading import import_string

from forum.models import Post, Thread

logger = logging.getLogger(__name__)

ThreadPanel = Callable[[HttpRequest, Thread], tuple[str, dict] | None]


def feedback_thread_created(thread: Thread) -> None:
    """Run every `FORUM_FEEDBACK_HOOKS` function with the thread's id once the transaction commits."""
    for path in settings.FORUM_FEEDBACK_HOOKS:
        transaction.on_commit(partial(_run_hook, path, thread.pk))


def reply_posted(post: Post) -> None:
    """Run every `FORUM_REPLY_HOOKS` function with the reply's id once the transaction commits."""
    for path in settings.FORUM_REPLY_HOOKS:
        transaction.on_commit(partial(_run_hook, path, post.pk))


def _run_hook(path: str, object_id: int) -> None:
    try:
        import_string(path)(object_id)
    except Exception:
        logger.exception("Forum hook %s failed on %s", path, object_id)


def thread_panels(request: HttpRequest, thread: Thread) -> list[tuple[str, dict]]:
    """The (template name, context) of every `FORUM_THREAD_PANELS` panel that has something to show."""
    panels = []
    for path in settings.FORUM_THREAD_PANELS:
        panel: ThreadPanel = import_string(path)
        shown = panel(request, thread)
        if shown is not None:
            panels.append(shown)
    return panels
