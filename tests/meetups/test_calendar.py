"""The meetup's calendar file, read as a calendar application reads it (RFC 5545).

The `icalendar` library is not in the project's virtualenv, so the file is parsed here by the RFC's
rules: lines end in CRLF and hold at most 75 octets, a line starting with a space or tab continues the
previous one, and a content line is name *(";" param) ":" value, where a parameter value may be
quoted and a quoted value may hold ";", ":" and ",".
"""

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.meetups.factories import MeetupFactory

pytestmark = pytest.mark.django_db
PARAM = re.compile(r';([A-Za-z0-9-]+)=("[^"\x00-\x08\x0a-\x1f\x7f]*"|[^";:,\x00-\x08\x0a-\x1f\x7f]*)')
NAME = re.compile(r"[A-Za-z0-9-]+")


def content_lines(data: bytes) -> list[tuple[str, dict[str, str], str]]:
    """(name, parameters, value) of every content line, after unfolding."""
    assert data.endswith(b"\r\n")
    physical = data[:-2].split(b"\r\n")
    assert all(len(line) <= 75 for line in physical), "a line longer than 75 octets"
    assert not any(b"\n" in line or b"\r" in line for line in physical), "a bare LF or CR"
    unfolded: list[bytes] = []
    for line in physical:
        if line[:1] in (b" ", b"\t"):
            unfolded[-1] += line[1:]
        else:
            unfolded.append(line)
    parsed = []
    for raw in unfolded:
        line = raw.decode("utf-8")
        name = NAME.match(line)
        assert name, line
        rest, params = line[name.end() :], {}
        while rest.startswith(";"):
            param = PARAM.match(rest)
            assert param, f"a malformed parameter in {line!r}"
            params[param.group(1).upper()] = param.group(2).strip('"')
            rest = rest[param.end() :]
        assert rest.startswith(":"), line
        parsed.append((name.group().upper(), params, rest[1:]))
    return parsed


def event_of(data: bytes) -> dict[str, list[tuple[dict, str]]]:
    lines = content_lines(data)
    names = [name for name, _, _ in lines]
    assert names[0] == "BEGIN" and lines[0][2] == "VCALENDAR" and names[-1] == "END"
    start = next(i for i, (n, _, v) in enumerate(lines) if n == "BEGIN" and v == "VEVENT")
    end = next(i for i, (n, _, v) in enumerate(lines) if n == "END" and v == "VEVENT")
    event: dict[str, list[tuple[dict, str]]] = {}
    for name, params, value in lines[start + 1 : end]:
        event.setdefault(name, []).append((params, value))
    return event


@override_settings(DEFAULT_FROM_EMAIL="noreply@fancity.example")
def test_the_calendar_file_names_the_site_as_organizer(client):
    meetup = MeetupFactory(title="深圳见面会")
    response = client.get(reverse("meetups:ics", args=[meetup.pk]))
    event = event_of(response.content)
    assert len(event["ORGANIZER"]) == 1  # exactly once, as RFC 5545 allows
    params, value = event["ORGANIZER"][0]
    assert value == "mailto:noreply@fancity.example"
    assert params == {"CN": "粉丝城"}  # the site's name in its language
    assert event["SUMMARY"] == [({}, "深圳见面会")]
    for required in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SEQUENCE", "STATUS"):
        assert len(event[required]) == 1, required


@override_settings(DEFAULT_FROM_EMAIL='"Fancity Events; Shenzhen, 深圳活动组" <events@fancity.example>')
def test_an_operator_chosen_sender_name_is_the_organizer_quoted_and_folded(client):
    meetup = MeetupFactory()
    event = event_of(client.get(reverse("meetups:ics", args=[meetup.pk])).content)
    params, value = event["ORGANIZER"][0]
    assert params == {"CN": "Fancity Events; Shenzhen, 深圳活动组"} and value == "mailto:events@fancity.example"
