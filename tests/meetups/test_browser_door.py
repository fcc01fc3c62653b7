"""Phone-sized browser flows (390x844): a fan registers, finds the meetup in My meetups and opens the
ticket; event staff run the door (this Chromium has no camera and no BarcodeDetector: the jsQR
fallback loads from our static files, the camera button says why it cannot scan, the manual paths work)."""

import datetime

import pytest
from django.utils import timezone

from meetups.models import Registration
from meetups.registration import register_for_meetup
from tests.factories import UserFactory
from tests.helpers import signed_in
from tests.meetups.factories import MeetupFactory, event_staff


def _console_errors(page) -> list:
    """Console errors and failed requests (the browser's own favicon request is not ours to answer)."""
    errors = []

    def console(message):
        where = message.location.get("url", "")
        if message.type == "error" and not where.endswith("/favicon.ico"):
            errors.append(f"{message.text} {where}")

    page.on("console", console)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


@pytest.mark.browser
def test_a_fan_registers_then_finds_the_ticket_in_my_meetups(browser, live_server):
    meetup = MeetupFactory(title="深圳见面会")
    fan = UserFactory(display_name="小红")
    page = signed_in(browser, live_server, fan)
    try:
        errors = _console_errors(page)
        page.goto(f"{live_server.url}{meetup.get_absolute_url()}")
        page.locator("#register-button").click()
        page.locator(".state.confirmed").wait_for()
        page.goto(f"{live_server.url}/meetups/")
        page.locator("#my-meetups-link").click()
        item = page.locator("#my-upcoming .my-meetup", has_text="深圳见面会")
        assert item.get_attribute("data-state") == "confirmed"
        item.locator(".ticket-link").click()
        page.locator(".qr svg").wait_for()
        assert page.locator(".ticket-holder").inner_text() == "小红"
        code = Registration.objects.get(fan=fan).ticket_code
        assert page.locator(".ticket-code").inner_text() == code
        assert errors == []
    finally:
        page.context.close()


@pytest.mark.browser
def test_the_door_on_a_phone_without_camera_search_and_typed_code(browser, live_server):
    meetup = MeetupFactory(
        starts_at=timezone.now() + datetime.timedelta(hours=1), registration_closes_at=None, cancel_cutoff=None
    )
    forgot = register_for_meetup(UserFactory(display_name="忘带手机", username="nophone"), meetup)
    typed = register_for_meetup(UserFactory(display_name="带了票"), meetup)
    page = signed_in(browser, live_server, event_staff())
    try:
        errors = _console_errors(page)
        scripts = {}
        page.on("response", lambda r: scripts.update({r.url.rsplit("/", 1)[-1]: r.status}))
        page.goto(f"{live_server.url}/meetups/{meetup.pk}/check-in/")
        button = page.locator("#scan-button")
        page.locator("#scan-button[data-decoder='jsqr']").wait_for()  # no BarcodeDetector here: jsQR loaded
        assert scripts.get("jsQR.js") == 200 and scripts.get("checkin.js") == 200
        assert page.evaluate("typeof window.jsQR") == "function"
        button.click()  # no camera in this Chromium: a clear message, and the code box gets the cursor
        status = page.locator("#scan-status")
        status.wait_for()
        assert "摄像头" in status.inner_text()
        assert page.evaluate("document.activeElement.id") == "id_code"

        page.locator("#door-q").fill("忘带")
        page.locator(".door-search button[type=submit]").click()
        page.locator(f"#door-results [data-registration='{forgot.pk}'] .door-check-in").click()
        page.locator("#checkin-done").wait_for()
        assert "忘带手机" in page.locator("#checkin-done").inner_text()

        page.locator("#id_code").fill(typed.ticket_code.lower())
        page.locator("#checkin-form button[type=submit]").first.click()
        page.locator("#confirm-checkin").click()
        page.locator("#checkin-done").wait_for()
        assert "带了票" in page.locator("#checkin-done").inner_text()
        assert errors == []
    finally:
        page.context.close()
    assert Registration.objects.filter(checked_in_at__isnull=False).count() == 2
