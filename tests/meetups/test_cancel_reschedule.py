"""Cancelling and rescheduling a published meetup: fans told in their language, forum and calendar updated."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from forum.models import Post
from meetups import publishing
from meetups.changes import cancel_meetup, change_group, reschedule_meetup
from meetups.locking import RegistrationError
from meetups.models import Meetup, Registration
from meetups.registration import register_for_meetup
from tests.factories import UserFactory
from tests.helpers import celery_idle, wait_until
from tests.meetups.factories import MeetupFactory, event_staff, make_fans


def _published(staff, capacity=30, **kwargs):
    meetup = MeetupFactory(status=Meetup.Status.DRAFT, capacity=capacity, **kwargs)
    publishing.publish_meetup(staff, meetup)
    return Meetup.objects.get(pk=meetup.pk)


def _register(meetup, fans):
    for fan in fans:
        register_for_meetup(fan, meetup)


@pytest.mark.django_db(transaction=True)
def test_cancel_tells_confirmed_and_waiting_fans_in_their_language_and_updates_the_forum(
    celery_worker, monkeypatch, mailoutbox
):
    monkeypatch.setattr(publishing, "NOTIFY_BATCH", 2)
    staff = event_staff()
    meetup = _published(staff)
    wait_until(celery_idle)
    english = UserFactory(language="en", email="en@example.com")
    chinese = UserFactory(language="zh-hans", email="zh@example.com")
    others = make_fans(30, prefix="cx")
    _register(meetup, [english, chinese, *others])  # 30 confirmed, 2 waiting
    bystander = UserFactory()
    cancel_meetup(staff, meetup, "场地漏水 / the venue flooded")
    meetup.refresh_from_db()
    assert meetup.status == Meetup.Status.CANCELLED and meetup.sequence == 1
    group = change_group(meetup)
    wait_until(lambda: Notification.objects.filter(group=group).count() == 32)
    assert not Notification.objects.filter(group=group, recipient=bystander).exists()
    en = Notification.objects.get(group=group, recipient=english).text
    zh = Notification.objects.get(group=group, recipient=chinese).text
    assert en.startswith(f"“{meetup.title}” is cancelled. Reason: 场地漏水")
    assert zh.startswith(f"“{meetup.title}”已取消") and "场地漏水" in zh
    wait_until(lambda: {"en@example.com", "zh@example.com"} <= {m.to[0] for m in mailoutbox}, what="the mail")
    assert any("the venue flooded" in m.body for m in mailoutbox if m.to == ["en@example.com"])
    # The announcement's first post says so, and a staff reply tells the thread's readers.
    for thread_id in (meetup.announcement_thread_id, meetup.city_thread_id):
        first = Post.objects.get(thread_id=thread_id, floor=1)
        assert first.body.startswith("**已取消。** 场地漏水") and first.edited_at
        reply = Post.objects.get(thread_id=thread_id, floor=2)
        assert reply.author == staff and "场地漏水" in reply.body
    # Registering is refused, and re-running a batch tells nobody twice.
    with pytest.raises(RegistrationError, match="cancelled"):
        register_for_meetup(UserFactory(), meetup)
    from meetups.tasks import tell_change_batch

    assert tell_change_batch(meetup.pk, meetup.sequence, [english.pk, chinese.pk]) == 0


@pytest.mark.django_db(transaction=True)
def test_reschedule_moves_the_time_tells_fans_and_raises_the_calendar_sequence(celery_worker, client):
    staff = event_staff()
    meetup = _published(staff)
    fan = UserFactory(language="en")
    register_for_meetup(fan, meetup)
    new_start = (meetup.starts_at + datetime.timedelta(days=7)).replace(microsecond=0)
    reschedule_meetup(staff, meetup, new_start, None, "The hall is booked")
    meetup.refresh_from_db()
    assert meetup.starts_at == new_start and meetup.sequence == 1
    assert Registration.objects.get(meetup=meetup, fan=fan).state == Registration.State.CONFIRMED
    local = timezone.localtime(new_start).strftime("%Y-%m-%d %H:%M")
    text = wait_until(lambda: Notification.objects.filter(group=change_group(meetup), recipient=fan).first()).text
    assert text == f"“{meetup.title}” has moved to {local}. Reason: The hall is booked"
    first = Post.objects.get(thread_id=meetup.announcement_thread_id, floor=1)
    assert first.body.startswith(f"**新时间：{local}。**") and local.split()[0] in first.body
    ics = client.get(reverse("meetups:ics", args=[meetup.pk]))
    assert ics.status_code == 200
    body = ics.content.decode()
    assert "SEQUENCE:1\r\n" in body and "STATUS:CONFIRMED" in body
    assert f"DTSTART:{new_start.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}" in body
    cancel_meetup(staff, meetup, "Typhoon")
    body = client.get(reverse("meetups:ics", args=[meetup.pk])).content.decode()
    assert "SEQUENCE:2\r\n" in body and "STATUS:CANCELLED" in body
    wait_until(celery_idle)


@pytest.mark.django_db
def test_moving_earlier_pulls_registration_and_cutoff_up_to_the_new_start():
    staff = event_staff()
    meetup = MeetupFactory()
    new_start = timezone.now() + datetime.timedelta(days=2)
    reschedule_meetup(staff, meetup, new_start, None, "Earlier")
    meetup.refresh_from_db()
    assert meetup.registration_closes_at == new_start and meetup.cancel_cutoff == new_start


@pytest.mark.django_db
def test_changes_need_event_staff_a_reason_a_future_time_and_an_upcoming_meetup():
    meetup = MeetupFactory()
    with pytest.raises(PermissionDenied):
        cancel_meetup(UserFactory(), meetup, "no")
    staff = event_staff()
    with pytest.raises(RegistrationError, match="reason"):
        cancel_meetup(staff, meetup, "   ")
    with pytest.raises(RegistrationError, match="future"):
        reschedule_meetup(staff, meetup, timezone.now() - datetime.timedelta(hours=1), None, "x")
    with pytest.raises(RegistrationError, match="end after"):
        reschedule_meetup(staff, meetup, meetup.starts_at, meetup.starts_at, "x")
    draft = MeetupFactory(status=Meetup.Status.DRAFT)
    with pytest.raises(RegistrationError, match="upcoming, published"):
        cancel_meetup(staff, draft, "x")
    assert Meetup.objects.get(pk=draft.pk).sequence == 0


@pytest.mark.django_db
def test_staff_page_cancels_with_a_reason_and_fans_see_it(client, django_assert_max_num_queries):
    staff = event_staff(language="en")
    meetup = MeetupFactory()
    url = reverse("meetups:manage", args=[meetup.pk])
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    client.force_login(staff)
    with django_assert_max_num_queries(12):
        page = client.get(url)
    assert page.status_code == 200 and "Cancel the meetup" in page.content.decode()
    refused = client.post(url, {"action": "cancel", "cancel-reason": ""})
    assert refused.status_code == 200 and Meetup.objects.get(pk=meetup.pk).status == Meetup.Status.PUBLISHED
    # A second step asks first, with the reason kept (and still editable).
    asked = client.post(url, {"action": "cancel", "cancel-reason": "The venue closed"})
    assert asked.status_code == 200 and Meetup.objects.get(pk=meetup.pk).status == Meetup.Status.PUBLISHED
    asked_page = asked.content.decode()
    assert 'id="confirm-cancel-meetup"' in asked_page and "The venue closed</textarea>" in asked_page
    assert 'name="confirm" value="yes"' in asked_page
    done = client.post(url, {"action": "cancel", "cancel-reason": "The venue closed", "confirm": "yes"})
    assert done.status_code == 302 and Meetup.objects.get(pk=meetup.pk).status == Meetup.Status.CANCELLED
    # Confirmed once more (a second tab): refused with the typed reason kept on the page.
    again = client.post(url, {"action": "cancel", "cancel-reason": "水管爆了", "confirm": "yes"})
    again_page = again.content.decode()
    assert again.status_code == 200 and "Only an upcoming, published meetup" in again_page
    assert "水管爆了</textarea>" in again_page
    client.force_login(UserFactory(language="en"))
    detail = client.get(meetup.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert detail.status_code == 200
    assert "The venue closed" in detail.content.decode()
