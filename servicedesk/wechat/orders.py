"""Order status through the brand's order system (`WECHAT_ORDER_HOOK_URL`; contract in servicedesk/README.md).

    GET <hook>?order=<number>   →  200 {"order": "...", "status": "...", "status_en": "...", "updated": "..."}
                                    404 when the order is unknown

Called from a Celery task (never in the webhook's 5 seconds) with a 2-second timeout; whatever goes
wrong, the fan gets a polite message through the customer-service API instead of a status.
"""

import logging

import requests
from django.conf import settings
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

TIMEOUT = 2.0


def look_up(number: str, language: str) -> str:
    """What to tell the fan about order `number`, in the active language."""
    try:
        response = requests.get(settings.WECHAT_ORDER_HOOK_URL, params={"order": number}, timeout=TIMEOUT)
        if response.status_code == 404:
            return _("We found no order %(number)s. Please check the number.") % {"number": number}
        response.raise_for_status()
        data = response.json()
        status = data.get("status_en") if language.startswith("en") and data.get("status_en") else data["status"]
    except (requests.RequestException, ValueError, KeyError, TypeError, AttributeError) as error:
        logger.warning("Order lookup for %s failed: %s", number, error)
        return _(
            "Sorry, we cannot look up order %(number)s right now. Please try again later, or write to us "
            "and a member of staff will help."
        ) % {"number": number}
    text = _("Order %(number)s: %(status)s") % {"number": number, "status": str(status)[:200]}
    if data.get("updated"):
        text += "\n" + _("Updated: %(when)s") % {"when": str(data["updated"])[:40]}
    return text
