""" "Is registration open" is written once in Python (Meetup.registration_closed_reason) and repeated
for speed in SQL (the database function meetups_register). These tests call the SQL function
directly for every status and every side of every boundary, and assert the two agree."""

import datetime
import itertools

import pytest
from django.db import connection

from accounts.models import City
from meetups.models import Meetup, new_ticket_code
from meetups.registration import CLOSED
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2030, 6, 1, 12, 0, tzinfo=datetime.UTC)
TICK = datetime.timedelta(microseconds=1)
DAY = datetime.timedelta(days=1)
STARTS = {"started": -DAY, "starts now": datetime.timedelta(0), "upcoming": 10 * DAY}
OPENS = {"never opens": None, "opened": -DAY, "opens now": datetime.timedelta(0), "opens next tick": TICK}
CLOSES = {"never closes": None, "closed a tick ago": -TICK, "closes now": datetime.timedelta(0), "closes": DAY}


# Every status with every start, opening and closing on each side of `now` and on it.
GRID = list(itertools.product(Meetup.Status.values, STARTS, OPENS, CLOSES))


def _meetup(status: str, starts: str, opens: str, closes: str) -> Meetup:
    """An unsaved meetup in this case."""

    def at(offset):
        return None if offset is None else NOW + offset

    return Meetup(
        city=City(pk=1),
        title="规则",
        status=status,
        starts_at=at(STARTS[starts]),
        registration_opens_at=at(OPENS[opens]),
        registration_closes_at=at(CLOSES[closes]),
    )


def _sql_outcome(meetup: Meetup, fan) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT outcome FROM meetups_register(%s, %s, %s, %s, %s)",
            [meetup.pk, fan.pk, "", new_ticket_code(), NOW],
        )
        (outcome,) = cursor.fetchone()
    return None if outcome == "ok" else outcome


@pytest.mark.parametrize("code", [*CLOSED, None], ids=lambda code: code or "open")
def test_sql_function_agrees_with_python_on_every_case_python_answers(code):
    cases = [case for case in GRID if _meetup(*case).registration_closed_reason(NOW) == code]
    assert cases, "the grid must reach every refusal code and the open case"
    city, fan = City.objects.get(slug="shenzhen"), UserFactory()
    disagreements = []
    for case in cases:
        meetup = _meetup(*case)
        meetup.city = city
        meetup.save()
        if (sql := _sql_outcome(meetup, fan)) != code or meetup.registration_is_open(NOW) != (code is None):
            disagreements.append(f"{' / '.join(case)}: Python {code}, SQL {sql}")
    assert disagreements == []
