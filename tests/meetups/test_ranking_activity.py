"""The city ranking counts fans by what they did in the last 30 days (`User.last_active_on`, written by
accounts.activity.record_activity), not by posts: it reads no post, so the forum's visibility rule
(forum.visibility) does not enter it. A fan who posted in a thread that was withdrawn since was still
active that day; a deleted account is not a fan."""

import pytest
from django.core.cache import cache

from accounts.deletion import delete_account
from accounts.models import City
from forum.moderation import moderate
from meetups.models import CitySnapshot
from meetups.ranking import snapshot_cities
from tests.forum.factories import fan, staff, thread

pytestmark = pytest.mark.django_db


def test_a_fan_whose_thread_was_withdrawn_still_counts_as_active_a_deleted_one_does_not():
    city = City.objects.get(slug="shenzhen")
    poster, gone = fan(city=city), fan(city=city)
    cache.clear()  # record_activity writes once a day per fan (a cache key)
    withdrawn = thread(poster, title="my phone number is …")
    moderate.withdraw_thread(staff(city=None), withdrawn, "personal data")
    thread(gone)
    delete_account(gone)
    snapshot_cities()
    row = CitySnapshot.objects.get(city=city)
    assert (row.active_fans, row.all_fans) == (1, 1)
