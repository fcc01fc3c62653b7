"""The admin stays fast for a meetup with 5,000 registrations: no inline rows, a paged list of its own."""

import pytest
from django.urls import reverse
from django.utils import timezone

from meetups.models import Answer, Question, Registration, new_ticket_code
from tests.meetups.factories import MeetupFactory, event_staff, make_fans

pytestmark = pytest.mark.django_db
REGISTRATIONS = 5000


@pytest.fixture
def big_meetup():
    meetup = MeetupFactory(capacity=40)
    phone = Question.objects.create(meetup=meetup, label="手机号", kind=Question.Kind.PHONE, position=1)
    fans = make_fans(REGISTRATIONS, prefix="big")
    now = timezone.now()
    registrations = Registration.objects.bulk_create(
        [
            Registration(
                meetup=meetup,
                fan=fan,
                order=i + 1,
                state=Registration.State.CONFIRMED if i < 40 else Registration.State.WAITING,
                ticket_code=new_ticket_code(),
                created_at=now,
            )
            for i, fan in enumerate(fans)
        ],
        batch_size=1000,
    )
    Answer.objects.bulk_create(
        [
            Answer(registration=r, question=phone, value=f"1380000{i:04d}", digits=f"1380000{i:04d}")
            for i, r in enumerate(registrations)
        ],
        batch_size=1000,
    )
    return meetup


def test_the_change_page_of_a_meetup_with_5000_registrations(client, big_meetup, django_assert_max_num_queries):
    client.force_login(event_staff(language="en"))
    client.get("/")
    # Session, user, permissions, the meetup, its questions, the counts per state: none grows with the fans.
    with django_assert_max_num_queries(14):
        response = client.get(reverse("admin:meetups_meetup_change", args=[big_meetup.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "5000 registrations" in html and "Confirmed: 40" in html and "On the waiting list: 4960" in html
    assert "big4999" not in html  # no registration rows on the meetup's page


def test_the_registrations_list_of_that_meetup_is_paged(client, big_meetup, django_assert_max_num_queries):
    client.force_login(event_staff(language="en"))
    client.get("/")
    url = reverse("admin:meetups_registration_changelist") + f"?meetup__id__exact={big_meetup.pk}"
    with django_assert_max_num_queries(16):
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "big0" in html and "big99" in html and "big100" not in html  # the first page: 100 rows in order
    with django_assert_max_num_queries(16):
        found = client.get(url + "&q=big4321")
    assert found.status_code == 200 and "big4321" in found.content.decode()


def test_the_csv_of_5000_registrations_takes_the_same_queries(client, big_meetup, django_assert_max_num_queries):
    client.force_login(event_staff(language="en"))
    data = {"action": "export_attendees", "_selected_action": [big_meetup.pk]}
    with django_assert_max_num_queries(18):
        response = client.post(reverse("admin:meetups_meetup_changelist"), data)
    assert response.status_code == 200
    lines = response.content.decode("utf-8").splitlines()
    assert len(lines) == REGISTRATIONS + 1 and lines[0].endswith(",手机号") and lines[-1].endswith(",13800004999")
