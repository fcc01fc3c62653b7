"""Giving a place to a friend: a confirmed fan who cannot come names a friend's account, where event
staff allow it for the meetup (`Meetup.allow_transfer`).

The friend opens the offer, answers the meetup's registration questions and accepts; under the
meetup's lock the same registration row (its seat and its place in the order) then belongs to the
friend, with a new ticket code, so the old ticket (QR and typed code) stops working at the door. The
capacity does not change: one seat changes hands. Every offer is kept (`TicketTransfer`: from whom,
to whom, when, accepted or withdrawn).
"""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.activity import record_activity
from accounts.models import User
from accounts.moderation import why_may_not_act
from meetups import mail
from meetups.locking import RegistrationError, lock_meetup
from meetups.models import Answer, Meetup, Question, Registration, TicketTransfer, new_ticket_code
from meetups.permissions import may_accept_transfer, may_offer_transfer
from meetups.registration import ANSWER_MAX, clean_answers

State = Registration.State
UPCOMING = (Meetup.Status.PUBLISHED, Meetup.Status.CLOSED)


def _why_not_transferable(registration: Registration, meetup: Meetup) -> str | None:
    if not meetup.allow_transfer:
        return str(_("The organisers do not allow giving places to someone else at this meetup."))
    if meetup.status not in UPCOMING or meetup.starts_at <= timezone.now():
        return str(_("This meetup has already taken place."))
    if registration.state != State.CONFIRMED:
        return str(_("Only a confirmed seat can be given to a friend."))
    if registration.checked_in_at:
        return str(_("This ticket was already used at the door."))
    return None


def _friend_has_place(meetup: Meetup, friend: User) -> bool:
    return Registration.objects.filter(meetup=meetup, fan=friend).exclude(state=State.CANCELLED).exists()


def offer_transfer(fan: User, registration: Registration, friend_username: str) -> TicketTransfer:
    """Offer the seat to the account named `friend_username`; an earlier open offer is withdrawn."""
    if not may_offer_transfer(fan, registration):
        raise RegistrationError(_("This registration is not yours."))
    name = (friend_username or "").strip().lstrip("@")
    friend = User.objects.fans().filter(username__iexact=name).first() if name else None
    if friend is None or why_may_not_act(friend):
        raise RegistrationError(_("No active account has this username."))
    if friend.pk == fan.pk:
        raise RegistrationError(_("This is your own account."))
    now = timezone.now()
    with transaction.atomic():
        meetup = lock_meetup(registration.meetup_id)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.fan_id != fan.pk:
            raise RegistrationError(_("This registration is not yours."))
        if reason := _why_not_transferable(registration, meetup):
            raise RegistrationError(reason)
        if _friend_has_place(meetup, friend):
            raise RegistrationError(_("%(name)s is already registered for this meetup.") % {"name": friend.public_name})
        TicketTransfer.objects.filter(registration=registration, state=TicketTransfer.State.OFFERED).update(
            state=TicketTransfer.State.WITHDRAWN, decided_at=now
        )
        transfer = TicketTransfer.objects.create(
            registration=registration, meetup=meetup, from_fan=fan, to_fan=friend, created_at=now
        )
    mail.notify_text(
        [friend],
        meetup,
        lambda: str(_("%(name)s gives you their place at “%(title)s”: open it to answer the questions and accept."))
        % {"name": fan.public_name, "title": meetup.title},
        f"meetup:{meetup.pk}:transfer",
        url=reverse("meetups:transfer", args=[transfer.pk]),
    )
    return transfer


def withdraw_transfer(fan: User, transfer: TicketTransfer) -> TicketTransfer:
    if transfer.from_fan_id != fan.pk:
        raise RegistrationError(_("This registration is not yours."))
    with transaction.atomic():
        transfer = TicketTransfer.objects.select_for_update().get(pk=transfer.pk)
        if transfer.state != TicketTransfer.State.OFFERED:
            raise RegistrationError(_("This offer is no longer open."))
        transfer.state = TicketTransfer.State.WITHDRAWN
        transfer.decided_at = timezone.now()
        transfer.save(update_fields=["state", "decided_at"])
    return transfer


def accept_transfer(
    friend: User, transfer: TicketTransfer, answer: str = "", answers: dict[int, str] | None = None
) -> Registration:
    """The friend takes the seat: their answers replace the giver's, a new ticket code is issued."""
    if not may_accept_transfer(friend, transfer):
        raise RegistrationError(_("This offer is for another account."))
    if why_may_not_act(friend):
        raise RegistrationError(_("Your account is suspended, so you cannot register for meetups."))
    answer = (answer or "").strip()
    if len(answer) > ANSWER_MAX:
        raise RegistrationError(_("Please keep your answer under %(n)s characters.") % {"n": ANSWER_MAX})
    answer_rows = clean_answers(list(Question.objects.filter(meetup_id=transfer.meetup_id)), answers or {})
    now = timezone.now()
    with transaction.atomic():
        meetup = lock_meetup(transfer.meetup_id)
        transfer = TicketTransfer.objects.select_for_update().get(pk=transfer.pk)
        if transfer.state != TicketTransfer.State.OFFERED:
            raise RegistrationError(_("This offer is no longer open."))
        registration = Registration.objects.select_for_update().select_related("fan").get(pk=transfer.registration_id)
        if registration.fan_id != transfer.from_fan_id:
            raise RegistrationError(_("This offer is no longer open."))
        if reason := _why_not_transferable(registration, meetup):
            raise RegistrationError(reason)
        if _friend_has_place(meetup, friend):
            raise RegistrationError(_("You are already registered for this meetup."))
        # A registration the friend cancelled earlier holds the (meetup, fan) pair: it held no seat.
        Registration.objects.filter(meetup=meetup, fan=friend, state=State.CANCELLED).delete()
        giver = registration.fan
        registration.fan = friend
        registration.ticket_code = new_ticket_code()
        registration.answer = answer
        registration.reminded_at = None
        registration.save(update_fields=["fan", "ticket_code", "answer", "reminded_at"])
        Answer.objects.filter(registration=registration).delete()
        Answer.objects.bulk_create(
            [Answer(registration=registration, question_id=r["q"], value=r["v"], digits=r["d"]) for r in answer_rows]
        )
        transfer.state = TicketTransfer.State.ACCEPTED
        transfer.decided_at = now
        transfer.save(update_fields=["state", "decided_at"])
    registration.meetup = meetup
    record_activity(friend)
    mail.notify_text(
        [giver],
        meetup,
        lambda: str(_("%(name)s accepted your place at “%(title)s”; your ticket is no longer valid."))
        % {"name": friend.public_name, "title": meetup.title},
        f"meetup:{meetup.pk}:transfer",
    )
    mail.send_confirmation(registration)
    return registration
