"""At the door: who may run it, when it is open, check a ticket, let its holder in once; after the
meetup, mark who did not come.

The door is run by event staff, or by the fan who organised an approved fan meetup (for that meetup
only): `meetups.permissions.may_run_door` is the one rule, used by every door page and write.

Every check-in, undo and offline conflict is logged in `DoorEntry` with who did it. A phone that lost
the network checks tickets against the list it downloaded (`offline_list`: hashed codes) and sends
its scans later (`sync_scans`), each with its own id, so a sync sent twice counts once; a ticket two
phones let in while offline ends as one check-in and one logged conflict.
"""

import datetime
import hashlib
import uuid

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from community.models import CreditReason
from meetups.locking import RegistrationError, lock_meetup
from meetups.models import DoorEntry, Meetup, Registration, SchedulerSettings
from meetups.permissions import require_door
from meetups.tickets import read_ticket
from outbox.queueing import enqueue

State = Registration.State


def checkin_window(
    meetup: Meetup, settings: SchedulerSettings | None = None
) -> tuple[datetime.datetime, datetime.datetime]:
    """When the door accepts tickets: from `checkin_opens_hours` before the start to
    `checkin_closes_hours` after the end (SchedulerSettings, default 2 and 2)."""
    # Read, not created: a page view writes nothing (the defaults apply until staff save the settings).
    settings = settings or SchedulerSettings.objects.filter(pk=1).first() or SchedulerSettings()
    return (
        meetup.starts_at - datetime.timedelta(hours=settings.checkin_opens_hours),
        meetup.end + datetime.timedelta(hours=settings.checkin_closes_hours),
    )


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def window_refusal(meetup: Meetup, now: datetime.datetime | None = None, settings=None) -> str | None:
    """Why the door is shut now (a sentence in the active language, the staff's), or None when open."""
    now = now or timezone.now()
    if meetup.status == Meetup.Status.CANCELLED:
        return str(_("This meetup was cancelled."))
    if meetup.status == Meetup.Status.DRAFT:
        return str(_("This meetup is not published yet."))
    opens, closes = checkin_window(meetup, settings)
    if now < opens:
        return str(_("Check-in opens at %(time)s, %(hours)s hours before the start.")) % {
            "time": _local(opens),
            "hours": (meetup.starts_at - opens) // datetime.timedelta(hours=1),
        }
    if now > closes:
        return str(_("Check-in closed at %(time)s.")) % {"time": _local(closes)}
    return None


def find_ticket(meetup: Meetup, text: str) -> Registration:
    """The registration a scanned or typed ticket belongs to, or a clear refusal."""
    if meetup.status == Meetup.Status.CANCELLED:
        raise RegistrationError(_("This meetup was cancelled: its tickets are no longer valid."))
    parsed = read_ticket(text)
    if parsed is None:
        raise RegistrationError(_("This is not a valid Fancity ticket."))
    registration_id, code = parsed
    registration = Registration.objects.select_related("fan", "meetup").filter(ticket_code=code).first()
    if registration is None or (registration_id is not None and registration.pk != registration_id):
        raise RegistrationError(_("This ticket is not valid any more (it was cancelled or replaced)."))
    if registration.meetup_id != meetup.pk:
        raise RegistrationError(
            _("This ticket is for another meetup: %(title)s.") % {"title": registration.meetup.title}
        )
    _check_seat(registration)
    return registration


def _check_seat(registration: Registration) -> None:
    if registration.state != State.CONFIRMED and not registration.checked_in_at:
        raise RegistrationError(
            _("This fan has no confirmed seat (%(state)s).") % {"state": registration.get_state_display()}
        )


class AlreadyIn(RegistrationError):
    """The ticket was let in before: at the door a refusal, in an offline sync a conflict."""

    def __init__(self, registration: Registration):
        self.registration = registration
        super().__init__(
            _("Already used: this ticket was checked in at %(time)s.")
            % {"time": timezone.localtime(registration.checked_in_at).strftime("%H:%M")}
        )


def _hold_meetup(meetup: Meetup) -> None:
    """Take the meetup row's KEY SHARE lock first, as the door log's foreign key would later: the
    release of late seats and the other seat changes lock the meetup, then its registrations, and
    the door now takes them in the same order (no deadlock). Check-ins do not wait for each other:
    KEY SHARE locks do not conflict."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM meetups_meetup WHERE id = %s FOR KEY SHARE", [meetup.pk])


def _locked_registration(meetup: Meetup, registration_id: int) -> Registration:
    _hold_meetup(meetup)
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("fan")
        .filter(pk=registration_id, meetup=meetup)
        .first()
    )
    if registration is None:
        raise RegistrationError(_("This fan is not registered for this meetup."))
    return registration


def _let_in(
    staff: User,
    meetup: Meetup,
    registration_id: int,
    at: datetime.datetime | None = None,
    scan_id: uuid.UUID | None = None,
) -> Registration:
    """Check in one registration of `meetup`, once, and log who did it; call inside a transaction.

    `at` is when an offline phone scanned the ticket: the door must have been open then."""
    if refusal := window_refusal(meetup, at):
        raise RegistrationError(refusal)
    registration = _locked_registration(meetup, registration_id)
    if registration.checked_in_at:
        raise AlreadyIn(registration)
    _check_seat(registration)
    now = timezone.now()
    registration.checked_in_at = at or now
    registration.confirm_by = None  # a late seat held for the fan: coming to the door confirms it
    registration.save(update_fields=["checked_in_at", "confirm_by"])
    DoorEntry.objects.create(
        meetup=meetup,
        registration=registration,
        action=DoorEntry.Action.CHECK_IN,
        by=staff,
        at=at or now,
        recorded_at=now,
        offline=at is not None,
        scan_id=scan_id,
    )
    # The fan's credit for coming, after the commit: the door stays as quick as it was.
    enqueue("community.tasks.award_credit", registration.fan_id, CreditReason.MEETUP.value, f"meetup:{meetup.pk}")
    return registration


def check_in(staff: User, meetup: Meetup, text: str) -> Registration:
    """Let the holder of a scanned or typed ticket in, once, while the door is open."""
    require_door(staff, meetup)
    with transaction.atomic():
        registration = find_ticket(meetup, text)
        return _let_in(staff, meetup, registration.pk)


def check_in_registration(staff: User, meetup: Meetup, registration_id: int) -> Registration:
    """Let a fan found by name or phone digits in (they have no ticket with them), once."""
    require_door(staff, meetup)
    with transaction.atomic():
        return _let_in(staff, meetup, registration_id)


def check_in_registrations(staff: User, meetup: Meetup, registration_ids: list[int]) -> list[Registration]:
    """The admin's bulk check-in of fans of `meetup`: the door's rules (who runs it, only while it is
    open, a confirmed seat, once). A shut door refuses the whole batch with the door's reason; fans
    already in or without a confirmed seat are left as they are. Returns those let in now."""
    require_door(staff, meetup)
    if refusal := window_refusal(meetup):
        raise RegistrationError(refusal)
    let_in = []
    with transaction.atomic():
        for registration_id in sorted(registration_ids):
            try:
                with transaction.atomic():
                    let_in.append(_let_in(staff, meetup, registration_id))
            except RegistrationError:
                continue
    return let_in


def undo_check_in(staff: User, meetup: Meetup, registration_id: int) -> Registration:
    """Take back a check-in made by mistake (the wrong fan, a double tap), while the door is open;
    logged with who undid it. The seat stays confirmed: the fan can be checked in again."""
    require_door(staff, meetup)
    if refusal := window_refusal(meetup):
        raise RegistrationError(refusal)
    with transaction.atomic():
        registration = _locked_registration(meetup, registration_id)
        if not registration.checked_in_at:
            raise RegistrationError(_("This fan is not checked in."))
        registration.checked_in_at = None
        registration.save(update_fields=["checked_in_at"])
        DoorEntry.objects.create(meetup=meetup, registration=registration, action=DoorEntry.Action.UNDO, by=staff)
    return registration


def door_name(registration: Registration) -> str:
    """The name the door shows and says: the fan's, with "+1" for a fan who brings a guest."""
    name = registration.fan.public_name
    return f"{name} +{registration.guests}" if registration.guests else name


def door_salt(meetup: Meetup) -> str:
    """Per meetup, derived from SECRET_KEY: the offline list's codes are hashed with it."""
    return salted_hmac("meetups.door", str(meetup.pk)).hexdigest()[:32]


def code_hash(salt: str, code: str) -> str:
    """What the offline list holds instead of a ticket code; the door page computes the same in
    JavaScript (SHA-256 of "salt:code") for a scanned or typed code."""
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def offline_list(staff: User, meetup: Meetup) -> dict:
    """The door's list for checking tickets without network: every fan with a seat (or already in),
    their name and a hash of their ticket code, never the code itself."""
    require_door(staff, meetup)
    salt = door_salt(meetup)
    rows = (
        Registration.objects.filter(Q(state=State.CONFIRMED) | Q(checked_in_at__isnull=False), meetup=meetup)
        .select_related("fan")
        .only("pk", "ticket_code", "checked_in_at", "guests", "fan__display_name", "fan__username", "fan__deleted_at")
        .order_by("order")
    )
    return {
        "meetup": meetup.pk,
        "salt": salt,
        "generated_at": timezone.now().isoformat(),
        "closed": window_refusal(meetup),
        "tickets": [
            {
                "r": row.pk,
                "h": code_hash(salt, row.ticket_code),
                "n": door_name(row),
                "u": row.fan.username,
                "in": bool(row.checked_in_at),
            }
            for row in rows
        ],
    }


SYNC_MAX = 500


def _scan_time(value, now: datetime.datetime) -> datetime.datetime | None:
    """The phone's time of an offline scan: ISO 8601 with a zone, never in the future."""
    try:
        at = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if at.tzinfo is None:
        return None
    return min(at, now)


def sync_scans(staff: User, meetup: Meetup, scans: object) -> list[dict]:
    """Record check-ins a phone made offline. Each scan is `{"id": uuid, "registration": id, "at":
    ISO time}`; the answer per scan is `{"id", "result", "message"}` with result

    - "checked_in": let in now;
    - "recorded": this scan id was recorded before (a sync sent again): nothing new is written;
    - "conflict": another phone (or this one online) let this ticket in first; logged as a conflict;
    - "refused": the ticket may not come in (no seat, door shut then); nothing written.
    """
    require_door(staff, meetup)
    if not isinstance(scans, list) or len(scans) > SYNC_MAX:
        raise RegistrationError(_("A sync sends at most %(n)s scans.") % {"n": SYNC_MAX})
    results = []
    for scan in scans:
        scan = scan if isinstance(scan, dict) else {}
        try:
            scan_id = uuid.UUID(str(scan.get("id")))
        except ValueError:
            results.append({"id": None, "result": "refused", "message": str(_("This scan has no valid id."))})
            continue
        answer = {"id": str(scan_id)}
        registration_id = scan.get("registration")
        at = _scan_time(scan.get("at"), timezone.now())
        if not isinstance(registration_id, int) or at is None:
            results.append({**answer, "result": "refused", "message": str(_("This scan is not readable."))})
            continue
        try:
            with transaction.atomic():
                if DoorEntry.objects.filter(scan_id=scan_id).exists():
                    results.append({**answer, "result": "recorded", "message": ""})
                    continue
                registration = _let_in(staff, meetup, registration_id, at=at, scan_id=scan_id)
                results.append({**answer, "result": "checked_in", "name": door_name(registration)})
        except AlreadyIn as already:
            try:
                with transaction.atomic():
                    DoorEntry.objects.create(
                        meetup=meetup,
                        registration=already.registration,
                        action=DoorEntry.Action.CONFLICT,
                        by=staff,
                        at=at,
                        offline=True,
                        scan_id=scan_id,
                    )
            except IntegrityError:  # the same scan, sent twice at once: recorded by the other request
                results.append({**answer, "result": "recorded", "message": ""})
                continue
            results.append(
                {
                    **answer,
                    "result": "conflict",
                    "name": door_name(already.registration),
                    "message": str(already),
                }
            )
        except IntegrityError:
            results.append({**answer, "result": "recorded", "message": ""})
        except RegistrationError as error:
            results.append({**answer, "result": "refused", "message": str(error)})
    return results


def finish_meetup(meetup: Meetup) -> int:
    """After the meetup: confirmed fans who did not check in become no-shows. Safe to run twice."""
    with transaction.atomic():
        meetup = lock_meetup(meetup.pk)
        if meetup.status not in (Meetup.Status.PUBLISHED, Meetup.Status.CLOSED):
            return 0
        missed = Registration.objects.filter(meetup=meetup, state=State.CONFIRMED, checked_in_at__isnull=True).update(
            state=State.NO_SHOW
        )
        meetup.status = Meetup.Status.FINISHED
        meetup.save(update_fields=["status"])
    return missed
