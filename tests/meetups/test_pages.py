import datetime

import pytest
from django.contrib.auth.models import Group
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from accounts.models import City
from accounts.roles import EVENT_STAFF
from meetups.models import Meetup, Registration
from meetups.ranking import snapshot_cities
from meetups.registration import register_for_meetup
from meetups.tickets import SALT, ticket_token
from tests.factories import UserFactory
from tests.meetups.factories import MeetupFactory, make_fans

pytestmark = pytest.mark.django_db
State = Registration.State


def event_staff():
    user = UserFactory()
    user.groups.add(Group.objects.get(name=EVENT_STAFF))
    return user


def test_index_lists_home_city_first(client, django_assert_max_num_queries):
    soon = timezone.now() + datetime.timedelta(days=3)
    beijing = MeetupFactory(city=City.objects.get(slug="beijing"), starts_at=soon)
    shenzhen = MeetupFactory(starts_at=timezone.now() + datetime.timedelta(days=9))
    MeetupFactory(status=Meetup.Status.DRAFT, title="secret draft")
    client.force_login(UserFactory())
    client.get("/")  # the day's first visit records activity once; measure the pages after it
    with django_assert_max_num_queries(7):
        response = client.get(reverse("meetups:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(shenzhen.title) < html.index(beijing.title)
    assert "secret draft" not in html


def test_detail_shows_seats_and_waiting_position(client, django_assert_max_num_queries):
    meetup = MeetupFactory(capacity=1, capacity_override=True, question="你想问工程师什么？")
    register_for_meetup(UserFactory(), meetup)
    fan = UserFactory(language="en")
    register_for_meetup(fan, meetup)
    client.force_login(fan)
    client.get("/")
    # The session, the fan, their groups (event staff see more), the meetup, the seats, their registration...
    with django_assert_max_num_queries(9):
        response = client.get(meetup.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "0 of 1 seats left" in html and "number 1 on the waiting list" in html


def test_anonymous_sees_the_meetup_and_a_login_button(client, django_assert_max_num_queries):
    meetup = MeetupFactory()
    with django_assert_max_num_queries(4):
        response = client.get(meetup.get_absolute_url())
    assert response.status_code == 200 and reverse("account_login") in response.content.decode()


def test_drafts_are_hidden_from_fans(client):
    meetup = MeetupFactory(status=Meetup.Status.DRAFT)
    client.force_login(UserFactory())
    assert client.get(meetup.get_absolute_url()).status_code == 404
    client.force_login(event_staff())
    assert client.get(meetup.get_absolute_url()).status_code == 200


def test_register_by_post_then_twice_gives_a_clear_message(client):
    meetup = MeetupFactory(question="?")
    fan = UserFactory(language="en")
    client.force_login(fan)
    url = reverse("meetups:register", args=[meetup.pk])
    response = client.post(url, {"answer": "你好"}, follow=True)
    assert "You are confirmed" in response.content.decode()
    response = client.post(url, {"answer": "again"}, follow=True)
    assert response.status_code == 200 and "already registered" in response.content.decode()
    assert Registration.objects.get().answer == "你好"


def test_errors_speak_the_fans_language(client):
    meetup = MeetupFactory(registration_opens_at=timezone.now() + datetime.timedelta(days=1))
    client.force_login(UserFactory(language="zh-hans"))
    response = client.post(reverse("meetups:register", args=[meetup.pk]), follow=True)
    assert response.status_code == 200 and "报名尚未开始。" in response.content.decode()
    assert not Registration.objects.exists()


def test_cancelling_someone_elses_registration_by_post_changes_nothing(client):
    registration = register_for_meetup(UserFactory(), MeetupFactory())
    client.force_login(UserFactory(language="en"))
    for data in ({}, {"confirm": "yes"}):
        response = client.post(reverse("meetups:cancel", args=[registration.pk]), data, follow=True)
        assert response.status_code == 200 and "not yours" in response.content.decode()
    assert client.get(reverse("meetups:cancel", args=[registration.pk])).status_code == 404
    assert Registration.objects.get().state == State.CONFIRMED


def test_ticket_page_has_a_qr_code_with_a_signed_token(client, django_assert_max_num_queries):
    fan = UserFactory()
    meetup = MeetupFactory()
    registration = register_for_meetup(fan, meetup)
    client.force_login(fan)
    client.get("/")
    with django_assert_max_num_queries(6):
        response = client.get(reverse("meetups:ticket", args=[meetup.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and registration.ticket_code in html
    data = signing.loads(ticket_token(registration), salt=SALT)
    assert data == {"r": registration.pk, "c": registration.ticket_code}


def test_no_ticket_without_a_seat(client):
    meetup = MeetupFactory()
    client.force_login(UserFactory())
    response = client.get(reverse("meetups:ticket", args=[meetup.pk]))
    assert response.status_code == 302


def test_calendar_file(client):
    meetup = MeetupFactory(title="深圳见面会")
    response = client.get(reverse("meetups:ics", args=[meetup.pk]))
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in body and "SUMMARY:深圳见面会" in body
    assert "DTSTART:" + meetup.starts_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ") in body


def test_cities_page_has_ranking_chart_and_trends(client, django_assert_max_num_queries):
    fans = make_fans(3, prefix="c", city_slug="chengdu")
    for fan in fans:
        fan.last_active_on = timezone.localdate()
        fan.save(update_fields=["last_active_on"])
    for days_ago in (60, 30, 0):
        snapshot_cities(timezone.localdate() - datetime.timedelta(days=days_ago))
    MeetupFactory(
        city=City.objects.get(slug="chengdu"),
        status=Meetup.Status.FINISHED,
        title="上次成都",
        starts_at=timezone.now() - datetime.timedelta(days=20),
    )
    with django_assert_max_num_queries(6):
        response = client.get(reverse("meetups:cities"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<polyline") >= 1 and "<rect" in html and "上次成都" in html


def test_propose_page_creates_a_pending_proposal(client):
    fan = UserFactory()
    client.force_login(fan)
    starts = (timezone.localtime() + datetime.timedelta(days=15)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("meetups:propose"),
        {"title": "深圳湾散步", "starts_at": starts, "venue": "深圳湾公园", "address": "南山区", "capacity": 30},
    )
    meetup = Meetup.objects.get()
    assert response.status_code == 302 and meetup.proposed_by == fan and meetup.approval == "pending"
    assert client.get(meetup.get_absolute_url()).status_code == 200  # the proposer sees their draft
