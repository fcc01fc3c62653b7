"""Large events' pages, the waiting room in front of the sign-up, and who may do what."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client, override_settings
from django.utils import timezone

from accounts.roles import EVENT_STAFF
from meetups import allocation, waiting_room
from meetups.launch_models import Launch, Signup
from tests.factories import UserFactory
from tests.meetups.factories import event_staff, make_fans
from tests.meetups.launch_factories import make_launch


def signed_in(user) -> Client:
    """A signed-in client reading pages in English (the site speaks Chinese unless asked)."""
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def test_fan_signs_up_sees_the_number_in_line_then_the_outcome(db, django_assert_max_num_queries):
    launch = make_launch(capacity=1)
    first, second = make_fans(2)
    page = signed_in(first).get(f"/meetups/launches/{launch.pk}/")
    assert 'id="sign-up-button"' in page.content.decode()
    client = signed_in(first)
    response = client.post(f"/meetups/launches/{launch.pk}/sign-up/")
    assert response.status_code == 302 and response["X-Line-Number"] == "1"
    signed_in(second).post(f"/meetups/launches/{launch.pk}/sign-up/")
    with django_assert_max_num_queries(8):
        html = client.get(f"/meetups/launches/{launch.pk}/").content.decode()
    assert "You are in: number 1 in line." in html
    assert '<meta http-equiv="refresh" content="3">' in html  # the outcome follows without JavaScript
    allocation.allocate_batch(launch.pk)
    html = client.get(f"/meetups/launches/{launch.pk}/").content.decode()
    assert "You have a place!" in html and 'http-equiv="refresh"' not in html
    assert "before your turn came" in signed_in(second).get(f"/meetups/launches/{launch.pk}/").content.decode()


def test_double_submit_over_http_is_one_sign_up_with_one_number(db):
    launch = make_launch()
    (fan,) = make_fans(1)
    client = signed_in(fan)
    numbers = {client.post(f"/meetups/launches/{launch.pk}/sign-up/")["X-Line-Number"] for _ in range(3)}
    assert numbers == {"1"}
    assert Signup.objects.filter(launch=launch).count() == 1


def test_large_numbers_are_shown_with_separators(db):
    launch = make_launch()
    (fan,) = make_fans(1)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval('{launch.line_sequence}', 812343)")
    client = signed_in(fan)
    client.post(f"/meetups/launches/{launch.pk}/sign-up/")
    assert "number 812,344 in line" in client.get(f"/meetups/launches/{launch.pk}/").content.decode()


def test_draw_page_says_entered_and_shows_the_commitment(db):
    launch = make_launch(mode=Launch.Mode.DRAW)
    (fan,) = make_fans(1)
    client = signed_in(fan)
    client.post(f"/meetups/launches/{launch.pk}/sign-up/")
    html = client.get(f"/meetups/launches/{launch.pk}/").content.decode()
    assert "You are entered into the draw (entry number 1)." in html
    assert launch.draw_commitment in html and launch.draw_seed not in html


# --- the waiting room ---------------------------------------------------------------------------------


@override_settings(LAUNCH_ADMIT_PER_SECOND=10, LAUNCH_ADMIT_BURST=2)
def test_gate_serves_tickets_in_arrival_order_at_its_rate(db):
    now = 1_000_000_000_000
    assert waiting_room.gate(99, 0, now) == (True, 1, 2)  # a quiet queue lets a burst of 2 through at once
    assert waiting_room.gate(99, 0, now) == (True, 2, 2)
    assert waiting_room.gate(99, 0, now) == (False, 3, 2)
    assert waiting_room.gate(99, 0, now) == (False, 4, 2)
    assert waiting_room.gate(99, 4, now + 100) == (False, 4, 3)  # 10/s: one more ticket each 100 ms
    assert waiting_room.gate(99, 0, now + 100) == (False, 5, 3)  # a newcomer queues behind
    assert waiting_room.gate(99, 3, now + 100)[0] is True  # ticket 3 is served, newcomers are not
    assert waiting_room.gate(99, 4, now + 200)[0] is True
    assert waiting_room.gate(99, 5, now + 200)[0] is False
    assert waiting_room.gate(99, 0, now + 60_000) == (True, 6, 8)  # quiet: a burst again, not a minute of rate


@override_settings(LAUNCH_ADMIT_PER_SECOND=1, LAUNCH_ADMIT_BURST=0)
def test_waiting_room_costs_no_database_query_and_keeps_the_place(db, django_assert_num_queries):
    launch = make_launch()
    (fan,) = make_fans(1)
    client = signed_in(fan)
    client.get(f"/meetups/launches/{launch.pk}/")  # the CSRF cookie
    token = client.cookies["csrftoken"].value
    with django_assert_num_queries(0):
        response = client.post(f"/meetups/launches/{launch.pk}/sign-up/", {"csrfmiddlewaretoken": token})
    html = response.content.decode()
    assert response.status_code == 200 and "X-Waiting-Room" in response
    assert 'id="waiting-form"' in html and "js/waiting_room.js" in html and "<script>" not in html
    assert f'action="/meetups/launches/{launch.pk}/sign-up/"' in html
    assert f'value="{token}"' in html  # the retry passes the CSRF check once admitted
    ticket = re.search(r'name="ticket" value="([^"]+)"', html).group(1)
    assert waiting_room.signing.loads(ticket, salt=waiting_room.TICKET_SALT)["t"] == 1
    with django_assert_num_queries(0):
        again = client.post(f"/meetups/launches/{launch.pk}/sign-up/", {"csrfmiddlewaretoken": token, "ticket": ticket})
    assert re.search(r'name="ticket" value="([^"]+)"', again.content.decode())  # still ticket 1
    held = waiting_room.signing.loads(
        re.search(r'name="ticket" value="([^"]+)"', again.content.decode()).group(1), salt=waiting_room.TICKET_SALT
    )
    assert held["t"] == 1
    assert not Signup.objects.exists()


@override_settings(LAUNCH_ADMIT_PER_SECOND=1, LAUNCH_ADMIT_BURST=0)
def test_a_ticket_of_another_session_or_launch_counts_as_a_new_arrival(db):
    launch = make_launch()
    first, second = make_fans(2)
    a = signed_in(first).post(f"/meetups/launches/{launch.pk}/sign-up/")
    ticket = re.search(r'name="ticket" value="([^"]+)"', a.content.decode()).group(1)
    b = signed_in(second).post(f"/meetups/launches/{launch.pk}/sign-up/", {"ticket": ticket})
    stolen = re.search(r'name="ticket" value="([^"]+)"', b.content.decode()).group(1)
    assert waiting_room.signing.loads(stolen, salt=waiting_room.TICKET_SALT)["t"] == 2


# --- who may do what ----------------------------------------------------------------------------------


def _superuser():
    return UserFactory(is_staff=True, is_superuser=True)


def _fan():
    return UserFactory()


def _desk_staff():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="Service desk"))
    return user


ROLES = {"anonymous": None, "fan": _fan, "event staff": event_staff, "desk staff": _desk_staff, "superuser": _superuser}
# role -> (sees a draft launch, creates a launch in the admin, sees the sign-ups list, may change a sign-up)
EXPECTED = {
    "anonymous": (False, False, False, False),
    "fan": (False, False, False, False),
    "event staff": (True, True, True, False),
    "desk staff": (False, False, False, False),
    "superuser": (True, True, True, False),
}


@pytest.mark.parametrize("role", list(ROLES))
def test_roles_on_large_events(db, role):
    assert Group.objects.filter(name=EVENT_STAFF).exists()
    draft = make_launch(published=False)
    (fan,) = make_fans(1)
    Signup.objects.create(launch=draft, fan=fan, number=1)
    make = ROLES[role]
    client = signed_in(make()) if make else Client()
    sees = client.get(f"/meetups/launches/{draft.pk}/").status_code == 200
    add = client.get("/admin/meetups/launch/add/").status_code == 200
    signups = client.get("/admin/meetups/signup/").status_code == 200
    signup = Signup.objects.get()
    change = client.post(f"/admin/meetups/signup/{signup.pk}/change/", {"state": "won"}).status_code == 302
    signup.refresh_from_db()
    change = change and signup.state == "won"
    assert (sees, add, signups, change) == EXPECTED[role]


def test_staff_create_a_launch_in_the_admin_with_its_line_and_seed(db):
    staff = event_staff()
    client = signed_in(staff)
    opens = timezone.localtime() + datetime.timedelta(minutes=5)
    response = client.post(
        "/admin/meetups/launch/add/",
        {
            "title": "Festival",
            "description": "",
            "capacity": "50000",
            "mode": "draw",
            "opens_at_0": opens.strftime("%Y-%m-%d"),
            "opens_at_1": opens.strftime("%H:%M:%S"),
            "closes_at_0": opens.strftime("%Y-%m-%d"),
            "closes_at_1": (opens + datetime.timedelta(minutes=5)).strftime("%H:%M:%S"),
            "min_account_days": "30",
            "require_active": "on",
            "published": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    launch = Launch.objects.get(title="Festival")
    assert launch.draw_commitment and len(launch.draw_seed) == 64
    assert allocation.last_number(launch) == 0  # its sequence exists
    page = client.get(f"/admin/meetups/launch/{launch.pk}/change/").content.decode()
    assert "0 sign-ups" in page
