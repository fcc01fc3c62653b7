"""The staff CSV of attendees: local times, the staff member's language, Excel's BOM, no formulas."""

import csv
import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from meetups.export import attendees_csv
from meetups.models import Meetup, Question, Registration
from meetups.registration import cancel_registration, register_for_meetup
from tests.factories import UserFactory
from tests.meetups.factories import MeetupFactory, event_staff

pytestmark = pytest.mark.django_db


def rows_of(body: str) -> list[list[str]]:
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


@pytest.fixture
def meetup():
    starts = datetime.datetime(2030, 5, 18, 14, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    return MeetupFactory(
        starts_at=starts, title='=HYPERLINK("http://evil.example")', capacity=1, capacity_override=True
    )


def export(staff, meetups) -> list[list[str]]:
    out = io.StringIO()
    attendees_csv(staff, meetups, out)
    return rows_of(out.getvalue())


def test_csv_is_in_chinese_by_default_with_local_times_and_answers(meetup):
    name = Question.objects.create(meetup=meetup, label="真实姓名", position=1)
    parking = Question.objects.create(
        meetup=meetup, label="停车", kind=Question.Kind.YES_NO, required=False, position=2
    )
    first = UserFactory(username="first_fan", display_name="-2+3")
    register_for_meetup(first, meetup, "@cmd", answers={name.pk: "张三", parking.pk: "yes"})
    register_for_meetup(UserFactory(username="second_fan"), meetup, answers={name.pk: "+李四"})
    Registration.objects.filter(fan=first).update(
        checked_in_at=datetime.datetime(2030, 5, 18, 5, 30, tzinfo=datetime.UTC)
    )

    header, confirmed, waiting = export(event_staff(language=""), Meetup.objects.filter(pk=meetup.pk))

    assert header[:4] == ["见面会", "开始时间", "顺序", "状态"] and header[-2:] == ["真实姓名", "停车"]
    assert confirmed[0] == '\'=HYPERLINK("http://evil.example")'  # a formula shown as text
    assert confirmed[1] == "2030-05-18 14:00"  # Beijing time, as the fans read it
    assert confirmed[3] == "已确认" and waiting[3] == "候补中"
    assert confirmed[5] == "'-2+3" and confirmed[7] == "'@cmd"
    assert confirmed[10] == "2030-05-18 13:30"  # checked in 05:30 UTC
    assert confirmed[-2:] == ["张三", "是"] and waiting[-2:] == ["'+李四", ""]


def test_csv_follows_the_staff_members_language(meetup):
    register_for_meetup(UserFactory(), meetup)
    header, row = export(event_staff(language="en"), Meetup.objects.filter(pk=meetup.pk))
    assert header[:4] == ["Meetup", "Starts at", "Order", "State"] and row[3] == "Confirmed"


def test_admin_action_serves_the_csv_to_event_staff_only(client, meetup, django_assert_max_num_queries):
    for _ in range(5):
        register_for_meetup(UserFactory(), meetup)
    url = reverse("admin:meetups_meetup_changelist")
    data = {"action": "export_attendees", "_selected_action": [meetup.pk]}
    client.force_login(event_staff())
    # The admin's own (session, user, permissions, changelist) and the export's meetups, questions,
    # rows and answers; test_admin_scale checks that the same holds for 5,000 registrations.
    with django_assert_max_num_queries(18):
        response = client.post(url, data)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert len(rows_of(response.content.decode("utf-8"))) == 6
    client.force_login(UserFactory(is_staff=True))
    assert client.post(url, data).status_code == 403


def test_cancelled_registrations_are_left_out(meetup):
    fan = UserFactory()
    cancel_registration(fan, register_for_meetup(fan, meetup))
    assert export(event_staff(), Meetup.objects.filter(pk=meetup.pk))[1:] == []
