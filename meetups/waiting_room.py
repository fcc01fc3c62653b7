"""The waiting room: when sign-ups arrive faster than the site takes them, fans wait on a light page.

The gate is one Redis call (a Lua script, atomic) per attempt: each fan who arrives takes a ticket
(1, 2, 3 ... per launch), and the gate serves tickets in that order at `LAUNCH_ADMIT_PER_SECOND`
with a burst of `LAUNCH_ADMIT_BURST`. A fan whose ticket is not served yet gets the waiting room
page, which carries the signed ticket, so their retry keeps their place in the queue, and retries by
itself (static/js/waiting_room.js; without JavaScript a button does it).

The middleware runs before authentication and CSRF, so a retry costs no database work at all: no
session read (the session is read lazily, and not here), no user, no template context processor. The
page is rendered from a plain template without the site's chrome.

If Redis is unreachable the gate admits everyone (the sign-up itself needs only PostgreSQL, which
refuses nothing it cannot hold): Redis losing its counters loses no sign-up, it only opens the gate.
"""

import re
import time
from dataclasses import dataclass
from typing import cast

import redis
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse

from fancity.lib.cache import UNREACHABLE, ForgivingRedisCache

SIGN_UP_PATH = re.compile(r"^/meetups/launches/(\d+)/sign-up/$")
TICKET_SALT = "meetups.waiting-room"
TICKET_MAX_AGE = 3600

# KEYS[1]: the launch's queue. ARGV: now (ms), rate (per second), burst, ticket (0: a new arrival).
# Returns {admitted 0/1, ticket, serving}.
GATE = """
local h = KEYS[1]
local now = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local ticket = tonumber(ARGV[4])
local issued = tonumber(redis.call('HGET', h, 'issued') or '0')
local serving = tonumber(redis.call('HGET', h, 'serving') or ARGV[3])
local last = tonumber(redis.call('HGET', h, 'last') or ARGV[1])
local advance = math.floor((now - last) * rate / 1000)
if advance > 0 then
  serving = serving + advance
  last = last + advance * 1000 / rate
end
if ticket == 0 then
  issued = issued + 1
  ticket = issued
end
if serving > issued + burst then
  serving = issued + burst
  last = now
end
redis.call('HSET', h, 'issued', issued, 'serving', serving, 'last', last)
redis.call('PEXPIRE', h, 3600000)
if ticket <= serving then return {1, ticket, serving} end
return {0, ticket, serving}
"""


@dataclass(frozen=True)
class Decision:
    admitted: bool
    ticket: int = 0
    ahead: int = 0


def _session_tag(request) -> str:
    return request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")[-12:]


def admit(request, launch_id: int) -> Decision:
    """One Redis call: may this attempt go on to sign up now? Admits everyone when Redis is unreachable."""
    ticket = 0
    held = request.POST.get("ticket", "")
    if held:
        try:
            data = signing.loads(held, salt=TICKET_SALT, max_age=TICKET_MAX_AGE)
            if data.get("l") == launch_id and data.get("s") == _session_tag(request):
                ticket = int(data["t"])
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            ticket = 0
    try:
        admitted, ticket, serving = gate(launch_id, ticket)
    except UNREACHABLE:
        return Decision(True)
    return Decision(admitted, ticket, max(ticket - serving, 0))


def gate(launch_id: int, ticket: int = 0, now_ms: int | None = None) -> tuple[bool, int, int]:
    """One call of the Lua script: (admitted, the fan's ticket, the last ticket served). `ticket` 0 is a
    new arrival. Raises one of UNREACHABLE (and trips the cache's breaker) when Redis does not answer."""
    shared = cast(ForgivingRedisCache, cache)  # settings.CACHES: the gate shares the cache's Redis and breaker
    if shared.breaker.is_open():
        raise redis.ConnectionError("the cache's Redis was unreachable a moment ago")
    try:
        admitted, ticket, serving = shared.master().eval(
            GATE,
            1,
            f"fancity:waiting-room:{launch_id}",
            int(time.time() * 1000) if now_ms is None else now_ms,
            settings.LAUNCH_ADMIT_PER_SECOND,
            settings.LAUNCH_ADMIT_BURST,
            ticket,
        )
    except UNREACHABLE as error:
        shared.breaker.trip(error)
        raise
    return bool(admitted), int(ticket), int(serving)


def retry_after(decision: Decision) -> int:
    """Seconds until the page retries: about when the fan's ticket comes up, between 1 and 10."""
    return max(1, min(10, round(decision.ahead / max(settings.LAUNCH_ADMIT_PER_SECOND, 1))))


def waiting_page(request, launch_id: int, decision: Decision) -> HttpResponse:
    ticket = signing.dumps({"l": launch_id, "t": decision.ticket, "s": _session_tag(request)}, salt=TICKET_SALT)
    html = render_to_string(
        "meetups/waiting_room.html",
        {
            "action": request.path,
            "back": reverse("meetups:launch", args=[launch_id]),
            "ticket": ticket,
            "csrf": request.POST.get("csrfmiddlewaretoken", ""),
            "ahead": decision.ahead,
            "retry": retry_after(decision),
            "language": getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE),
        },
    )
    response = HttpResponse(html)
    response["Cache-Control"] = "no-store"
    response["X-Waiting-Room"] = str(decision.ahead)
    return response


class WaitingRoomMiddleware:
    """Before anything reads the database: a launch's sign-up POST goes through the gate first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST":
            match = SIGN_UP_PATH.match(request.path_info)
            if match:
                launch_id = int(match.group(1))
                decision = admit(request, launch_id)
                if not decision.admitted:
                    return waiting_page(request, launch_id, decision)
        return self.get_response(request)
