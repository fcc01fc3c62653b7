"""On a phone (390 px): a fan gives their seat to a friend, who answers the question and gets the
ticket; the giver's ticket page then has no ticket any more."""

import os
import pathlib

import pytest

from meetups.models import Question, Registration, TicketTransfer
from meetups.registration import register_for_meetup
from tests.factories import UserFactory
from tests.helpers import signed_in
from tests.meetups.factories import MeetupFactory
from tests.meetups.test_browser_door import _console_errors

SHOTS = os.environ.get("FANCITY_SCREENSHOTS")


@pytest.mark.browser
def test_a_fan_gives_their_seat_to_a_friend_on_a_phone(browser, live_server, tmp_path):
    shots = pathlib.Path(SHOTS) if SHOTS else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    meetup = MeetupFactory(title="转让测试", allow_transfer=True)
    phone = Question.objects.create(meetup=meetup, label="手机号", kind=Question.Kind.PHONE, position=1)
    giver = UserFactory(display_name="送票人")
    registration = register_for_meetup(giver, meetup, answers={phone.pk: "13800138000"})
    old_code = registration.ticket_code
    friend = UserFactory(display_name="好朋友", username="haopengyou")

    page = signed_in(browser, live_server, giver)
    try:
        errors = _console_errors(page)
        page.goto(f"{live_server.url}/meetups/{meetup.pk}/ticket/")
        page.locator("#transfer-username").fill("haopengyou")
        page.locator("#offer-transfer").click()
        page.locator("#withdraw-transfer").wait_for()
        assert "好朋友" in page.locator("#transfer-offer").inner_text()
        page.screenshot(path=str(shots / "transfer-offered.png"), full_page=True)
        assert errors == []
    finally:
        page.context.close()

    transfer = TicketTransfer.objects.get()
    page = signed_in(browser, live_server, friend)
    try:
        errors = _console_errors(page)
        # The notification links here (tests/meetups/test_transfer.py).
        page.goto(f"{live_server.url}/meetups/transfers/{transfer.pk}/")
        page.locator("#accept-transfer").wait_for()
        page.screenshot(path=str(shots / "transfer-accept.png"), full_page=True)
        page.locator("#accept-transfer").click()  # the phone question unanswered: refused, nothing changes
        page.locator("#transfer-errors").wait_for()
        assert len(errors) == 1 and "400" in errors[0]  # the refused form answers 400, as registration's does
        errors.clear()
        page.get_by_label("手机号").fill("139 0000 1111")
        page.locator("#accept-transfer").click()
        page.locator(".qr svg").wait_for()
        assert page.locator(".ticket-holder").inner_text() == "好朋友"
        new_code = page.locator(".ticket-code").inner_text()
        assert new_code != old_code
        page.screenshot(path=str(shots / "transfer-ticket.png"), full_page=True)
        assert errors == []
    finally:
        page.context.close()
    assert Registration.objects.get(pk=registration.pk).fan == friend
