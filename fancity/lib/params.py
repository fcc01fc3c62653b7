"""Reading what a request carries, without trusting it: integers, redirect targets, NUL bytes.

`str.isdigit()` is true for "²" and "٣", `int()` accepts " 7 ", "1_000" and twenty-digit numbers
that PostgreSQL cannot hold, and PostgreSQL refuses text with a NUL byte: each of those turned a
hostile query string into an HTTP 500. Views read numbers with `int_param` and redirect targets with
`safe_next`; `RejectNulBytesMiddleware` answers 400 to a NUL byte in a path, query or cookie.
"""

import re
from collections.abc import Iterable
from typing import overload

from django.core.exceptions import SuspiciousOperation
from django.utils.http import url_has_allowed_host_and_scheme

# A database id fits PostgreSQL's bigint; a page number past a million is never a real page.
MAX_ID = 2**63 - 1
MAX_PAGE = 1_000_000

_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


@overload
def int_param(raw: object, default: int, *, minimum: int = 1, maximum: int = MAX_ID) -> int: ...
@overload
def int_param(raw: object, default: None = None, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None: ...
def int_param(raw: object, default: int | None = None, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """`raw` as an int if it is ASCII digits only and within [minimum, maximum], else `default`."""
    if not isinstance(raw, str) or not _ASCII_DIGITS.fullmatch(raw):
        return default
    value = int(raw)
    return value if minimum <= value <= maximum else default


def int_params(raws: Iterable[object], *, minimum: int = 1, maximum: int = MAX_ID) -> list[int]:
    """The valid ints among `raws` (a `getlist`), dropping the rest."""
    values = (int_param(raw, minimum=minimum, maximum=maximum) for raw in raws)
    return [value for value in values if value is not None]


def page_param(raw: object, last: int | None = None) -> int:
    """A 1-based page number: 1 when missing or invalid, at most `last` when the last page is known."""
    number = int_param(raw, 1, maximum=MAX_PAGE)
    return min(number, last) if last else number


def safe_next(request, raw: object, fallback: str) -> str:
    """A redirect target from the request (`next=`) only if it is a path on this site, else `fallback`."""
    if (
        isinstance(raw, str)
        and raw.startswith("/")
        and "\x00" not in raw
        and url_has_allowed_host_and_scheme(raw, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    ):
        return raw
    return fallback


class NulByteInRequest(SuspiciousOperation):
    """Django answers a SuspiciousOperation with 400 and logs it to django.security."""


def _has_nul(items: Iterable[tuple[str, list]]) -> bool:
    return any("\x00" in key or any(isinstance(v, str) and "\x00" in v for v in values) for key, values in items)


class RejectNulBytesMiddleware:
    """Refuse a request whose path, query string or cookies hold a NUL byte, with a 400.

    No text the site accepts may contain one (PostgreSQL cannot store it, and no link or browser
    sends it), and these have no form to show an error in, so they are refused once, here, for
    every view: ours, allauth's and the admin's. Form fields are left to the forms: Django's
    CharField rejects a NUL with a clear error and the page keeps what the fan wrote, where a bare
    400 would lose it; the views read no POST field past a form except through `int_param` and
    `safe_next`, which refuse it too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            "\x00" in request.path_info
            or _has_nul(request.GET.lists())
            or any("\x00" in k or "\x00" in v for k, v in request.COOKIES.items())
        ):
            raise NulByteInRequest("A NUL byte in the path, query string or cookies")
        return self.get_response(request)
