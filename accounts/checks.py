"""Deploy checks (`manage.py check --deploy`) for the settings that links in mail and calendar files use.

SITE_URL makes every absolute link the site sends out of a request (unsubscribe links, notification
targets, tickets and .ics files) and the host of every Message-ID: left at its development default,
on plain http or on a host the site does not serve, those links lead nowhere or leak over http.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.http.request import validate_host

DEVELOPMENT_SITE_URL = "http://127.0.0.1:8000"


@register(Tags.security, deploy=True)
def check_site_url(app_configs, **kwargs) -> list[Error]:
    url = settings.SITE_URL
    parts = urlsplit(url)
    errors = []
    if url == DEVELOPMENT_SITE_URL:
        errors.append(
            Error(
                f"SITE_URL is the development default ({DEVELOPMENT_SITE_URL}): mail and calendar links point there.",
                hint="Set SITE_URL to the site's public address, e.g. https://fancity.example.com.",
                id="accounts.E001",
            )
        )
    if parts.scheme != "https":
        errors.append(
            Error(
                f"SITE_URL ({url}) is not https: links in mail would send fans to plain http.",
                hint="Use the https address the TLS proxy serves.",
                id="accounts.E002",
            )
        )
    if not parts.hostname or not validate_host(parts.hostname, settings.ALLOWED_HOSTS):
        errors.append(
            Error(
                f"SITE_URL's host ({parts.hostname or 'none'}) is not in ALLOWED_HOSTS {settings.ALLOWED_HOSTS}:"
                " the site would refuse the links it sends.",
                hint="Add the host to ALLOWED_HOSTS, or correct SITE_URL.",
                id="accounts.E003",
            )
        )
    return errors
