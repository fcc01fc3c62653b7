"""A verifiable draw (commitment at opening, everything published after), and rejected applicants told."""

import copy
import datetime
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import DailyActivity, Notification
from meetups import publishing
from meetups.draw import run_draw
from meetups.locking import RegistrationError
from meetups.models import Meetup, Registration
from meetups.registration import register_for_meetup
from meetups.selection import reject_applicants
from tests.factories import UserFactory
from tests.meetups.factories import MeetupFactory, event_staff, make_fans

pytestmark = pytest.mark.django_db
State = Registration.State
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "verify_draw.py"


def _drawn(staff, capacity=4, applicants=12):
    meetup = MeetupFactory(status=Meetup.Status.DRAFT, mode=Meetup.Mode.DRAW, capacity=capacity, capacity_override=True)
    publishing.publish_meetup(staff, meetup)
    meetup.refresh_from_db()
    fans = make_fans(applicants, prefix=f"v{meetup.pk}-")
    DailyActivity.objects.bulk_create(
        [DailyActivity(user=fan, day=timezone.localdate() - datetime.timedelta(days=2)) for fan in fans[::3]]
    )  # two weights: registering counts today for everyone, these have one day more
    for fan in fans:
        register_for_meetup(fan, meetup)
    Meetup.objects.filter(pk=meetup.pk).update(registration_closes_at=timezone.now())
    return meetup, fans


def _verify(record: dict, tmp_path) -> subprocess.CompletedProcess:
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(record, ensure_ascii=False))
    return subprocess.run([sys.executable, str(SCRIPT), str(path)], capture_output=True, text=True, timeout=60)


def test_publishing_commits_to_a_hidden_seed_shown_on_the_page(client, django_assert_max_num_queries):
    staff = event_staff()
    meetup = MeetupFactory(status=Meetup.Status.DRAFT, mode=Meetup.Mode.DRAW)
    publishing.publish_meetup(staff, meetup)
    meetup.refresh_from_db()
    assert len(meetup.draw_seed) == 64
    assert meetup.draw_commitment == hashlib.sha256(meetup.draw_seed.encode()).hexdigest()
    with django_assert_max_num_queries(8):
        page = client.get(meetup.get_absolute_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert meetup.draw_commitment in body and meetup.draw_seed not in body
    assert client.get(reverse("meetups:draw_json", args=[meetup.pk])).status_code == 404
    # Staff cannot read or set the seed in the admin.
    client.force_login(staff)
    admin_page = client.get(reverse("admin:meetups_meetup_change", args=[meetup.pk]))
    assert admin_page.status_code == 200
    assert meetup.draw_seed not in admin_page.content.decode()
    assert "draw_seed" not in admin_page.context["adminform"].form.fields


def test_the_draw_uses_the_committed_seed_and_refuses_another():
    staff = event_staff()
    meetup, _ = _drawn(staff)
    with pytest.raises(RegistrationError, match="committed"):
        run_draw(staff, meetup, seed="chosen-by-staff")
    result = run_draw(staff, meetup)
    meetup.refresh_from_db()
    assert result.seed == meetup.draw_seed and meetup.draw_record["seed"] == meetup.draw_seed


def test_the_script_on_the_served_json_agrees_and_a_changed_weight_breaks_it(client, tmp_path):
    staff = event_staff()
    meetup, fans = _drawn(staff, capacity=4, applicants=12)
    run_draw(staff, meetup)
    response = client.get(reverse("meetups:draw_json", args=[meetup.pk]))
    assert response.status_code == 200
    record = response.json()
    assert record["seats"] == 4 and len(record["applicants"]) == 12
    assert len({a["weight"] for a in record["applicants"]}) == 2
    # The served result is what is stored: the seats went to the first four drawn.
    by_application = dict(Registration.objects.filter(meetup=meetup).values_list("applied_order", "state"))
    assert [by_application[a] for a in record["result"]] == [State.CONFIRMED] * 4 + [State.WAITING] * 8
    done = _verify(record, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK: commitment" in done.stdout
    # Any change to a weight (here: the last seat holder made lighter) is caught.
    tampered = copy.deepcopy(record)
    loser = record["result"][-1]
    for applicant in tampered["applicants"]:
        if applicant["application"] == loser:
            applicant["weight"] = 1000.0
    failed = _verify(tampered, tmp_path)
    assert failed.returncode == 1 and "differs from the published result" in failed.stdout
    # So is a seed other than the committed one.
    other_seed = copy.deepcopy(record) | {"seed": "0" * 64}
    assert "not the published commitment" in _verify(other_seed, tmp_path).stdout


def test_the_public_draw_page_lists_every_applicant_and_marks_the_viewer(client, django_assert_max_num_queries):
    staff = event_staff()
    meetup, fans = _drawn(staff, capacity=2, applicants=5)
    run_draw(staff, meetup)
    client.force_login(fans[0])
    with django_assert_max_num_queries(9):
        page = client.get(reverse("meetups:draw", args=[meetup.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    body = page.content.decode()
    meetup.refresh_from_db()
    assert meetup.draw_seed in body and meetup.draw_commitment in body
    assert body.count("<tr") == 1 + 5 and body.count('class="mine"') == 1
    assert fans[1].username not in body  # pseudonyms, not names


def test_rejected_applicants_are_told_and_their_page_offers_no_button(client):
    staff = event_staff()
    meetup = MeetupFactory(mode=Meetup.Mode.STAFF)
    fan = UserFactory(language="en")
    registration = register_for_meetup(fan, meetup)
    assert reject_applicants(staff, meetup, [registration.pk]) == 1
    note = Notification.objects.get(recipient=fan, group=f"meetup:{meetup.pk}")
    assert note.text == f"You were not selected for “{meetup.title}” this time."
    client.force_login(fan)
    page = client.get(meetup.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="not-selected"' in body and 'id="register-button"' not in body
    assert "Registration is not open right now" not in body


def test_a_fan_who_was_never_registered_still_gets_the_button(client):
    meetup = MeetupFactory()
    client.force_login(make_fans(1, prefix="nb")[0])
    page = client.get(meetup.get_absolute_url())
    assert page.status_code == 200 and 'id="register-button"' in page.content.decode()
