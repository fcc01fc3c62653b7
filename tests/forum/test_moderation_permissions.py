"""`can_moderate` (Python, one board) and `moderated_boards` (SQL, many) agree for every kind of user."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.roles import CORE_TESTERS, MODERATORS
from forum.models import Board, BoardModerator
from forum.moderation.moderators import nav_boards
from forum.permissions import can_moderate, moderated_boards
from tests.forum.factories import fan

pytestmark = pytest.mark.django_db


def _appoint(user, *slugs):
    for slug in slugs:
        BoardModerator.objects.create(user=user, board=Board.objects.get(slug=slug))
    return user


def _grouped(user, *names):
    user.groups.add(*Group.objects.filter(name__in=names))
    return user


CASES = {
    "fan": lambda: fan(),
    "board moderator": lambda: _appoint(fan(), "general", "city-shenzhen"),
    "board moderator of the beta board, not a tester": lambda: _appoint(fan(), "beta"),
    "board moderator of the beta board and a tester": lambda: _grouped(_appoint(fan(), "beta"), CORE_TESTERS),
    "banned board moderator": lambda: _appoint(
        fan(banned_until=timezone.now() + datetime.timedelta(days=1)), "general"
    ),
    "deactivated board moderator": lambda: _appoint(fan(is_active=False), "general"),
    "site-wide moderator": lambda: _grouped(fan(), MODERATORS),
    "site-wide moderator and tester": lambda: _grouped(fan(), MODERATORS, CORE_TESTERS),
    "staff without a role": lambda: fan(is_staff=True),
    "superuser": lambda: fan(is_superuser=True, is_staff=True),
}


@pytest.mark.parametrize("case", CASES)
def test_python_and_sql_agree(case):
    user = CASES[case]()
    boards = list(Board.objects.all())
    expected = {b.pk for b in boards if can_moderate(user, b)}
    assert set(moderated_boards(user).values_list("pk", flat=True)) == expected
    nav = nav_boards(
        user,
        site=user.groups.filter(name=MODERATORS).exists() or user.is_superuser,
        tester=user.groups.filter(name=CORE_TESTERS).exists(),
        own=list(BoardModerator.objects.filter(user=user).values_list("board_id", flat=True)),
    )
    counted = set()
    if nav is not None:
        listed = boards if nav.every else [b for b in boards if b.pk in nav.ids]
        counted = {b.pk for b in listed if nav.beta or b.kind != "beta"}
    assert counted == expected  # what the navigation counts


def test_an_appointment_reaches_the_fan_s_next_page(client):
    user = fan()
    client.force_login(user)
    assert "/forum/moderation/" not in client.get("/forum/").content.decode()
    _appoint(user, "general")  # as the admin does: their boards come with their row, nothing is cached
    assert "/forum/moderation/" in client.get("/forum/").content.decode()
    assert client.get("/forum/moderation/").status_code == 200
