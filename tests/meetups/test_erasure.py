"""Deleting an account erases what the meetups store about the fan (settings.PERSONAL_DATA_ERASERS)."""

import datetime

import pytest
from django.utils import timezone

from accounts.deletion import delete_account
from accounts.export import export_personal_data
from meetups.models import Meetup, Registration
from meetups.proposals import propose_meetup
from meetups.registration import register_for_meetup
from tests.meetups.factories import MeetupFactory, make_fans

pytestmark = pytest.mark.django_db
State = Registration.State


def test_deletion_erases_every_answer_and_gives_the_seat_to_the_first_waiting_fan():
    leaving, waiting, staying = make_fans(3, prefix="erase")
    upcoming = MeetupFactory(capacity=1, capacity_override=True)
    past = MeetupFactory(status=Meetup.Status.FINISHED, starts_at=timezone.now() - datetime.timedelta(days=30))
    seat = register_for_meetup(leaving, upcoming, "我的电话是 138…")
    register_for_meetup(waiting, upcoming)
    went = Registration.objects.create(meetup=past, fan=leaving, state=State.CONFIRMED, order=1, answer="旧答案")
    other = Registration.objects.create(meetup=past, fan=staying, state=State.CONFIRMED, order=2, answer="留下")

    delete_account(leaving)

    assert list(Registration.objects.filter(fan=leaving).values_list("answer", flat=True)) == ["", ""]
    assert Registration.objects.get(pk=seat.pk).state == State.CANCELLED
    assert Registration.objects.get(meetup=upcoming, fan=waiting).state == State.CONFIRMED
    assert Registration.objects.get(pk=went.pk).state == State.CONFIRMED  # attendance stays, anonymous
    assert Registration.objects.get(pk=other.pk).answer == "留下"
    exported = export_personal_data(leaving)["meetups"]["registrations"]
    assert [r["answer"] for r in exported] == ["", ""]
    assert export_personal_data(staying)["meetups"]["registrations"][0]["answer"] == "留下"


def test_deletion_removes_proposals_that_never_went_public_and_keeps_approved_meetups():
    (leaving,) = make_fans(1, prefix="proposer")
    pending = propose_meetup(
        leaving,
        title="我的聚会",
        starts_at=timezone.now() + datetime.timedelta(days=20),
        venue="我家楼下",
        address="某路 1 号",
    )
    approved = MeetupFactory(kind=Meetup.Kind.FAN, approval=Meetup.Approval.APPROVED, proposed_by=leaving)

    delete_account(leaving)

    assert not Meetup.objects.filter(pk=pending.pk).exists()
    assert Meetup.objects.filter(pk=approved.pk).exists()
    assert [p["meetup"] for p in export_personal_data(leaving)["meetups"]["proposals"]] == [approved.pk]
