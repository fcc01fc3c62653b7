"""A fan on a 390 px phone signs up for a large event, sees the number in line, then the outcome (the page
refreshes itself); in a rush the waiting room takes the fan and retries by itself. Screenshots go to
tmp_path."""

import pytest
from django.test import override_settings

from meetups import allocation
from tests.helpers import signed_in
from tests.meetups.factories import make_fans
from tests.meetups.launch_factories import make_launch

WIDTH = 390


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


@pytest.mark.browser
def test_fan_signs_up_sees_the_number_then_the_outcome(browser, live_server, tmp_path):
    launch = make_launch(capacity=1, title="新品首发 · 50,000 台")
    (fan,) = make_fans(1, prefix="phonefan")
    page = signed_in(browser, live_server, fan)
    try:
        page.goto(f"{live_server.url}/meetups/launches/{launch.pk}/")
        page.click("#sign-up-button")
        in_line = page.locator("#in-line")
        in_line.wait_for()
        assert "1" in in_line.inner_text()
        assert page.locator(".msg").first.is_visible()  # the acknowledgement at once
        _fits(page)
        page.screenshot(path=str(tmp_path / "launch-in-line.png"), full_page=True)
        allocation.allocate_batch(launch.pk)
        page.locator("#outcome").wait_for(timeout=15_000)  # the page's own refresh shows it
        _fits(page)
        page.screenshot(path=str(tmp_path / "launch-outcome.png"), full_page=True)
    finally:
        page.context.close()


@pytest.mark.browser
@override_settings(LAUNCH_ADMIT_PER_SECOND=1, LAUNCH_ADMIT_BURST=0)
def test_the_waiting_room_retries_by_itself_and_lets_the_fan_in(browser, live_server, tmp_path):
    launch = make_launch(capacity=5)
    (fan,) = make_fans(1, prefix="waitfan")
    page = signed_in(browser, live_server, fan)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        page.goto(f"{live_server.url}/meetups/launches/{launch.pk}/")
        page.click("#sign-up-button")
        page.locator("#waiting-form").wait_for()
        _fits(page)
        page.screenshot(path=str(tmp_path / "waiting-room.png"), full_page=True)
        page.locator("#in-line").wait_for(timeout=20_000)  # no click: the page sent itself again
        assert not errors, errors  # nothing refused by the Content-Security-Policy
    finally:
        page.context.close()
