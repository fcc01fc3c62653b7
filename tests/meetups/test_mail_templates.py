"""Mail texts event staff edit per language: used where written, the built-in text elsewhere; a
sandbox (plain strings, a few tags); a broken template falls back and the preview says why."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone, translation

from accounts.models import Notification
from accounts.roles import MODERATORS, SERVICE_DESK
from meetups.changes import cancel_meetup, change_text
from meetups.mailtemplates import preview, staff_mail
from meetups.models import MailTemplate
from meetups.registration import cancel_registration, register_for_meetup
from outbox.models import Message
from tests.factories import UserFactory
from tests.meetups.factories import MeetupFactory, event_staff

pytestmark = pytest.mark.django_db
Kind = MailTemplate.Kind


def _mails_to(user):
    return [
        m.args[0] for m in Message.objects.filter(task="accounts.tasks.send_email") if m.args[0]["to"] == [user.email]
    ]


def test_the_confirmation_uses_the_staff_text_in_the_fans_language_only():
    MailTemplate.objects.create(
        kind=Kind.CONFIRMATION,
        language="zh-hans",
        subject="{{ title }} 见！",
        body="{{ name }}，{{ when }} 见。{{ ticket_url }}",
    )
    meetup = MeetupFactory(title="周末聚")
    chinese, english = UserFactory(language="zh-hans", display_name="小张"), UserFactory(language="en")
    register_for_meetup(chinese, meetup)
    register_for_meetup(english, meetup)
    (zh,) = _mails_to(chinese)
    assert zh["subject"].endswith("周末聚 见！") and zh["body"].startswith("小张，") and "/ticket/" in zh["body"]
    (en,) = _mails_to(english)
    assert "is confirmed" in en["body"]  # no English template: the built-in text


def test_the_waiting_list_mail_gives_the_place():
    meetup = MeetupFactory(capacity=1, capacity_override=True)
    register_for_meetup(UserFactory(), meetup)
    fan = UserFactory(language="en")
    register_for_meetup(fan, meetup)
    (mail,) = _mails_to(fan)
    assert "waiting list" in mail["body"] and "Your place in it: 1." in mail["body"]
    MailTemplate.objects.create(
        kind=Kind.WAITING, language="en", subject="Queue", body="You are number {{ position }}."
    )
    other = UserFactory(language="en")
    register_for_meetup(other, meetup)
    assert _mails_to(other)[0]["body"] == "You are number 2."


def test_promotion_and_cancel_notifications_use_the_staff_text():
    MailTemplate.objects.create(kind=Kind.PROMOTION, language="en", subject="-", body="Seat for you at {{ title }}!")
    MailTemplate.objects.create(kind=Kind.CANCEL, language="en", subject="-", body="{{ title }} is off: {{ reason }}")
    meetup = MeetupFactory(capacity=1, capacity_override=True, title="Tea")
    first = register_for_meetup(UserFactory(language="en"), meetup)
    waiting = UserFactory(language="en")
    register_for_meetup(waiting, meetup)
    cancel_registration(first.fan, first)
    assert Notification.objects.get(recipient=waiting).text == "Seat for you at Tea!"
    meetup = cancel_meetup(event_staff(), meetup, "rain")
    with translation.override("en"):
        assert change_text(meetup) == "Tea is off: rain"
    with translation.override("zh-hans"):
        assert "已取消" in change_text(meetup)  # no Chinese template: the built-in text


@pytest.mark.parametrize(
    "body",
    [
        "{% include 'meetups/email/confirmation.txt' %}",
        "{% load static %}{% static 'x' %}",
        "{% debug %}",
        "{% url 'admin:index' %}",
        "{% if %}",
        "{{ name|no_such_filter }}",
        "{% for x in %}",
    ],
)
def test_a_broken_or_unsafe_template_falls_back_to_the_built_in_text_and_the_preview_says_why(body):
    template = MailTemplate.objects.create(kind=Kind.CONFIRMATION, language="en", subject="s", body=body)
    subject, text, error = preview(template)
    assert error and not text
    assert staff_mail(Kind.CONFIRMATION, {"name": "x"}, "en") is None
    fan = UserFactory(language="en")
    register_for_meetup(fan, MeetupFactory())
    (mail,) = _mails_to(fan)  # the mail still leaves, with our text
    assert "is confirmed" in mail["body"]


def test_the_context_holds_strings_only():
    """No model in reach: `name.fan`, `title.meetup.delete` and the like render as nothing."""
    template = MailTemplate.objects.create(
        kind=Kind.CONFIRMATION,
        language="en",
        subject="{{ title.upper }}",
        body="[{{ name.fan.password }}][{{ title.delete }}][{{ settings.SECRET_KEY }}]",
    )
    subject, body, error = preview(template)
    assert error == "" and body == "[][][]"


def test_staff_edit_and_preview_in_the_admin(client):
    staff = event_staff(language="en")
    client.force_login(staff)
    response = client.post(
        "/admin/meetups/mailtemplate/add/",
        {"kind": Kind.CONFIRMATION, "language": "en", "subject": "Hi <b>{{ name }}</b>", "body": "See you, {{ name }}"},
    )
    assert response.status_code == 302
    template = MailTemplate.objects.get()
    assert template.updated_by == staff
    page = client.get(f"/admin/meetups/mailtemplate/{template.pk}/change/").content.decode()
    assert 'id="mail-preview"' in page and "See you, 小明" in page and "Hi &lt;b&gt;小明&lt;/b&gt;" in page
    template.body = "{% include 'x' %}"
    template.save()
    page = client.get(f"/admin/meetups/mailtemplate/{template.pk}/change/").content.decode()
    assert 'id="mail-preview-error"' in page and "include" in page


def _member(group):
    user = UserFactory(is_staff=True, language="en")
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.mark.parametrize(
    "who,status",
    [("event staff", 200), ("superuser", 200), ("fan", 302), ("moderator", 403), ("desk staff", 403)],
)
def test_who_edits_mail_templates(client, who, status):
    template = MailTemplate.objects.create(kind=Kind.CANCEL, language="en", subject="s", body="b")
    people = {
        "event staff": lambda: event_staff(language="en"),
        "superuser": lambda: UserFactory(is_staff=True, is_superuser=True, language="en"),
        "fan": lambda: UserFactory(language="en"),
        "moderator": lambda: _member(MODERATORS),
        "desk staff": lambda: _member(SERVICE_DESK),
    }
    client.force_login(people[who]())
    assert client.get("/admin/meetups/mailtemplate/").status_code == status
    response = client.post(
        f"/admin/meetups/mailtemplate/{template.pk}/change/",
        {"kind": Kind.CANCEL, "language": "en", "subject": "s", "body": "changed"},
    )
    template.refresh_from_db()
    assert (template.body == "changed") == (status == 200), response.status_code
    assert timezone.now() - template.updated_at < datetime.timedelta(minutes=5)
