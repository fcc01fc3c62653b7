"""The service desk's part in the forum, registered in settings (the forum never imports the desk).

`FORUM_FEEDBACK_HOOKS` lists `triage_new_feedback`; `FORUM_THREAD_PANELS` lists `thread_state_panel`.
"""

from django.http import HttpRequest

from forum.models import Thread
from outbox.queueing import enqueue
from servicedesk.queries import desk_state


def triage_new_feedback(thread_id: int) -> None:
    """Queue the keyword rules for a new feedback thread (`servicedesk.tasks.triage_thread`)."""
    enqueue("servicedesk.tasks.triage_thread", thread_id)


def thread_state_panel(request: HttpRequest, thread: Thread) -> tuple[str, dict] | None:
    """Escalated, or answered automatically with a button to ask for a person (feedback threads only)."""
    if not thread.is_feedback:
        return None
    desk = desk_state(thread.pk)
    if desk is None:
        return None
    return "servicedesk/_thread_state.html", {"desk": desk}
