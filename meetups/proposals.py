"""Fan-organised meetups: a fan proposes one in their home city; event staff approve or reject it."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.activity import record_activity
from accounts.models import User
from accounts.moderation import BANNED, why_may_not_act
from community.levels import level_of
from meetups import mail
from meetups.changes import clean_reason
from meetups.locking import RegistrationError, lock_meetup, require_event_staff
from meetups.models import MAX_CAPACITY, MIN_CAPACITY, Meetup
from meetups.publishing import publish_meetup

MIN_NOTICE = datetime.timedelta(days=7)
MAX_AHEAD = datetime.timedelta(days=180)
MAX_PENDING = 2


def propose_meetup(
    fan: User,
    *,
    title: str,
    starts_at: datetime.datetime,
    venue: str,
    address: str,
    agenda: str = "",
    capacity: int = 40,
    question: str = "",
) -> Meetup:
    """A draft, fan-organised meetup in the fan's home city, waiting for event staff."""
    if reason := why_may_not_act(fan):
        if reason == BANNED:
            raise RegistrationError(_("Your account is suspended, so you cannot propose meetups."))
        raise RegistrationError(_("Please sign in to propose a meetup."))
    if not (level := level_of(fan)).may_propose_meetup:
        raise RegistrationError(
            _("Proposing a meetup unlocks at a higher level (you are %(level)s).") % {"level": level.label}
        )
    if fan.city_id is None:
        raise RegistrationError(_("Set your home city in your settings first: proposals are for your own city."))
    now = timezone.now()
    if not now + MIN_NOTICE <= starts_at <= now + MAX_AHEAD:
        raise RegistrationError(_("Choose a date between one week and six months from now."))
    if not MIN_CAPACITY <= capacity <= MAX_CAPACITY:
        raise RegistrationError(
            _("Capacity must be between %(min)s and %(max)s.") % {"min": MIN_CAPACITY, "max": MAX_CAPACITY}
        )
    title, venue, address = title.strip(), venue.strip(), address.strip()
    if not (title and venue and address):
        raise RegistrationError(_("A title, a venue and an address are needed."))
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=fan.pk).first()  # one proposal at a time per fan
        pending_ones = Meetup.objects.filter(proposed_by=fan, approval=Meetup.Approval.PENDING)
        # The same proposal sent twice (a double click, a resent form) waited on the lock above: it is
        # the one already made, not a second.
        if twin := pending_ones.filter(title=title[:120], starts_at=starts_at, venue=venue[:120]).first():
            return twin
        pending = pending_ones.count()
        if pending >= MAX_PENDING:
            raise RegistrationError(_("You already have %(n)s proposals waiting for staff.") % {"n": pending})
        meetup = Meetup.objects.create(
            city_id=fan.city_id,
            title=title[:120],
            kind=Meetup.Kind.FAN,
            status=Meetup.Status.DRAFT,
            approval=Meetup.Approval.PENDING,
            proposed_by=fan,
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(hours=3),
            venue=venue[:120],
            address=address[:200],
            agenda=agenda.strip()[:4000],
            capacity=capacity,
            question=question.strip()[:200],
            registration_opens_at=now,
            registration_closes_at=starts_at - datetime.timedelta(days=1),
            cancel_cutoff=starts_at - datetime.timedelta(days=1),
        )
    record_activity(fan)
    return meetup


def _lock_pending_proposal(staff: User, meetup: Meetup, refusal) -> Meetup:
    """Check the staff member, lock the meetup and check it is a pending fan proposal."""
    require_event_staff(staff)
    meetup = lock_meetup(meetup.pk)
    if meetup.kind != Meetup.Kind.FAN or meetup.approval != Meetup.Approval.PENDING:
        raise RegistrationError(refusal)
    return meetup


def _tell_proposer(meetup: Meetup, text) -> None:
    if meetup.proposed_by:
        mail.notify_in_language([meetup.proposed_by], meetup, text)


def approve_proposal(staff: User, meetup: Meetup) -> Meetup:
    """Approve and publish: it is announced in the city's club board, fans register as usual."""
    with transaction.atomic():
        meetup = _lock_pending_proposal(staff, meetup, _("Only a pending fan proposal can be approved."))
        meetup.approval = Meetup.Approval.APPROVED
        if meetup.registration_opens_at is None or meetup.registration_opens_at < timezone.now():
            meetup.registration_opens_at = timezone.now()
        meetup.save(update_fields=["approval", "registration_opens_at"])
        meetup = publish_meetup(staff, meetup)
    _tell_proposer(meetup, _("Your meetup “%(title)s” is approved and open."))
    return meetup


def reject_proposal(staff: User, meetup: Meetup, reason: str) -> Meetup:
    """Turn the proposal down with a reason the proposer reads (kept as the meetup's `change_reason`)."""
    reason = clean_reason(reason)
    with transaction.atomic():
        meetup = _lock_pending_proposal(staff, meetup, _("Only a pending fan proposal can be rejected."))
        meetup.approval = Meetup.Approval.REJECTED
        meetup.status = Meetup.Status.CANCELLED
        meetup.change_reason = reason
        meetup.save(update_fields=["approval", "status", "change_reason"])
    if meetup.proposed_by:
        mail.notify_text(
            [meetup.proposed_by],
            meetup,
            lambda: str(_("Your meetup proposal “%(title)s” was not accepted this time. Reason: %(reason)s"))
            % {"title": meetup.title, "reason": reason},
            f"meetup:{meetup.pk}",
        )
    return meetup
