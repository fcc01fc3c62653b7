import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from accounts.models import City, DailyActivity, Notification
from accounts.roles import EVENT_STAFF
from meetups.models import CitySnapshot, Meetup, SchedulerSettings
from meetups.ranking import snapshot_cities
from meetups.scheduling import fortnight_key, meetup_start, pick_city, schedule_next_meetup
from tests.factories import UserFactory
from tests.meetups.factories import MeetupFactory, make_fans

pytestmark = pytest.mark.django_db


def fans_in(slug: str, active: int, inactive: int = 0):
    today = timezone.localdate()
    fans = make_fans(active + inactive, prefix=f"{slug}-", city_slug=slug)
    for fan in fans[:active]:
        fan.last_active_on = today - datetime.timedelta(days=3)
    for fan in fans[active:]:
        fan.last_active_on = today - datetime.timedelta(days=45)
    type(fans[0]).objects.bulk_update(fans, ["last_active_on"])
    return fans


def hosted(slug: str, days_ago: int) -> Meetup:
    """An official meetup the city hosted `days_ago` days ago."""
    return MeetupFactory(
        city=City.objects.get(slug=slug),
        status=Meetup.Status.FINISHED,
        starts_at=timezone.now() - datetime.timedelta(days=days_ago),
    )


def test_snapshot_counts_active_and_all_fans_and_ranks_by_active(django_assert_max_num_queries):
    fans_in("chengdu", active=5, inactive=1)
    fans_in("beijing", active=3, inactive=7)
    with django_assert_max_num_queries(5) as queries:  # aggregate, city ids, savepoint, upsert, release
        snapshot_cities()
    reads_of_fans = [q["sql"] for q in queries.captured_queries if 'FROM "accounts_user"' in q["sql"]]
    assert len(reads_of_fans) == 1 and "GROUP BY" in reads_of_fans[0]
    chengdu = CitySnapshot.objects.get(city__slug="chengdu")
    beijing = CitySnapshot.objects.get(city__slug="beijing")
    assert (chengdu.active_fans, chengdu.all_fans, chengdu.rank) == (5, 6, 1)
    assert (beijing.active_fans, beijing.all_fans, beijing.rank, beijing.ratio) == (3, 10, 2, 0.3)
    assert CitySnapshot.objects.count() == City.objects.count()


def test_snapshot_twice_a_day_keeps_one_row_per_city():
    fans_in("chengdu", active=2)
    snapshot_cities()
    snapshot_cities()
    assert CitySnapshot.objects.filter(city__slug="chengdu").count() == 1


def test_scheduler_picks_best_ranked_city():
    fans_in("chengdu", active=5)
    fans_in("beijing", active=3)
    snapshot_cities()
    assert pick_city().slug == "chengdu"


def test_scheduler_skips_a_city_that_hosted_within_180_days():
    fans_in("chengdu", active=5)
    fans_in("beijing", active=3)
    snapshot_cities()
    hosted("chengdu", days_ago=100)
    assert pick_city().slug == "beijing"


def test_scheduler_takes_a_city_again_after_180_days_but_not_after_fan_meetups_only():
    fans_in("chengdu", active=5)
    snapshot_cities()
    hosted("chengdu", days_ago=181)
    MeetupFactory(city=City.objects.get(slug="chengdu"), kind=Meetup.Kind.FAN)
    assert pick_city().slug == "chengdu"


def test_the_180_days_are_configurable():
    fans_in("chengdu", active=5)
    fans_in("beijing", active=3)
    snapshot_cities()
    hosted("chengdu", days_ago=100)
    config = SchedulerSettings.load()
    config.no_repeat_days = 90
    config.save()
    assert pick_city().slug == "chengdu"


def test_schedule_creates_one_draft_per_fortnight_and_notifies_event_staff():
    fans_in("chengdu", active=5)
    staff = UserFactory()
    staff.groups.add(Group.objects.get(name=EVENT_STAFF))
    today = datetime.date(2030, 3, 4)  # a Monday
    meetup = schedule_next_meetup(today)
    assert meetup is not None and meetup.status == Meetup.Status.DRAFT and meetup.kind == Meetup.Kind.OFFICIAL
    assert meetup.city.slug == "chengdu" and meetup.capacity == 40
    assert schedule_next_meetup(today) is None  # run twice: nothing new
    assert schedule_next_meetup(today + datetime.timedelta(days=7)) is None  # next Monday, same fortnight
    assert fortnight_key(today) == fortnight_key(today + datetime.timedelta(days=13))
    assert Meetup.objects.count() == 1
    assert Notification.objects.filter(recipient=staff, kind="staff").count() == 1


def test_schedule_alternates_mondays():
    fans_in("chengdu", active=5)
    fans_in("beijing", active=3)
    monday = datetime.date(2030, 3, 4)
    created = [schedule_next_meetup(monday + datetime.timedelta(weeks=w)) for w in range(4)]
    assert [m is not None for m in created] == [True, False, True, False]
    assert [m.city.slug for m in created if m] == ["chengdu", "beijing"]  # chengdu hosts, then is skipped


def test_the_unique_fortnight_constraint_stops_a_racing_second_run():
    fans_in("chengdu", active=5)
    today = datetime.date(2030, 3, 4)
    first = schedule_next_meetup(today)
    # A second run that missed the first one's row (say, it read before the commit) hits the constraint.
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Meetup.objects.create(city=first.city, title="x", starts_at=first.starts_at, fortnight_key=first.fortnight_key)


def test_meetup_date_follows_settings():
    config = SchedulerSettings.load()
    config.weeks_ahead, config.weekday, config.start_time = 2, 5, datetime.time(15, 30)
    starts = timezone.localtime(meetup_start(datetime.date(2030, 3, 4), config))
    assert (starts.date(), starts.hour, starts.minute) == (datetime.date(2030, 3, 23), 15, 30)


def test_beat_has_the_meetups_tasks_for_staff_to_edit():
    names = set(PeriodicTask.objects.filter(task__startswith="meetups.").values_list("task", flat=True))
    assert {
        "meetups.tasks.snapshot_cities",
        "meetups.tasks.schedule_meetup",
        "meetups.tasks.send_reminders",
        "meetups.tasks.finish_meetups",
    } <= names
    schedule = PeriodicTask.objects.get(task="meetups.tasks.schedule_meetup").crontab
    assert schedule.day_of_week == "1"


def test_activity_rows_do_not_matter_only_last_active_on(django_assert_max_num_queries):
    fan = make_fans(1, prefix="x", city_slug="chengdu")[0]
    DailyActivity.objects.create(user=fan, day=timezone.localdate())
    snapshot_cities()
    assert CitySnapshot.objects.get(city__slug="chengdu").active_fans == 0  # last_active_on not set
