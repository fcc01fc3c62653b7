"""The door's JSON side: a scan checks in at once, undo is logged with who undid it, the live figures,
the offline list (hashed codes, never the codes) and the sync of scans made offline (idempotent; two
phones that let the same ticket in end as one check-in and one logged conflict)."""

import datetime
import json
import uuid

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.roles import EVENT_STAFF, MODERATORS, SERVICE_DESK
from meetups.checkin import check_in, code_hash, door_salt, offline_list, sync_scans, undo_check_in
from meetups.locking import RegistrationError
from meetups.models import DoorEntry, Meetup, Registration
from meetups.queries import door_stats
from meetups.registration import register_for_meetup
from meetups.tickets import ticket_token
from tests.factories import UserFactory
from tests.helpers import race
from tests.meetups.factories import MeetupFactory, event_staff

pytestmark = pytest.mark.django_db
Action = DoorEntry.Action


def door_meetup(**kwargs):
    kwargs.setdefault("starts_at", timezone.now() + datetime.timedelta(hours=1))
    return MeetupFactory(registration_closes_at=None, cancel_cutoff=None, **kwargs)


@pytest.fixture
def staff():
    user = UserFactory(language="en", display_name="门口甲")
    user.groups.add(Group.objects.get(name=EVENT_STAFF))
    return user


def _post(client, name, meetup, body):
    url = reverse(f"meetups:{name}", args=[meetup.pk])
    return client.post(url, json.dumps(body), content_type="application/json")


def _scan(registration, at=None, scan_id=None):
    return {
        "id": str(scan_id or uuid.uuid4()),
        "registration": registration.pk,
        "at": (at or timezone.now()).isoformat(),
    }


def test_a_scan_checks_in_at_once_and_says_the_name_then_refuses_the_second(client, staff):
    meetup = door_meetup()
    registration = register_for_meetup(UserFactory(display_name="小蓝"), meetup)
    client.force_login(staff)
    answer = _post(client, "door_scan", meetup, {"code": ticket_token(registration)}).json()
    assert answer["result"] == "checked_in" and answer["name"] == "小蓝"
    assert answer["stats"]["checked_in"] == 1 and answer["stats"]["expected"] == 1
    again = _post(client, "door_scan", meetup, {"code": ticket_token(registration)}).json()
    assert again["result"] == "refused" and "Already used" in again["message"] and again["name"] == "小蓝"
    forged = _post(client, "door_scan", meetup, {"code": "nonsense:xx"}).json()
    assert forged["result"] == "refused" and "not a valid" in forged["message"]
    entry = DoorEntry.objects.get()
    assert (entry.action, entry.by, entry.offline) == (Action.CHECK_IN, staff, False)


def test_undo_is_logged_with_who_undid_it_and_the_fan_can_come_in_again(client, staff):
    meetup = door_meetup()
    registration = register_for_meetup(UserFactory(display_name="小绿"), meetup)
    check_in(staff, meetup, registration.ticket_code)
    other = UserFactory(language="en")
    other.groups.add(Group.objects.get(name=EVENT_STAFF))
    client.force_login(other)
    answer = _post(client, "door_undo", meetup, {"registration": registration.pk}).json()
    assert answer["result"] == "undone" and answer["stats"]["checked_in"] == 0
    registration.refresh_from_db()
    assert registration.checked_in_at is None and registration.state == Registration.State.CONFIRMED
    undo = DoorEntry.objects.filter(action=Action.UNDO).get()
    assert undo.by == other and undo.registration == registration
    again = _post(client, "door_undo", meetup, {"registration": registration.pk}).json()
    assert again["result"] == "refused" and "not checked in" in again["message"]
    assert check_in(staff, meetup, registration.ticket_code).checked_in_at


def test_undo_from_the_door_page_without_javascript(client, staff):
    meetup = door_meetup()
    registration = register_for_meetup(UserFactory(display_name="小紫"), meetup)
    check_in(staff, meetup, registration.ticket_code)
    client.force_login(staff)
    page = client.get(reverse("meetups:check_in", args=[meetup.pk])).content.decode()
    assert 'name="undo"' in page and "小紫" in page
    response = client.post(reverse("meetups:check_in", args=[meetup.pk]), {"undo": registration.pk})
    assert "Check-in of 小紫 undone." in response.content.decode()
    assert not Registration.objects.get(pk=registration.pk).checked_in_at


def test_undo_is_refused_once_the_door_is_shut(staff):
    meetup = door_meetup()
    registration = register_for_meetup(UserFactory(), meetup)
    check_in(staff, meetup, registration.ticket_code)
    Meetup.objects.filter(pk=meetup.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=8), ends_at=timezone.now() - datetime.timedelta(hours=6)
    )
    meetup.refresh_from_db()
    with pytest.raises(RegistrationError, match="closed"):
        undo_check_in(staff, meetup, registration.pk)


def test_live_figures_count_no_shows_only_once_the_meetup_started(staff):
    meetup = door_meetup(capacity=3, capacity_override=True)
    fans = [register_for_meetup(UserFactory(), meetup) for _ in range(4)]  # three seats, one waiting
    check_in(staff, meetup, fans[0].ticket_code)
    before = door_stats(meetup)
    assert (before["checked_in"], before["expected"], before["no_shows"], before["to_come"]) == (1, 3, 0, 2)
    assert before["waiting"] == 1
    later = door_stats(meetup, now=meetup.starts_at + datetime.timedelta(minutes=30))
    assert (later["checked_in"], later["expected"], later["no_shows"], later["to_come"]) == (1, 3, 2, 0)


def test_the_offline_list_holds_hashes_of_codes_for_fans_with_a_seat_only(staff):
    meetup = door_meetup(capacity=1, capacity_override=True)
    seated = register_for_meetup(UserFactory(display_name="有座"), meetup)
    waiting = register_for_meetup(UserFactory(), meetup)
    data = offline_list(staff, meetup)
    assert [t["r"] for t in data["tickets"]] == [seated.pk]
    assert data["tickets"][0]["h"] == code_hash(data["salt"], seated.ticket_code)
    assert data["tickets"][0]["n"] == "有座" and data["tickets"][0]["in"] is False
    text = json.dumps(data)
    assert seated.ticket_code not in text and waiting.ticket_code not in text
    # Another meetup's list is salted differently: a hash does not carry over.
    assert door_salt(door_meetup()) != data["salt"]


def test_a_sync_sent_twice_counts_once(staff):
    meetup = door_meetup()
    registration = register_for_meetup(UserFactory(), meetup)
    scan = _scan(registration, at=timezone.now() - datetime.timedelta(minutes=5))
    first = sync_scans(staff, meetup, [scan])
    second = sync_scans(staff, meetup, [scan])
    assert [r["result"] for r in first + second] == ["checked_in", "recorded"]
    registration.refresh_from_db()
    # The phone's time of the scan is kept as the check-in time.
    assert abs((registration.checked_in_at - datetime.datetime.fromisoformat(scan["at"])).total_seconds()) < 1
    entry = DoorEntry.objects.get()
    assert entry.offline and entry.by == staff and str(entry.scan_id) == scan["id"]


def test_two_phones_that_let_the_same_ticket_in_offline_end_as_one_check_in_and_one_conflict(staff):
    meetup = door_meetup()
    registration = register_for_meetup(UserFactory(display_name="双扫"), meetup)
    phone_b = UserFactory(language="en")
    phone_b.groups.add(Group.objects.get(name=EVENT_STAFF))
    a = sync_scans(staff, meetup, [_scan(registration, at=timezone.now() - datetime.timedelta(minutes=2))])
    b = sync_scans(phone_b, meetup, [_scan(registration, at=timezone.now() - datetime.timedelta(minutes=1))])
    assert a[0]["result"] == "checked_in"
    assert b[0]["result"] == "conflict" and b[0]["name"] == "双扫" and "Already used" in b[0]["message"]
    assert DoorEntry.objects.filter(action=Action.CHECK_IN).count() == 1
    conflict = DoorEntry.objects.get(action=Action.CONFLICT)
    assert conflict.by == phone_b and conflict.registration == registration


@pytest.mark.django_db(transaction=True)
def test_two_phones_syncing_the_same_ticket_at_once_give_one_check_in_and_one_conflict(staff):
    meetup = door_meetup()
    registration = register_for_meetup(UserFactory(), meetup)
    scans = [_scan(registration), _scan(registration)]
    same = _scan(registration)
    results = race(
        lambda: sync_scans(staff, meetup, [scans[0]]),
        lambda: sync_scans(staff, meetup, [scans[1]]),
    )
    assert sorted(r[0]["result"] for r in results) == ["checked_in", "conflict"]
    # One phone's sync sent twice at once (a retry while the first was in flight): recorded once.
    results = race(lambda: sync_scans(staff, meetup, [same]), lambda: sync_scans(staff, meetup, [same]))
    assert sorted(r[0]["result"] for r in results) in (["conflict", "recorded"], ["recorded", "recorded"])
    assert DoorEntry.objects.filter(action=Action.CHECK_IN).count() == 1
    assert DoorEntry.objects.filter(action=Action.CONFLICT).count() == 2


def test_a_sync_refuses_what_the_door_would_refuse_and_survives_junk(client, staff):
    meetup = door_meetup(capacity=1, capacity_override=True)
    register_for_meetup(UserFactory(), meetup)
    waiting = register_for_meetup(UserFactory(), meetup)
    elsewhere = register_for_meetup(UserFactory(), door_meetup())
    early = _scan(waiting, at=timezone.now() - datetime.timedelta(days=3))
    results = sync_scans(staff, meetup, [_scan(waiting), _scan(elsewhere), early])
    assert [r["result"] for r in results] == ["refused"] * 3
    assert "no confirmed seat" in results[0]["message"] and "not registered" in results[1]["message"]
    client.force_login(staff)
    junk = [
        {"id": "x", "registration": 1, "at": "now"},
        {"id": str(uuid.uuid4()), "registration": "1", "at": timezone.now().isoformat()},
        {"id": str(uuid.uuid4()), "registration": waiting.pk, "at": "2026-01-01T10:00:00"},  # no zone
        "scan",
        None,
    ]
    answer = _post(client, "door_sync", meetup, {"scans": junk})
    assert answer.status_code == 200 and [r["result"] for r in answer.json()["results"]] == ["refused"] * 5
    assert _post(client, "door_sync", meetup, {"scans": "all"}).status_code == 400
    assert _post(client, "door_sync", meetup, {"scans": [{}] * 501}).status_code == 400
    bad = client.post(reverse("meetups:door_sync", args=[meetup.pk]), "{", content_type="application/json")
    assert bad.status_code == 400
    assert not DoorEntry.objects.exists()


def test_a_cancelled_meetups_tickets_are_refused_by_the_sync(staff):
    meetup = door_meetup()
    registration = register_for_meetup(UserFactory(), meetup)
    Meetup.objects.filter(pk=meetup.pk).update(status=Meetup.Status.CANCELLED)
    meetup.refresh_from_db()
    assert sync_scans(staff, meetup, [_scan(registration)])[0]["result"] == "refused"


# Role x action: every door endpoint, for everyone who might try it.
def _member(group):
    user = UserFactory(is_staff=True, language="en")
    user.groups.add(Group.objects.get(name=group))
    return user


ROLES = ["event staff", "superuser", "organiser", "other organiser", "fan", "moderator", "desk staff"]
ENDPOINTS = ["door_list", "door_stats", "door_scan", "door_undo", "door_sync"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("who", ROLES)
def test_who_may_use_each_door_endpoint(client, endpoint, who, django_assert_max_num_queries):
    organiser, other_organiser = UserFactory(language="en"), UserFactory(language="en")
    meetup = door_meetup(kind=Meetup.Kind.FAN, approval=Meetup.Approval.APPROVED, proposed_by=organiser)
    door_meetup(kind=Meetup.Kind.FAN, approval=Meetup.Approval.APPROVED, proposed_by=other_organiser)
    registration = register_for_meetup(UserFactory(), meetup)
    people = {
        "event staff": lambda: (u := UserFactory(language="en")).groups.add(Group.objects.get(name=EVENT_STAFF)) or u,
        "superuser": lambda: UserFactory(is_staff=True, is_superuser=True, language="en"),
        "organiser": lambda: organiser,
        "other organiser": lambda: other_organiser,
        "fan": lambda: UserFactory(language="en"),
        "moderator": lambda: _member(MODERATORS),
        "desk staff": lambda: _member(SERVICE_DESK),
    }
    client.force_login(people[who]())
    allowed = who in ("event staff", "superuser", "organiser")
    bodies = {
        "door_scan": {"code": registration.ticket_code},
        "door_undo": {"registration": registration.pk},
        "door_sync": {"scans": [_scan(registration)]},
    }
    with django_assert_max_num_queries(17):  # a check-in also queues the fan's attendance credit (community)
        if endpoint in bodies:
            response = _post(client, endpoint, meetup, bodies[endpoint])
        else:
            response = client.get(reverse(f"meetups:{endpoint}", args=[meetup.pk]))
    assert response.status_code == (200 if allowed else 403), (who, endpoint)
    if endpoint == "door_list" and allowed:
        assert response["Cache-Control"] == "no-store, private"
    if not allowed:
        assert not DoorEntry.objects.exists() and not Registration.objects.get(pk=registration.pk).checked_in_at


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_anonymous_visitors_get_no_door_endpoint(client, endpoint):
    meetup = door_meetup()
    url = reverse(f"meetups:{endpoint}", args=[meetup.pk])
    response = client.post(url, "{}", content_type="application/json") if endpoint in ENDPOINTS[2:] else client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("endpoint", ENDPOINTS[2:])
def test_the_door_writes_answer_post_only(client, staff, endpoint):
    client.force_login(staff)
    assert client.get(reverse(f"meetups:{endpoint}", args=[door_meetup().pk])).status_code == 405


@pytest.mark.parametrize(
    "who,status",
    [("event staff", 200), ("superuser", 200), ("organiser", 302), ("moderator", 403), ("desk staff", 403)],
)
def test_who_reads_the_door_log_in_the_admin(client, staff, who, status):
    meetup = door_meetup()
    registration = register_for_meetup(UserFactory(display_name="日志"), meetup)
    check_in(staff, meetup, registration.ticket_code)
    entry = DoorEntry.objects.get()
    people = {
        "event staff": lambda: event_staff(language="en"),
        "superuser": lambda: UserFactory(is_staff=True, is_superuser=True, language="en"),
        "organiser": lambda: UserFactory(language="en"),
        "moderator": lambda: _member(MODERATORS),
        "desk staff": lambda: _member(SERVICE_DESK),
    }
    client.force_login(people[who]())
    assert client.get("/admin/meetups/doorentry/").status_code == status
    assert client.get(f"/admin/meetups/doorentry/{entry.pk}/change/").status_code == status
    if status == 200:
        # Read only: nobody edits or deletes the log, not even a superuser.
        assert client.post(f"/admin/meetups/doorentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
        assert DoorEntry.objects.filter(pk=entry.pk).exists()


def test_the_meetups_admin_page_shows_the_live_door_figures(client, staff, django_assert_max_num_queries):
    meetup = door_meetup()
    fans = [register_for_meetup(UserFactory(), meetup) for _ in range(3)]
    check_in(staff, meetup, fans[0].ticket_code)
    client.force_login(event_staff(language="en"))
    with django_assert_max_num_queries(30):
        page = client.get(f"/admin/meetups/meetup/{meetup.pk}/change/").content.decode()
    assert 'data-stat="checked_in">1<' in page and 'data-stat="expected">3<' in page
    assert reverse("meetups:door_stats", args=[meetup.pk]) in page and "door-stats.js" in page
