"""The desk's part in the forum comes through settings: triage of new feedback, a panel on the thread page."""

import pytest
from django.conf import settings
from django.test import override_settings

from servicedesk import triage
from servicedesk.models import Priority, Ticket
from tests.helpers import wait_until
from tests.servicedesk.factories import fan, feedback, rule


@pytest.mark.django_db(transaction=True)
def test_a_new_feedback_thread_is_triaged_by_the_worker_through_the_forum_hook(celery_worker):
    assert "servicedesk.forum_hooks.triage_new_feedback" in settings.FORUM_FEEDBACK_HOOKS
    rule("电池", "电池", escalate=Priority.URGENT)
    thread = feedback(title="电池不耐用", body="一天三充")
    ticket = wait_until(lambda: Ticket.objects.filter(thread=thread, triaged_at__isnull=False).first())
    assert ticket.priority == Priority.URGENT and ticket.rule_name == "电池"


@pytest.mark.django_db
def test_the_thread_page_shows_the_escalated_panel(client):
    thread = feedback(title="订单", body="没到")
    triage.triage(thread.pk)  # no rule matches: escalated to a person
    html = client.get(thread.get_absolute_url()).content.decode()
    assert '<span class="tag escalated">' in html and 'class="desk-state"' in html
    with override_settings(FORUM_THREAD_PANELS=[]):
        assert "desk-state" not in client.get(thread.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_only_the_author_sees_the_ask_for_a_person_button(client):
    rule("Battery", "battery", reply="Check Settings › Battery.")
    author = fan()
    thread = feedback(author, title="battery", body="drains")
    triage.triage(thread.pk)
    form = f'<form method="post" action="/servicedesk/ask/{thread.pk}/" class="desk-state">'
    client.force_login(author)
    response = client.get(thread.get_absolute_url())
    assert response.status_code == 200 and form in response.content.decode()
    client.force_login(fan())
    response = client.get(thread.get_absolute_url())
    assert response.status_code == 200 and form not in response.content.decode()


@pytest.mark.django_db
def test_no_panel_before_the_thread_is_triaged(client):
    thread = feedback(title="刚发", body="还没分诊")
    response = client.get(thread.get_absolute_url())
    assert response.status_code == 200 and "desk-state" not in response.content.decode()
