"""Celery tasks: thin, idempotent wrappers over the meetups functions (beat entries in migrations)."""

import datetime
import time

from celery import shared_task
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from meetups import (
    changes,
    checkin,
    launches,
    mail,
    messaging,
    publishing,
    ranking,
    registration,
    reminders,
    scheduling,
)
from meetups.models import AttendeeMessage, Meetup, Registration
from outbox.queueing import enqueue

FINISH_AFTER = datetime.timedelta(hours=6)
# No task may outlive the broker's visibility timeout (settings.BROKER_VISIBILITY_TIMEOUT): a long
# run of reminders hands the rest to a new run after this long.
CHUNK_SECONDS = 60


@shared_task(name="meetups.tasks.snapshot_cities")
def snapshot_cities() -> int:
    return ranking.snapshot_cities()


@shared_task(name="meetups.tasks.schedule_meetup")
def schedule_meetup() -> int | None:
    meetup = scheduling.schedule_next_meetup()
    return meetup.pk if meetup else None


@shared_task(name="meetups.tasks.announce_meetup")
def announce_meetup(meetup_id: int) -> int:
    """Split the city's fans into batches, one notify task per batch."""
    meetup = Meetup.objects.get(pk=meetup_id)
    ids = publishing.city_fan_ids(meetup)
    for start in range(0, len(ids), publishing.NOTIFY_BATCH):
        enqueue("meetups.tasks.notify_fans_batch", meetup_id, ids[start : start + publishing.NOTIFY_BATCH])
    return len(ids)


@shared_task(name="meetups.tasks.notify_fans_batch")
def notify_fans_batch(meetup_id: int, fan_ids: list[int]) -> int:
    """Skips fans already told about this meetup, so a re-run sends nothing twice.

    Two runs of one batch at once (the broker delivered it again while the first still ran) take turns
    on a lock for this meetup's announcement, so the second sees what the first saved.
    """
    meetup = Meetup.objects.select_related("city").get(pk=meetup_id)
    group = f"meetup:{meetup.pk}"
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"meetups.announce:{meetup.pk}"])
        fans = list(
            User.objects.filter(pk__in=fan_ids).exclude(notifications__group=group).exclude(pk=meetup.proposed_by_id)  # type: ignore[misc]  # None: IS NULL
        )
        mail.notify_text(fans, meetup, lambda: publishing.announcement_notice(meetup), group)
    return len(fans)


@shared_task(name="meetups.tasks.send_reminders")
def send_reminders() -> int:
    """Remind confirmed fans of tomorrow's meetups; `reminded_at` makes a second run send nothing."""
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    start = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time.min))
    sent = 0
    due = Registration.objects.filter(
        state=Registration.State.CONFIRMED,
        reminded_at__isnull=True,
        meetup__status__in=[Meetup.Status.PUBLISHED, Meetup.Status.CLOSED],
        meetup__starts_at__gte=start,
        meetup__starts_at__lt=start + datetime.timedelta(days=1),
    ).values_list("pk", flat=True)
    started = time.monotonic()
    for registration_id in list(due):
        if time.monotonic() - started > CHUNK_SECONDS:
            enqueue("meetups.tasks.send_reminders")  # the next run takes the rest: a reminded fan is no longer due
            break
        with transaction.atomic():
            row = (
                Registration.objects.select_for_update(of=("self",))
                .select_related("fan", "meetup__city")
                .filter(pk=registration_id, reminded_at__isnull=True)
                .first()
            )
            if row is None:
                continue
            row.reminded_at = timezone.now()
            row.save(update_fields=["reminded_at"])
            mail.send_reminder(row)
            sent += 1
    return sent


@shared_task(name="meetups.tasks.finish_meetups")
def finish_meetups() -> int:
    """Meetups over for some hours: confirmed fans who did not check in become no-shows."""
    done = 0
    for meetup in Meetup.objects.filter(
        status__in=[Meetup.Status.PUBLISHED, Meetup.Status.CLOSED], starts_at__lt=timezone.now() - FINISH_AFTER
    ):
        checkin.finish_meetup(meetup)
        done += 1
    return done


@shared_task(name="meetups.tasks.tell_attendees_of_change")
def tell_attendees_of_change(meetup_id: int, sequence: int) -> int:
    """Split the fans registered for a cancelled or rescheduled meetup into batches, one task each."""
    meetup = Meetup.objects.get(pk=meetup_id)
    if meetup.sequence != sequence:
        return 0  # changed again since: that change's own run tells everyone the latest
    ids = changes.told_fan_ids(meetup)
    for start in range(0, len(ids), publishing.NOTIFY_BATCH):
        enqueue("meetups.tasks.tell_change_batch", meetup_id, sequence, ids[start : start + publishing.NOTIFY_BATCH])
    return len(ids)


@shared_task(name="meetups.tasks.tell_change_batch")
def tell_change_batch(meetup_id: int, sequence: int, fan_ids: list[int]) -> int:
    """Tell these fans of change `sequence`; fans already told of it are skipped (a re-run sends nothing twice)."""
    meetup = Meetup.objects.select_related("city").get(pk=meetup_id)
    if meetup.sequence != sequence:
        return 0
    group = changes.change_group(meetup, sequence)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"meetups.tell:{group}"])
        fans = list(User.objects.filter(pk__in=fan_ids).exclude(notifications__group=group))
        mail.notify_text(fans, meetup, lambda: changes.change_text(meetup), group)
    return len(fans)


@shared_task(name="meetups.tasks.message_attendees")
def message_attendees(message_id: int) -> int:
    """Split a staff message's recipients into batches, one task each."""
    message = AttendeeMessage.objects.select_related("meetup").get(pk=message_id)
    ids = list(messaging.audience_fan_ids(message.meetup, message.audience))
    for start in range(0, len(ids), publishing.NOTIFY_BATCH):
        enqueue("meetups.tasks.message_batch", message_id, ids[start : start + publishing.NOTIFY_BATCH])
    return len(ids)


@shared_task(name="meetups.tasks.message_batch")
def message_batch(message_id: int, fan_ids: list[int]) -> int:
    """Send a staff message to these fans; fans who already have it are skipped (safe to run twice)."""
    message = AttendeeMessage.objects.select_related("meetup").get(pk=message_id)
    group = messaging.message_group(message)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"meetups.tell:{group}"])
        fans = list(User.objects.filter(pk__in=fan_ids).exclude(notifications__group=group))
        mail.notify_text(fans, message.meetup, lambda: messaging.message_text(message), group)
    return len(fans)


@shared_task(name="meetups.tasks.release_unconfirmed_seats")
def release_unconfirmed_seats() -> int:
    """Beat, every 5 minutes: late-promoted seats not confirmed in time pass to the next waiting fans."""
    return registration.release_unconfirmed_seats()


@shared_task(name="meetups.tasks.remind_unconfirmed_seats")
def remind_unconfirmed_seats() -> int:
    """Beat, every 5 minutes: fans holding a late seat are reminded to confirm it halfway to the deadline, once."""
    return reminders.remind_unconfirmed_seats()


@shared_task(name="meetups.tasks.tell_launch_outcomes")
def tell_launch_outcomes(launch_id: int, signup_ids: list[int]) -> int:
    """Queued by the allocator with each batch: the fans of that batch hear their outcome, once."""
    return launches.tell_outcomes(launch_id, signup_ids)
