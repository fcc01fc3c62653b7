"""At 390 px (a phone) the draw page, a drawn meetup's page and the city ranking fit the screen: the
64-digit seed and commitment wrap, and the ranking's trend column is reached without sideways
scrolling of the page (issue 20, item 10). Screenshots go to the test's tmp_path for a look."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import City
from meetups.draw import run_draw
from meetups.models import Meetup, Registration
from meetups.ranking import snapshot_cities
from meetups.registration import register_for_meetup
from tests.helpers import signed_in
from tests.meetups.factories import MeetupFactory, event_staff, make_fans

WIDTH = 390


def _drawn_meetup():
    meetup = MeetupFactory(mode=Meetup.Mode.DRAW, capacity=3, capacity_override=True, title="抽签见面会")
    publishing_seed = "a" * 64  # as long as the seeds `secrets` draws
    from meetups.draw import commitment

    Meetup.objects.filter(pk=meetup.pk).update(draw_seed=publishing_seed, draw_commitment=commitment(publishing_seed))
    fans = make_fans(6, prefix="drawfan")
    for fan in fans:
        register_for_meetup(fan, meetup)
    Meetup.objects.filter(pk=meetup.pk).update(registration_closes_at=timezone.now())
    run_draw(event_staff(), Meetup.objects.get(pk=meetup.pk))
    return Meetup.objects.get(pk=meetup.pk), fans


def _ranking():
    for slug in ("chengdu", "shenzhen", "beijing", "shanghai", "guangzhou"):
        fans = make_fans(3, prefix=f"rank-{slug}-", city_slug=slug)
        for fan in fans:
            fan.last_active_on = timezone.localdate()
            fan.save(update_fields=["last_active_on"])
    for days_ago in (90, 60, 30, 0):
        snapshot_cities(timezone.localdate() - datetime.timedelta(days=days_ago))


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.browser
def test_draw_pages_and_the_city_ranking_fit_a_390_px_phone(browser, live_server, tmp_path):
    meetup, fans = _drawn_meetup()
    _ranking()
    assert City.objects.filter(slug="chengdu").exists()
    page = signed_in(browser, live_server, fans[0])
    try:
        for name, path in (
            ("draw", f"/meetups/{meetup.pk}/draw/"),
            ("meetup", meetup.get_absolute_url()),
            ("cities", "/meetups/cities/"),
        ):
            page.goto(live_server.url + path)
            page.wait_for_load_state("load")
            page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
            assert _page_width(page) <= WIDTH, f"{name} is {_page_width(page)} px wide at {WIDTH} px"
        # The seed and the commitment are on the drawn meetup's page, whole.
        page.goto(live_server.url + meetup.get_absolute_url())
        assert page.locator("code.seed").first.inner_text().replace("\n", "") == meetup.draw_seed
        assert page.locator("code.commitment").first.is_visible()
        # The ranking's trend is on screen without scrolling sideways.
        page.goto(live_server.url + "/meetups/cities/")
        spark = page.locator("svg.spark").first
        spark.wait_for()
        page.locator("#ranking-heading").scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "cities-table.png"))
        assert page.locator("#ranking-scroll-hint").is_visible()  # the hint says more is to the side
        box = spark.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, box
    finally:
        page.context.close()
    assert Registration.objects.filter(meetup=meetup, state=Registration.State.CONFIRMED).count() == 3
