import datetime

import factory
from django.utils import timezone

from accounts.models import City
from meetups.models import Meetup


def _in(**kwargs):
    return lambda o: timezone.now() + datetime.timedelta(**kwargs)


class MeetupFactory(factory.django.DjangoModelFactory):
    """A published first-come meetup in Shenzhen, registration open now, in ten days."""

    class Meta:
        model = Meetup

    city = factory.LazyFunction(lambda: City.objects.get(slug="shenzhen"))
    title = factory.Sequence(lambda n: f"见面会 {n}")
    status = Meetup.Status.PUBLISHED
    starts_at = factory.LazyAttribute(_in(days=10))
    venue = "科技园"
    address = "南山区科技园 1 号"
    capacity = 40
    registration_opens_at = factory.LazyAttribute(_in(days=-1))
    registration_closes_at = factory.LazyAttribute(_in(days=8))
    cancel_cutoff = factory.LazyAttribute(_in(days=9))


def make_fans(n: int, prefix: str = "rush", city_slug: str = "shenzhen") -> list:
    """`n` fans in one insert (no password hashing), for tests that need many."""
    from accounts.models import User

    city = City.objects.get(slug=city_slug)
    return User.objects.bulk_create(
        [
            User(
                username=f"{prefix}{i}",
                email=f"{prefix}{i}@example.com",
                display_name=f"{prefix}{i}",
                city=city,
                password="!",
            )
            for i in range(n)
        ]
    )


def event_staff(**kwargs):
    """A member of the Event staff group (meetups powers; `is_staff` alone grants none)."""
    from django.contrib.auth.models import Group

    from accounts.roles import EVENT_STAFF
    from tests.factories import UserFactory

    user = UserFactory(is_staff=True, **kwargs)
    user.groups.add(Group.objects.get(name=EVENT_STAFF))
    return user
