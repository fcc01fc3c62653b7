"""The door's camera, end to end: a headless Chromium whose fake camera films a real ticket's QR code
(a Y4M file), scanned by the jsQR fallback (this Chromium has no BarcodeDetector) and checked in at once."""

import datetime

import pytest
import segno
from django.utils import timezone

from meetups.models import Registration
from meetups.registration import register_for_meetup
from meetups.tickets import ticket_token
from tests.factories import UserFactory
from tests.helpers import signed_in
from tests.meetups.factories import MeetupFactory, event_staff
from tests.meetups.test_browser_door import _console_errors

WIDTH, HEIGHT = 640, 480


def _camera_file(path, text: str) -> None:
    """A few grey-scale 4:2:0 frames of `text`'s QR code, black on white with its quiet zone."""
    qr = segno.make(text, error="m")  # as the ticket page draws it
    side = qr.symbol_size(scale=1, border=4)[0]
    scale = min(WIDTH, HEIGHT) * 9 // 10 // side
    top, left = (HEIGHT - side * scale) // 2, (WIDTH - side * scale) // 2
    luma = bytearray(b"\xff" * (WIDTH * HEIGHT))
    for y, row in enumerate(qr.matrix_iter(scale=scale, border=4)):
        start = (top + y) * WIDTH + left
        luma[start : start + side * scale] = bytes(0 if dark else 255 for dark in row)
    chroma = b"\x80" * (WIDTH // 2 * HEIGHT // 2)
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    header = f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame * 5)


@pytest.mark.browser
def test_the_door_scans_a_ticket_with_the_camera_through_jsqr(browser, live_server, tmp_path):
    meetup = MeetupFactory(
        starts_at=timezone.now() + datetime.timedelta(hours=1), registration_closes_at=None, cancel_cutoff=None
    )
    registration = register_for_meetup(UserFactory(display_name="扫码入场"), meetup)
    assert registration.state == Registration.State.CONFIRMED
    camera = tmp_path / "ticket.y4m"
    _camera_file(camera, ticket_token(registration))

    # Its own Chromium (same Playwright), with a fake camera that films the ticket.
    chromium = browser.browser_type.launch(
        executable_path="/usr/bin/chromium",
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={camera}",
        ],
    )
    try:
        page = signed_in(chromium, live_server, event_staff())
        page.context.grant_permissions(["camera"], origin=live_server.url)
        errors = _console_errors(page)
        page.goto(f"{live_server.url}/meetups/{meetup.pk}/check-in/")
        # No built-in detector in this Chromium, so the scan below can only be jsQR's.
        assert page.evaluate("'BarcodeDetector' in window") is False
        page.locator("#scan-button[data-decoder='jsqr']").wait_for()
        page.locator("#scan-button").click()
        # Scanned and checked in at once, no second tap: the fan's name says so.
        page.locator("#door-result[data-result='ok']").wait_for()
        assert "扫码入场" in page.locator("#door-result").inner_text()
        assert errors == []
    finally:
        chromium.close()
    registration.refresh_from_db()
    assert registration.checked_in_at is not None
