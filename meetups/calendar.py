"""A one-event iCalendar file (RFC 5545), enough for phone and desktop calendars."""

import datetime
from email.utils import parseaddr

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from meetups.models import Meetup


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded (continuation lines start with a space)."""
    out, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > 73:
            out.append(current.decode())
            current = b""
        current += encoded
    out.append(current.decode())
    return "\r\n ".join(out)


def _organizer() -> str:
    """ORGANIZER (RFC 5545 3.8.4.3): the site, as the address its mail comes from, named as that mail
    names it (in the site's language). The name is a quoted parameter value, which may hold any
    character but a double quote or a control character."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if name in ("", "Fancity", "粉丝城"):
        with translation.override(settings.LANGUAGE_CODE):
            name = gettext("Fancity")
    name = "".join(c for c in name if c != '"' and c.isprintable())
    return f'ORGANIZER;CN="{name}":mailto:{address}'


def meetup_ics(meetup: Meetup, method: str = "PUBLISH") -> str:
    """The meetup as one event. `method` is PUBLISH for a download or a change, CANCEL in the mail
    that says it is cancelled (RFC 5546): with the same UID and a higher SEQUENCE, calendars that
    hold the event update or remove it instead of adding a second one."""
    host = settings.SITE_URL.split("//")[-1].split("/")[0].split(":")[0] or "fancity"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Fancity//Meetups//EN",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:meetup-{meetup.pk}@{host}",
        f"DTSTAMP:{_utc(datetime.datetime.now(datetime.UTC))}",
        # Raised by every cancel or reschedule, so calendars replace the event they already hold.
        f"SEQUENCE:{meetup.sequence}",
        f"STATUS:{'CANCELLED' if meetup.status == Meetup.Status.CANCELLED else 'CONFIRMED'}",
        f"DTSTART:{_utc(meetup.starts_at)}",
        f"DTEND:{_utc(meetup.end)}",
        f"SUMMARY:{_escape(meetup.title)}",
        f"LOCATION:{_escape(', '.join(p for p in [meetup.venue, meetup.address, meetup.city.name] if p))}",
        f"DESCRIPTION:{_escape(meetup.agenda[:1000])}",
        f"URL:{settings.SITE_URL}{meetup.get_absolute_url()}",
        _organizer(),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
