"""Alerts: an urgent item unclaimed past the target, a claimed item unanswered too long; each told once."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Notification
from servicedesk import alerts, claims, triage
from servicedesk.models import DeskAlert, DeskSettings, Priority, Ticket
from servicedesk.tasks import send_alerts
from tests.helpers import celery_idle, wait_until
from tests.servicedesk.factories import feedback, rule, staff


def _waited(ticket: Ticket, minutes: int) -> None:
    past = timezone.now() - datetime.timedelta(minutes=minutes)
    Ticket.objects.filter(pk=ticket.pk).update(waiting_since=past, escalated_at=past)


@pytest.mark.django_db(transaction=True)
def test_an_urgent_item_past_the_target_is_alerted_once_by_the_beat_task_on_a_real_worker(celery_worker):
    DeskSettings.objects.create(target_minutes=15)
    rule("快递", "快递", escalate=Priority.URGENT)
    late = triage.triage(feedback(title="快递丢了", body="急").pk)
    fresh = triage.triage(feedback(title="快递慢", body="急").pk)
    normal = triage.triage(feedback(title="普通问题", body="不急").pk)
    _waited(late, 16)
    _waited(normal, 60)
    members = [staff(), staff()]
    alert_url = f"/staff/queue/{late.pk}/"

    for _run in range(2):
        send_alerts.delay()
        wait_until(celery_idle, what="the alert task")
    assert list(DeskAlert.objects.values_list("ticket_id", "threshold")) == [(late.pk, "unclaimed")]
    for member in members:
        assert Notification.objects.filter(recipient=member, url=alert_url, group__contains="alert").count() == 1
    assert not DeskAlert.objects.filter(ticket__in=[fresh, normal]).exists()


@pytest.mark.django_db
def test_a_claimed_item_waiting_too_long_for_an_answer_is_alerted_once():
    DeskSettings.objects.create(answer_minutes=30)
    ticket = triage.triage(feedback(title="账号", body="登录不了").pk)
    holder = staff(display_name="Ann")
    claims.claim(holder, ticket.pk)
    assert alerts.send_due() == 0
    past = timezone.now() - datetime.timedelta(minutes=31)
    Ticket.objects.filter(pk=ticket.pk).update(claimed_at=past, waiting_since=past)
    assert alerts.send_due() == 1
    assert alerts.send_due() == 0
    note = Notification.objects.get(recipient=holder, group__contains="alert")
    assert "Ann" in note.text
