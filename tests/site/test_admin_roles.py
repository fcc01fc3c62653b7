"""Each role does the admin task the READMEs give it, end to end, with its group's permissions only
(accounts/migrations/0007_staff_roles_own_their_admin_tasks.py)."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from accounts.models import City, SensitiveWord
from forum.models import Board, BoardModerator, Post
from forum.moderation import moderate
from meetups.models import Meetup
from servicedesk import triage
from servicedesk.models import Ticket
from tests.forum.factories import fan, reply, thread
from tests.servicedesk.factories import feedback
from tests.site.admin_states import role_user

pytestmark = pytest.mark.django_db


def _form_data(response, prefix_counts=()) -> dict:
    """What the admin's change form would post as it stands: its initial values, split date-times."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if callable(value):
            value = value()
        if value is None:
            continue
        if isinstance(value, datetime.datetime):
            local = timezone.localtime(value)
            data[f"{name}_0"], data[f"{name}_1"] = local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [getattr(v, "pk", v) for v in value]
        else:
            data[name] = getattr(value, "pk", value)
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
            data[management.add_prefix(name)] = management.initial.get(name, 0) if name != "TOTAL_FORMS" else 0
        data[management.add_prefix("INITIAL_FORMS")] = 0
    return data


def _when(days: float) -> list[str]:
    moment = timezone.localtime(timezone.now() + datetime.timedelta(days=days))
    return [moment.strftime("%Y-%m-%d"), moment.strftime("%H:%M:%S")]


def test_event_staff_create_a_meetup_in_the_admin_finding_the_city_by_autocomplete(client):
    client.force_login(role_user("event staff", language="en"))
    add = reverse("admin:meetups_meetup_add")
    page = client.get(add)
    assert page.status_code == 200
    found = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "meetups", "model_name": "meetup", "field_name": "city", "term": "深圳"},
    )
    assert found.status_code == 200
    shenzhen = City.objects.get(slug="shenzhen")
    assert str(shenzhen.pk) in [r["id"] for r in found.json()["results"]]

    data = _form_data(page)
    data.update(title="深圳夏季见面会", city=shenzhen.pk, venue="科技园", address="南山区 1 号", capacity=40)
    for name, days in [
        ("starts_at", 21),
        ("registration_opens_at", 1),
        ("registration_closes_at", 19),
        ("cancel_cutoff", 20),
    ]:
        data[f"{name}_0"], data[f"{name}_1"] = _when(days)
    response = client.post(add, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    meetup = Meetup.objects.get(title="深圳夏季见面会")
    assert meetup.status == Meetup.Status.DRAFT and meetup.city == shenzhen

    published = client.post(
        reverse("admin:meetups_meetup_changelist"), {"action": "publish", "_selected_action": [meetup.pk]}, follow=True
    )
    assert "Published 1 meetups." in [str(m) for m in published.context["messages"]]
    assert Meetup.objects.get(pk=meetup.pk).status == Meetup.Status.PUBLISHED


def test_moderators_keep_the_word_list_appoint_board_moderators_and_act_on_reports(client):
    moderator = role_user("moderator", language="en")
    client.force_login(moderator)
    added = client.post(reverse("admin:accounts_sensitiveword_add"), {"word": "刷单", "action": "hold", "note": ""})
    assert added.status_code == 302 and SensitiveWord.objects.filter(word="刷单").exists()

    board = Board.objects.get(slug="general")
    appointee = fan()
    url = reverse("admin:forum_board_change", args=[board.pk])
    data = _form_data(client.get(url))
    data.update({"moderator_links-TOTAL_FORMS": 1, "moderator_links-0-user": appointee.pk})
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert BoardModerator.objects.filter(board=board, user=appointee).exists()

    post = reply(fan(), thread())
    report = moderate.report_post(fan(), post, "广告")
    client.post(reverse("admin:forum_report_changelist"), {"action": "hide_posts", "_selected_action": [report.pk]})
    assert Post.objects.get(pk=post.pk).hidden_at is not None
    assert client.get(reverse("admin:forum_moderationaction_changelist")).status_code == 200
    assert client.get(reverse("admin:forum_heldpost_changelist")).status_code == 200


def test_moderators_are_not_offered_the_feedback_workflow_they_cannot_run(client):
    client.force_login(role_user("moderator", language="en"))
    response = client.get(reverse("admin:forum_thread_changelist"))
    actions = dict(response.context["action_form"].fields["action"].choices)
    assert "lock" in actions and not any(name.startswith("set_status_") for name in actions)


def test_desk_staff_claim_a_ticket_and_read_its_history_in_the_admin(client):
    client.force_login(role_user("desk staff", language="en"))
    ticket = triage.triage(feedback(title="无法开机").pk)
    client.post(reverse("admin:servicedesk_ticket_changelist"), {"action": "claim", "_selected_action": [ticket.pk]})
    assert Ticket.objects.get(pk=ticket.pk).claimed_by is not None
    page = client.get(reverse("admin:servicedesk_ticket_change", args=[ticket.pk]))
    assert page.status_code == 200
    assert any(f.formset.model.__name__ == "TicketEvent" for f in page.context["inline_admin_formsets"])
    assert "claimed" in page.content.decode().lower()


def test_operations_change_when_a_periodic_task_runs_but_not_what_it_runs(client):
    task = PeriodicTask.objects.get(task="meetups.tasks.schedule_meetup")
    url = reverse("admin:django_celery_beat_periodictask_change", args=[task.pk])
    client.force_login(role_user("event staff"))
    assert client.get(url).status_code == 403

    client.force_login(role_user("operations", language="en"))
    page = client.get(url)
    assert page.status_code == 200
    later, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="10", day_of_week="1", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    data = _form_data(page)
    data.update(crontab=later.pk, task="accounts.tasks.send_email", args=json.dumps(["x@example.com"]))
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    task.refresh_from_db()
    assert task.crontab_id == later.pk
    assert task.task == "meetups.tasks.schedule_meetup" and json.loads(task.args) == []
    assert client.get(reverse("admin:django_celery_beat_periodictask_add")).status_code == 403
