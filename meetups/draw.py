"""The draw: after registration closes, applicants are ordered by a weighted, reproducible lottery.

Weights and the order are explained to fans on the meetup page (templates/meetups/_draw_rules.html).
Verifiable: when the meetup is published (registration opens) a seed is drawn with `secrets` and only
its SHA-256 (the commitment) is shown; staff can neither choose nor read the seed. The draw publishes
the seed, the seats, every applicant's application order, pseudonym and weight, and the order drawn
(`Meetup.draw_record`, served as /meetups/<id>/draw.json); scripts/verify_draw.py (standard library
only) checks the commitment and recomputes the order from that file.
"""

import datetime
import hashlib
import random
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.activity import active_since
from accounts.models import DailyActivity, User
from meetups import mail
from meetups.locking import RegistrationError, lock_meetup, require_event_staff
from meetups.models import Meetup, Registration
from meetups.registration import confirmed_count, next_order

State = Registration.State
WEIGHT_PER_ACTIVE_DAY = 0.1
MAX_ACTIVE_DAYS = 20
NO_SHOW_FACTOR = 0.5
NO_SHOW_MEMORY_DAYS = 365


def draw_weights(fan_ids: list[int], now: datetime.datetime | None = None) -> dict[int, float]:
    """weight = (1 + 0.1 x active days in the last 30, at most 20 days) x 0.5 after a no-show.

    A fan active every other day weighs 2.5, a fan seen once 1.1; a fan confirmed for a meetup in
    the last year who did not come has half their weight.
    """
    now = now or timezone.now()
    days = dict(
        DailyActivity.objects.filter(user_id__in=fan_ids, day__gte=active_since())
        .values("user_id")
        .annotate(n=Count("*"))
        .values_list("user_id", "n")
        .order_by()
    )
    no_shows = set(
        Registration.objects.filter(
            fan_id__in=fan_ids,
            state=State.NO_SHOW,
            meetup__starts_at__gte=now - datetime.timedelta(days=NO_SHOW_MEMORY_DAYS),
        ).values_list("fan_id", flat=True)
    )
    weights = {}
    for fan_id in fan_ids:
        weight = 1 + WEIGHT_PER_ACTIVE_DAY * min(days.get(fan_id, 0), MAX_ACTIVE_DAYS)
        if fan_id in no_shows:
            weight *= NO_SHOW_FACTOR
        weights[fan_id] = round(weight, 4)
    return weights


def draw_order(seed: str, entries: list[tuple[int, float]]) -> list[int]:
    """Weighted random order without replacement (Efraimidis-Spirakis), reproducible from `seed`.

    `entries` are (key, weight) pairs; they are sorted by key, then each gets u = the next number
    of Python's random.Random(seed) and the score u ** (1 / weight). Highest score first.
    """
    rng = random.Random(seed)
    scored = [(rng.random() ** (1.0 / weight), key) for key, weight in sorted(entries)]
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [key for _, key in scored]


def commitment(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


def commit_to_seed(meetup: Meetup) -> None:
    """Give a draw meetup its secret seed and public commitment (unsaved), once; call when it is published."""
    if meetup.mode == Meetup.Mode.DRAW and not meetup.draw_commitment:
        meetup.draw_seed = secrets.token_hex(32)
        meetup.draw_commitment = commitment(meetup.draw_seed)


def pseudonym(seed: str, fan_id: int) -> str:
    """A name for the published list that nobody can tie to a fan without the fan's id; the fan's page can."""
    return "#" + hashlib.sha256(f"{seed}:{fan_id}".encode()).hexdigest()[:8]


ALGORITHM = (
    "applicants sorted by application; u = next random.Random(seed).random() (Python, str seed); "
    "score = u ** (1 / weight); highest score first, ties by application; the first `seats` get a seat"
)


@dataclass
class DrawResult:
    seed: str
    confirmed: list[Registration]
    waiting: list[Registration]


def run_draw(staff: User, meetup: Meetup, seed: str | None = None) -> DrawResult:
    """Pick `capacity` applicants; the others join the waiting list in draw order."""
    require_event_staff(staff)
    now = timezone.now()
    with transaction.atomic():
        meetup = lock_meetup(meetup.pk)
        if meetup.mode != Meetup.Mode.DRAW:
            raise RegistrationError(_("This meetup does not use a draw."))
        if meetup.drawn_at:
            raise RegistrationError(_("The draw for this meetup has already been run."))
        if meetup.status not in (Meetup.Status.PUBLISHED, Meetup.Status.CLOSED) or meetup.is_past:
            raise RegistrationError(_("Only an upcoming, published meetup can be drawn."))
        if meetup.status == Meetup.Status.PUBLISHED and (
            meetup.registration_closes_at is None or meetup.registration_closes_at > now
        ):
            raise RegistrationError(_("Close registration before running the draw."))
        if meetup.draw_commitment:  # committed when registration opened: only that seed is valid
            if seed is not None and seed != meetup.draw_seed:
                raise RegistrationError(_("This draw's seed was committed when registration opened."))
            seed = meetup.draw_seed
        else:  # published before seeds were committed: the commitment is published with the draw
            seed = seed or secrets.token_hex(8)
            meetup.draw_commitment = commitment(seed)
        applicants = list(
            Registration.objects.select_related("fan").filter(meetup=meetup, state=State.APPLIED).order_by("order")
        )
        weights = draw_weights([r.fan_id for r in applicants], now)
        by_order = {r.order: r for r in applicants}
        ordered = [by_order[o] for o in draw_order(seed, [(r.order, weights[r.fan_id]) for r in applicants])]
        free = max(meetup.capacity - confirmed_count(meetup), 0)
        base = next_order(meetup)
        for rank, registration in enumerate(ordered):
            registration.applied_order = registration.order
            registration.draw_weight = weights[registration.fan_id]
            registration.order = base + rank  # above every old order, so the unique order holds
            registration.state = State.CONFIRMED if rank < free else State.WAITING
            registration.confirmed_at = now if rank < free else None
        Registration.objects.bulk_update(
            ordered, ["applied_order", "draw_weight", "order", "state", "confirmed_at"], batch_size=1000
        )
        meetup.draw_seed = seed
        meetup.drawn_at = now
        meetup.status = Meetup.Status.CLOSED
        meetup.draw_record = {
            "meetup": meetup.pk,
            "commitment": meetup.draw_commitment,
            "seed": seed,
            "seats": free,
            "algorithm": ALGORITHM,
            "applicants": [
                {"application": r.applied_order, "name": pseudonym(seed, r.fan_id), "weight": r.draw_weight}
                for r in sorted(ordered, key=lambda r: r.applied_order or 0)  # set above, never None
            ],
            "result": [r.applied_order for r in ordered],
        }
        meetup.save(update_fields=["draw_seed", "draw_commitment", "drawn_at", "status", "draw_record"])
    confirmed, waiting = ordered[:free], ordered[free:]
    for registration in confirmed:
        mail.send_confirmation(registration)
    mail.notify_in_language([r.fan for r in confirmed], meetup, _("The draw for “%(title)s” is done: you have a seat."))
    mail.notify_in_language(
        [r.fan for r in waiting], meetup, _("The draw for “%(title)s” is done: you are on the waiting list.")
    )
    return DrawResult(seed, confirmed, waiting)
