"""The client's address, the one key every per-address limit uses (allauth's and the site's own).

Behind the README's TLS proxy, REMOTE_ADDR is the proxy's address for every fan. Each trusted
proxy appends the address it received the request from to X-Forwarded-For, so with N trusted
proxies the client is the N-th entry from the right; whatever a client wrote further left is its
own claim and is ignored. With no trusted proxy (ALLAUTH_TRUSTED_PROXY_COUNT = 0, the default)
the header is ignored entirely, so a spoofed header cannot escape a limit.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _clean(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:443"
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The address of the fan's machine as the outermost trusted proxy saw it."""
    remote = _clean(request.META.get("REMOTE_ADDR", "")) or "0.0.0.0"
    trusted = getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if trusted <= 0 or not forwarded:
        return remote
    hops = [hop for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote
    # Fewer hops than trusted proxies: the request skipped an outer proxy, and every hop present was
    # still written by a trusted one, so the leftmost is the best address we have.
    return _clean(hops[max(len(hops) - trusted, 0)]) or remote
