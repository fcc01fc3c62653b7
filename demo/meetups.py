"""Demo meetups: a ranking with a few months of history, a past meetup, open ones and a proposal."""

import datetime
import random

from django.db.models import Count
from django.utils import timezone

from accounts.models import City, DailyActivity, User
from meetups.models import CitySnapshot, Meetup, Registration
from meetups.ranking import rank_rows, snapshot_cities
from meetups.scheduling import schedule_next_meetup


def backfill_snapshots(weeks: int = 12) -> None:
    """Weekly snapshots of the past, rebuilt from the activity rows, so the trends have a shape."""
    city_ids = list(City.objects.values_list("pk", flat=True))
    today = timezone.localdate()
    for week in range(weeks, 0, -1):
        day = today - datetime.timedelta(weeks=week)
        if CitySnapshot.objects.filter(day=day).exists():
            continue
        active = dict(
            DailyActivity.objects.filter(
                day__gte=day - datetime.timedelta(days=29), day__lte=day, user__city__isnull=False
            )
            .values("user__city_id")
            .annotate(n=Count("user_id", distinct=True))
            .values_list("user__city_id", "n")
            .order_by()
        )
        total = dict(
            User.objects.filter(city__isnull=False, date_joined__date__lte=day)
            .values("city_id")
            .annotate(n=Count("id"))
            .values_list("city_id", "n")
            .order_by()
        )
        counts = {c: (active.get(c, 0), total.get(c, 0)) for c in city_ids}
        CitySnapshot.objects.bulk_create(
            [
                CitySnapshot(city_id=c, day=day, active_fans=a, all_fans=t, ratio=r, rank=k)
                for c, a, t, r, k in rank_rows(counts, city_ids)
            ],
            ignore_conflicts=True,
        )


def _fill(meetup: Meetup, fans: list[User], states: list[str]) -> None:
    Registration.objects.bulk_create(
        [
            Registration(
                meetup=meetup,
                fan=fan,
                state=state,
                order=i + 1,
                confirmed_at=timezone.now() if state == Registration.State.CONFIRMED else None,
            )
            for i, (fan, state) in enumerate(zip(fans, states, strict=False))
        ],
        ignore_conflicts=True,
    )


def load() -> list[str]:
    backfill_snapshots()
    snapshot_cities()
    if Meetup.objects.exists():
        return ["Meetups: demo meetups already there."]
    rng = random.Random(7)
    now = timezone.now()
    ranking = list(CitySnapshot.objects.filter(day=timezone.localdate()).order_by("rank").select_related("city")[:3])
    top, second = ranking[0].city, ranking[1].city
    shenzhen = City.objects.get(slug="shenzhen")
    State = Registration.State

    past = Meetup.objects.create(
        city=top,
        title=f"粉丝城见面会 · {top.name}",
        status=Meetup.Status.FINISHED,
        starts_at=now - datetime.timedelta(days=40),
        venue="城市书房",
        address=f"{top.name}市中心 1 号",
        agenda="新品体验、工程师问答、合影。",
        registration_opens_at=now - datetime.timedelta(days=60),
        registration_closes_at=now - datetime.timedelta(days=42),
        cancel_cutoff=now - datetime.timedelta(days=41),
    )
    locals_ = list(User.objects.filter(city=top, username__startswith="demo")[:40])
    _fill(past, locals_, [rng.choice([State.CONFIRMED] * 5 + [State.NO_SHOW]) for _ in locals_])
    Registration.objects.filter(meetup=past, state=State.CONFIRMED).update(checked_in_at=past.starts_at)

    open_meetup = Meetup.objects.create(
        city=second,
        title=f"粉丝城见面会 · {second.name}",
        status=Meetup.Status.PUBLISHED,
        starts_at=(now + datetime.timedelta(days=12)).replace(hour=6, minute=0, second=0, microsecond=0),
        venue="创意园 A 座",
        address=f"{second.name}科技大道 88 号",
        capacity=40,
        agenda="14:00 签到\n14:30 新品体验\n16:00 工程师问答\n17:00 合影",
        question="你最想问工程师什么？",
        registration_opens_at=now - datetime.timedelta(days=1),
        registration_closes_at=now + datetime.timedelta(days=10),
        cancel_cutoff=now + datetime.timedelta(days=11),
    )
    fans = list(User.objects.filter(city=second, username__startswith="demo")[:36])
    _fill(open_meetup, fans, [State.CONFIRMED] * len(fans))  # a few seats left for the demo fans

    Meetup.objects.create(
        city=shenzhen,
        title="深圳抽签见面会：工厂参观",
        status=Meetup.Status.PUBLISHED,
        mode=Meetup.Mode.DRAW,
        starts_at=(now + datetime.timedelta(days=20)).replace(hour=2, minute=0, second=0, microsecond=0),
        venue="南山工厂",
        address="深圳市南山区科技园",
        capacity=30,
        agenda="参观生产线，名额有限，报名截止后抽签。",
        registration_opens_at=now - datetime.timedelta(hours=1),
        registration_closes_at=now + datetime.timedelta(days=14),
        cancel_cutoff=now + datetime.timedelta(days=18),
    )

    fan = User.objects.filter(username="fan").first()
    if fan:
        Meetup.objects.create(
            city=fan.city or shenzhen,
            title="深圳湾骑行 + 拍照",
            kind=Meetup.Kind.FAN,
            approval=Meetup.Approval.PENDING,
            proposed_by=fan,
            starts_at=now + datetime.timedelta(days=30),
            venue="深圳湾公园",
            address="深圳市南山区滨海大道",
            capacity=30,
            registration_opens_at=now,
            registration_closes_at=now + datetime.timedelta(days=29),
            cancel_cutoff=now + datetime.timedelta(days=29),
        )
    draft = schedule_next_meetup()
    lines = ["Meetups: /meetups/ (open meetups), /meetups/cities/ (ranking)"]
    if draft:
        lines.append(f"Meetups: the scheduler drafted “{draft.title}”; publish it at /admin/meetups/meetup/")
    return lines
