import pytest

from meetups.models import Registration
from tests.factories import UserFactory
from tests.helpers import signed_in
from tests.meetups.factories import MeetupFactory


@pytest.mark.browser
def test_register_fill_wait_cancel_and_promotion(browser, live_server):
    meetup = MeetupFactory(capacity=2, capacity_override=True, question="你想问工程师什么？")
    first, second, third = (UserFactory(display_name=name) for name in ("一号", "二号", "三号"))
    url = f"{live_server.url}{meetup.get_absolute_url()}"
    pages = [signed_in(browser, live_server, fan) for fan in (first, second, third)]
    try:
        one, two, three = pages
        one.goto(url)
        one.get_by_label("你想问工程师什么？").fill("什么时候出新品？")
        one.locator("#register-button").click()
        one.locator(".state.confirmed").wait_for()
        one.locator("a[href$='/ticket/']").click()
        one.locator(".qr svg").wait_for()
        assert one.locator(".ticket-holder").inner_text() == "一号"

        two.goto(url)
        two.locator("#register-button").click()
        two.locator(".state.confirmed").wait_for()
        assert "0" in two.locator("#seats").inner_text()

        three.goto(url)
        three.locator("#register-button").click()
        three.locator(".state.waiting").wait_for()
        assert "1" in three.locator(".state.waiting").inner_text()

        one.goto(url)
        one.locator("#cancel-button").click()
        one.locator("#keep-seat").click()  # asked first: "no" keeps the seat
        one.locator(".state.confirmed").wait_for()
        one.locator("#cancel-button").click()
        one.locator("#confirm-cancel").click()
        one.locator(".state.none").wait_for()

        three.goto(url)
        three.locator(".state.confirmed").wait_for()
        three.locator("a[href$='/ticket/']").click()
        three.locator(".qr svg").wait_for()
        assert three.locator(".ticket-holder").inner_text() == "三号"
    finally:
        for page in pages:
            page.context.close()
    states = dict(Registration.objects.values_list("fan__display_name", "state"))
    assert states == {"一号": "cancelled", "二号": "confirmed", "三号": "confirmed"}
    assert Registration.objects.get(fan=first).answer == "什么时候出新品？"
