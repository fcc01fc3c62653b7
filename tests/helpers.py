"""Small helpers that tests across apps share."""

import time

from django.test import Client


def wait_until(condition, timeout: float = 20.0, what: str = "the Celery worker to finish"):
    """Poll `condition` until it returns something truthy (and return that), or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return result


def signed_in(browser, live_server, user):
    """A phone-sized Chinese browser page with `user`'s session (the login form has its own test)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page
