"""With a real Celery worker: posting feedback queues the triage, and a failing rule never blocks posting."""

import pytest

from forum.writing import posting
from servicedesk.models import Priority, Ticket
from tests.helpers import wait_until
from tests.servicedesk.factories import fan, feedback_board, rule


def wait_for_ticket(thread) -> Ticket:
    return wait_until(
        lambda: Ticket.objects.filter(thread=thread, triaged_at__isnull=False).first(),
        what="the worker to triage the thread",
    )


@pytest.mark.django_db(transaction=True)
def test_a_failing_rule_does_not_block_the_post_and_the_thread_still_reaches_staff(celery_worker, caplog):
    rule("Broken", "快递", priority=500, reply="{% if %}")
    rule("快递", "快递", priority=100, escalate=Priority.URGENT)
    thread = posting.start_thread(fan(), feedback_board(), "快递丢了", "三天没到", feedback_kind="question")
    assert thread.pk and thread.posts.count() == 1  # posted at once, before any rule ran
    ticket = wait_for_ticket(thread)
    assert ticket.rule_name == "快递" and ticket.priority == Priority.URGENT
    assert thread.posts.count() == 1
