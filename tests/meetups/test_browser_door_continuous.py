"""The door on a phone (390 px), end to end in Chromium: the fake camera films three tickets one after
the other and the door checks each in without a tap (the same ticket, seen for seconds, is sent once);
the last one is undone; then the network goes away: typed tickets are checked against the downloaded
list and queued, another phone lets one of them in meanwhile, and when the network is back the queue
is sent: one check-in, and one conflict logged."""

import datetime
import os
import pathlib
import time

import pytest
import segno
from django.utils import timezone

from meetups.checkin import check_in
from meetups.models import DoorEntry, Registration
from meetups.registration import register_for_meetup
from meetups.tickets import ticket_token
from tests.factories import UserFactory
from tests.helpers import signed_in
from tests.meetups.factories import MeetupFactory, event_staff
from tests.meetups.test_browser_door import _console_errors

WIDTH, HEIGHT = 480, 360
FPS, SECONDS_EACH = 5, 3
# Where the screenshots go for a person to look at (FANCITY_SCREENSHOTS=/tmp/shots); else the test's tmp.
SHOTS = os.environ.get("FANCITY_SCREENSHOTS")


def _frame(text: str) -> bytes:
    """One grey-scale 4:2:0 frame of `text`'s QR code, black on white with its quiet zone."""
    qr = segno.make(text, error="m")
    side = qr.symbol_size(scale=1, border=4)[0]
    scale = min(WIDTH, HEIGHT) * 9 // 10 // side
    top, left = (HEIGHT - side * scale) // 2, (WIDTH - side * scale) // 2
    luma = bytearray(b"\xff" * (WIDTH * HEIGHT))
    for y, row in enumerate(qr.matrix_iter(scale=scale, border=4)):
        start = (top + y) * WIDTH + left
        luma[start : start + side * scale] = bytes(0 if dark else 255 for dark in row)
    chroma = b"\x80" * (WIDTH // 2 * HEIGHT // 2)
    return b"FRAME\n" + bytes(luma) + chroma + chroma


def _camera_file(path, texts: list[str]) -> None:
    """A film that shows each ticket for SECONDS_EACH seconds, one after the other (then loops)."""
    header = f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg\n".encode()
    with path.open("wb") as film:
        film.write(header)
        for text in texts:
            film.write(_frame(text) * (FPS * SECONDS_EACH))


def _wait(condition, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition did not come true in time"
        time.sleep(0.1)


@pytest.mark.browser
def test_continuous_scan_of_three_tickets_undo_then_offline_and_sync(browser, live_server, tmp_path):
    meetup = MeetupFactory(
        starts_at=timezone.now() + datetime.timedelta(hours=1), registration_closes_at=None, cancel_cutoff=None
    )
    names = ["一号", "二号", "三号", "四号"]
    tickets = [register_for_meetup(UserFactory(display_name=name), meetup) for name in names]
    assert all(t.state == Registration.State.CONFIRMED for t in tickets)
    shots = pathlib.Path(SHOTS) if SHOTS else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    camera = tmp_path / "queue.y4m"
    _camera_file(camera, [ticket_token(t) for t in tickets[:3]])
    staff, other_phone = event_staff(display_name="门口甲"), event_staff(display_name="门口乙")

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
        page = signed_in(chromium, live_server, staff)
        page.context.grant_permissions(["camera"], origin=live_server.url)
        errors = _console_errors(page)
        scans = []
        page.on("request", lambda r: scans.append(r.url) if "/door/scan/" in r.url else None)
        page.goto(f"{live_server.url}/meetups/{meetup.pk}/check-in/")
        page.locator("#door[data-tickets='4']").wait_for()  # the offline list is on the phone
        page.locator("#scan-button[data-decoder='jsqr']").wait_for()

        # One tap starts the camera; three tickets pass in front of it, each checked in without a tap.
        page.locator("#scan-button").click()
        page.locator("#door-log .door-entry.check_in").nth(2).wait_for(timeout=45_000)
        page.locator("#scan-button").click()  # stop the camera
        # Each ticket stayed in view for 3 s (decoded many times): each was sent once.
        assert len(scans) == 3, scans
        assert "三号" in page.locator("#door-result").inner_text()
        assert page.locator("#door-result").get_attribute("data-result") == "ok"
        assert page.locator("#door-stats [data-stat='checked_in']").inner_text() == "3"
        assert page.locator("#door-stats [data-stat='expected']").inner_text() == "4"
        page.screenshot(path=str(shots / "door-three-scanned.png"), full_page=True)
        _wait(lambda: Registration.objects.filter(meetup=meetup, checked_in_at__isnull=False).count() == 3)

        # Undo the last one (the wrong fan was let in): logged with who undid it.
        page.locator("#door-result-undo").click()
        page.locator("#door-log .door-entry.undo").wait_for()
        assert "三号" in page.locator("#door-result").inner_text()
        _wait(lambda: DoorEntry.objects.filter(action=DoorEntry.Action.UNDO, by=staff).exists())
        assert not Registration.objects.get(pk=tickets[2].pk).checked_in_at
        assert page.locator("#door-stats [data-stat='checked_in']").inner_text() == "2"

        # The network goes away mid-door.
        page.context.set_offline(True)
        page.locator("#door[data-online='no']").wait_for()
        code = page.locator("#id_code")
        for ticket in (tickets[2], tickets[3]):
            code.fill(ticket.ticket_code)
            code.press("Enter")
        page.locator("#door[data-queued='2']").wait_for()
        assert "四号" in page.locator("#door-result").inner_text()
        # A ticket already in (on the downloaded list) is refused offline too, and says why.
        code.fill(tickets[0].ticket_code)
        code.press("Enter")
        page.locator("#door-result[data-result='refused']").wait_for()
        assert "一号" in page.locator("#door-result").inner_text()
        page.screenshot(path=str(shots / "door-offline.png"), full_page=True)
        assert Registration.objects.filter(meetup=meetup, checked_in_at__isnull=False).count() == 2

        # Meanwhile another phone, online, lets 四号 in.
        check_in(other_phone, meetup, tickets[3].ticket_code)

        # The network is back: the queue is sent.
        page.context.set_offline(False)
        page.locator("#door[data-queued='0'][data-online='yes']").wait_for()
        page.locator("#door-log .door-entry.conflict").wait_for()
        assert "四号" in page.locator("#door-log .door-entry.conflict").inner_text()
        page.screenshot(path=str(shots / "door-synced.png"), full_page=True)
        assert page.locator("#door-stats [data-stat='checked_in']").inner_text() == "4"
        assert errors == []
    finally:
        chromium.close()
    assert Registration.objects.filter(meetup=meetup, checked_in_at__isnull=False).count() == 4
    offline = DoorEntry.objects.get(registration=tickets[2], action=DoorEntry.Action.CHECK_IN, offline=True)
    assert offline.by == staff
    conflict = DoorEntry.objects.get(action=DoorEntry.Action.CONFLICT)
    assert conflict.registration_id == tickets[3].pk and conflict.by == staff
    assert DoorEntry.objects.filter(registration=tickets[3], action=DoorEntry.Action.CHECK_IN).count() == 1
