import pytest
from django.contrib.auth.models import Group

from accounts.roles import EVENT_STAFF
from forum.boards import announcements_board
from forum.writing.posting import start_thread
from tests.factories import UserFactory
from tests.meetups.factories import MeetupFactory


@pytest.mark.django_db
def test_home_shows_announcements_upcoming_meetups_and_the_fans_club(client, django_assert_max_num_queries):
    staff = UserFactory(is_staff=True)
    staff.groups.add(Group.objects.get(name=EVENT_STAFF))  # who may announce (forum.permissions)
    start_thread(staff, announcements_board(), "新版本公告", "内容")
    MeetupFactory(title="深圳粉丝见面会")
    fan = UserFactory()
    client.force_login(fan)
    client.get("/")  # the first visit of the day records activity

    with django_assert_max_num_queries(8):
        response = client.get("/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "新版本公告" in html
    assert "深圳粉丝见面会" in html
    assert "深圳" in html and "/forum/b/" in html
