"""Large events for tests, made as staff make them (with their line's sequence and, for a draw, the seed)."""

import datetime

from django.utils import timezone

from meetups import launches
from meetups.launch_models import Launch
from tests.meetups.factories import event_staff


def make_launch(capacity=10, mode=Launch.Mode.FIRST_COME, **kwargs) -> Launch:
    now = timezone.now()
    fields = {
        "title": "Phone launch",
        "capacity": capacity,
        "mode": mode,
        "opens_at": now - datetime.timedelta(minutes=1),
        "closes_at": now + datetime.timedelta(hours=1),
        "published": True,
        **kwargs,
    }
    return launches.create_launch(event_staff(), Launch(**fields))
