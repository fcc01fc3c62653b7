"""Demo fans for a newcomer's site: a few hundred fans over the cities, a staff user and a fan user."""

import datetime
import random

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import City, DailyActivity, User
from accounts.roles import CORE_TESTERS, EVENT_STAFF, MODERATORS

STAFF = ("staff", "staff@fancity.example", "staff-demo-pass")
FAN = ("fan", "fan@fancity.example", "fan-demo-pass")
DEMO_FANS = 300


def _verified_user(username, email, password, **fields) -> User:
    user, created = User.objects.get_or_create(username=username, defaults={"email": email, **fields})
    if created:
        user.set_password(password)
        user.save()
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def load() -> list[str]:
    """Create the demo fans unless they exist; return lines that tell how to log in."""
    rng = random.Random(42)
    cities = list(City.objects.all())
    beijing = City.objects.get(slug="beijing")
    staff = _verified_user(*STAFF, display_name="粉丝城官方", city=beijing, is_staff=True, is_superuser=True)
    staff.groups.add(*Group.objects.filter(name__in=[MODERATORS, EVENT_STAFF]))
    fan = _verified_user(*FAN, display_name="小米粉", city=City.objects.get(slug="shenzhen"))
    fan.groups.add(*Group.objects.filter(name=CORE_TESTERS))

    if not User.objects.filter(username__startswith="demo").exists():
        password = make_password("demo-pass")
        # Big cities get more fans, so that the city ranking has a shape.
        weights = [1 / (i + 1) ** 0.7 for i in range(len(cities))]
        today = timezone.localdate()
        fans = [
            User(
                username=f"demo{i:04d}",
                email=f"demo{i:04d}@fancity.example",
                password=password,
                display_name=f"粉丝{i:04d}",
                city=rng.choices(cities, weights)[0],
                date_joined=timezone.now() - datetime.timedelta(days=rng.randint(0, 400)),
            )
            for i in range(DEMO_FANS)
        ]
        User.objects.bulk_create(fans)
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in fans]
        )
        activity = []
        for u in fans:
            if rng.random() < 0.6:  # 40% of sign-ups never come back
                days = sorted({today - datetime.timedelta(days=rng.randint(0, 90)) for _ in range(rng.randint(1, 20))})
                activity += [DailyActivity(user=u, day=d) for d in days]
                u.last_active_on = days[-1]
        DailyActivity.objects.bulk_create(activity, ignore_conflicts=True)
        User.objects.bulk_update([u for u in fans if u.last_active_on], ["last_active_on"], batch_size=500)
    return [
        f"Staff login: {STAFF[0]} / {STAFF[2]}  (admin at /admin/)",
        f"Fan login:   {FAN[0]} / {FAN[2]}",
    ]
