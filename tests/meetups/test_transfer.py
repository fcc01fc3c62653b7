"""Giving a place to a friend: only where staff allow it; the friend answers the questions; the old
ticket stops working and the new one works; every offer is logged; and who may do what."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from accounts.roles import EVENT_STAFF
from meetups.checkin import check_in
from meetups.locking import RegistrationError
from meetups.models import Answer, Question, Registration, TicketTransfer
from meetups.registration import AnswersInvalid, cancel_registration, register_for_meetup
from meetups.tickets import ticket_token
from meetups.transfers import accept_transfer, offer_transfer, withdraw_transfer
from outbox.models import Message
from tests.factories import UserFactory
from tests.helpers import race
from tests.meetups.factories import MeetupFactory

pytestmark = pytest.mark.django_db
Offer = TicketTransfer.State


@pytest.fixture
def staff():
    user = UserFactory(language="en")
    user.groups.add(Group.objects.get(name=EVENT_STAFF))
    return user


def _meetup(**kwargs):
    kwargs.setdefault("starts_at", timezone.now() + datetime.timedelta(hours=1))
    return MeetupFactory(allow_transfer=True, registration_closes_at=None, cancel_cutoff=None, **kwargs)


@pytest.fixture
def seat():
    meetup = _meetup()
    phone = Question.objects.create(meetup=meetup, label="手机号", kind=Question.Kind.PHONE, position=1)
    giver = UserFactory(display_name="送票人", language="en")
    registration = register_for_meetup(giver, meetup, answers={phone.pk: "138 0013 8000"})
    friend = UserFactory(display_name="朋友", username="friend1", language="en")
    return {"meetup": meetup, "phone": phone, "giver": giver, "registration": registration, "friend": friend}


def test_the_friend_answers_the_questions_and_the_old_ticket_stops_working(client, seat, staff):
    old_token, old_code = ticket_token(seat["registration"]), seat["registration"].ticket_code
    client.force_login(seat["giver"])
    ticket = reverse("meetups:ticket", args=[seat["meetup"].pk])
    assert 'id="offer-transfer"' in client.get(ticket).content.decode()
    client.post(reverse("meetups:transfer_offer", args=[seat["registration"].pk]), {"username": "@Friend1"})
    transfer = TicketTransfer.objects.get()
    assert (transfer.from_fan, transfer.to_fan, transfer.state) == (seat["giver"], seat["friend"], Offer.OFFERED)
    assert 'id="withdraw-transfer"' in client.get(ticket).content.decode()
    # Until the friend accepts, the giver's ticket still works.
    assert Notification.objects.get(recipient=seat["friend"]).url == reverse("meetups:transfer", args=[transfer.pk])

    client.force_login(seat["friend"])
    page = reverse("meetups:transfer", args=[transfer.pk])
    assert "送票人" in client.get(page).content.decode()
    refused = client.post(page, {})  # the required phone question unanswered: nothing changes
    assert refused.status_code == 400 and "Please answer this question." in refused.content.decode()
    assert Registration.objects.get(pk=seat["registration"].pk).fan == seat["giver"]
    response = client.post(page, {f"q{seat['phone'].pk}": "+86 139 0000 1111"})
    assert response.status_code == 302 and response["Location"] == reverse("meetups:ticket", args=[seat["meetup"].pk])

    registration = Registration.objects.get(pk=seat["registration"].pk)
    assert registration.fan == seat["friend"] and registration.state == Registration.State.CONFIRMED
    assert registration.ticket_code != old_code
    assert list(Answer.objects.filter(registration=registration).values_list("digits", flat=True)) == ["8613900001111"]
    transfer.refresh_from_db()
    assert transfer.state == Offer.ACCEPTED and transfer.decided_at
    assert Notification.objects.filter(recipient=seat["giver"], text__contains="朋友").exists()
    mails = Message.objects.filter(task="accounts.tasks.send_email")
    assert any(m.args[0]["to"] == [seat["friend"].email] and "is confirmed" in m.args[0]["body"] for m in mails)
    for dead in (old_token, old_code):
        with pytest.raises(RegistrationError, match="not valid any more"):
            check_in(staff, seat["meetup"], dead)
    assert check_in(staff, seat["meetup"], ticket_token(registration)).fan == seat["friend"]


def test_no_transfer_where_staff_do_not_allow_it(client, seat):
    seat["meetup"].allow_transfer = False
    seat["meetup"].save()
    client.force_login(seat["giver"])
    assert 'id="transfer-offer"' not in client.get(reverse("meetups:ticket", args=[seat["meetup"].pk])).content.decode()
    with pytest.raises(RegistrationError, match="do not allow"):
        offer_transfer(seat["giver"], seat["registration"], "friend1")


def test_an_offer_the_meetup_stopped_allowing_cannot_be_accepted(seat):
    transfer = offer_transfer(seat["giver"], seat["registration"], "friend1")
    seat["meetup"].allow_transfer = False
    seat["meetup"].save()
    with pytest.raises(RegistrationError, match="do not allow"):
        accept_transfer(seat["friend"], transfer, answers={seat["phone"].pk: "13800138000"})


@pytest.mark.parametrize(
    "case,message",
    [
        ("unknown", "No active account"),
        ("self", "your own account"),
        ("registered", "already registered"),
        ("waiting", "Only a confirmed seat"),
        ("checked in", "already used"),
        ("banned", "No active account"),
    ],
)
def test_offers_that_cannot_be_made(seat, staff, case, message):
    registration, name = seat["registration"], "friend1"
    if case == "unknown":
        name = "nobody-here"
    elif case == "self":
        name = seat["giver"].username
    elif case == "registered":
        register_for_meetup(seat["friend"], seat["meetup"], answers={seat["phone"].pk: "13800138000"})
    elif case == "waiting":
        Registration.objects.filter(pk=registration.pk).update(state=Registration.State.WAITING)
        registration.refresh_from_db()
    elif case == "checked in":
        check_in(staff, seat["meetup"], registration.ticket_code)
        registration.refresh_from_db()
    elif case == "banned":
        seat["friend"].banned_until = timezone.now() + datetime.timedelta(days=1)
        seat["friend"].save()
    with pytest.raises(RegistrationError, match=message):
        offer_transfer(seat["giver"], registration, name)
    assert not TicketTransfer.objects.exists()


def test_a_withdrawn_or_newer_offer_closes_the_old_one(seat):
    first = offer_transfer(seat["giver"], seat["registration"], "friend1")
    other = UserFactory(username="friend2")
    second = offer_transfer(seat["giver"], seat["registration"], "friend2")
    first.refresh_from_db()
    assert first.state == Offer.WITHDRAWN and second.state == Offer.OFFERED
    with pytest.raises(RegistrationError, match="no longer open"):
        accept_transfer(seat["friend"], first, answers={seat["phone"].pk: "13800138000"})
    withdraw_transfer(seat["giver"], second)
    with pytest.raises(RegistrationError, match="no longer open"):
        accept_transfer(other, second, answers={seat["phone"].pk: "13800138000"})
    assert Registration.objects.get(pk=seat["registration"].pk).fan == seat["giver"]


def test_a_friend_who_had_cancelled_their_own_registration_can_take_the_seat(seat):
    own = register_for_meetup(seat["friend"], seat["meetup"], answers={seat["phone"].pk: "13800138000"})
    cancel_registration(seat["friend"], own)
    transfer = offer_transfer(seat["giver"], seat["registration"], "friend1")
    registration = accept_transfer(seat["friend"], transfer, answers={seat["phone"].pk: "13800138001"})
    assert registration.pk == seat["registration"].pk
    assert list(Registration.objects.filter(meetup=seat["meetup"], fan=seat["friend"])) == [registration]


def test_wrong_answers_leave_the_seat_with_the_giver(seat):
    transfer = offer_transfer(seat["giver"], seat["registration"], "friend1")
    with pytest.raises(AnswersInvalid):
        accept_transfer(seat["friend"], transfer, answers={seat["phone"].pk: "call me"})
    assert Registration.objects.get(pk=seat["registration"].pk).fan == seat["giver"]
    assert TicketTransfer.objects.get().state == Offer.OFFERED


@pytest.mark.django_db(transaction=True)
def test_the_giver_cancelling_while_the_friend_accepts_gives_one_outcome():
    meetup = _meetup()
    giver, friend = UserFactory(), UserFactory(username="racer")
    registration = register_for_meetup(giver, meetup)
    transfer = offer_transfer(giver, registration, "racer")
    stale = Registration.objects.get(pk=registration.pk)
    results = race(lambda: accept_transfer(friend, transfer), lambda: cancel_registration(giver, stale))
    registration.refresh_from_db()
    accepted, cancelled = (not isinstance(r, Exception) for r in results)
    assert accepted != cancelled, results  # exactly one of them happened
    if accepted:
        assert registration.fan == friend and registration.state == Registration.State.CONFIRMED
    else:
        assert registration.fan == giver and registration.state == Registration.State.CANCELLED


# Role x action: the offer, the friend's page and the withdrawal.
ROLES = ["giver", "friend", "other fan", "event staff"]


@pytest.mark.parametrize("who", ROLES)
def test_who_may_offer_see_accept_and_withdraw(client, seat, staff, who):
    people = {"giver": seat["giver"], "friend": seat["friend"], "other fan": UserFactory(), "event staff": staff}
    client.force_login(people[who])
    offer = client.post(reverse("meetups:transfer_offer", args=[seat["registration"].pk]), {"username": "friend1"})
    assert offer.status_code == (302 if who == "giver" else 404)
    if who != "giver":
        assert not TicketTransfer.objects.exists()
        transfer = offer_transfer(seat["giver"], seat["registration"], "friend1")
    else:
        transfer = TicketTransfer.objects.get()
    page = reverse("meetups:transfer", args=[transfer.pk])
    assert client.get(page).status_code == (200 if who == "friend" else 404)
    withdraw = client.post(reverse("meetups:transfer_withdraw", args=[transfer.pk]))
    assert withdraw.status_code == (302 if who == "giver" else 404)
    transfer.refresh_from_db()
    assert transfer.state == (Offer.WITHDRAWN if who == "giver" else Offer.OFFERED)
    assert Registration.objects.get(pk=seat["registration"].pk).fan == seat["giver"]


def test_anonymous_visitors_are_sent_to_log_in(client, seat):
    transfer = offer_transfer(seat["giver"], seat["registration"], "friend1")
    for url in (
        reverse("meetups:transfer_offer", args=[seat["registration"].pk]),
        reverse("meetups:transfer", args=[transfer.pk]),
        reverse("meetups:transfer_withdraw", args=[transfer.pk]),
    ):
        response = client.post(url)
        assert response.status_code == 302 and "login" in response["Location"]
