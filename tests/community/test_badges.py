"""Level, shown medals and main device come with the author's row: under every post, in Chinese and
English, with the thread page's query budget unchanged; the user card; devices on feedback; follows."""

import pytest
from django.core.cache import cache

from accounts.models import Notification, NotificationKind
from community import devices, follows, medals
from community.models import Device, Medal, MedalAward
from forum.models import Thread
from tests.forum.factories import fan, reply, thread

pytestmark = pytest.mark.django_db


def decorated(**kwargs):
    """A fan with a main device and two medals shown."""
    user = fan(**kwargs)
    device = Device.objects.get(name="粉丝手机 15")
    devices.set_devices(user, [device.pk], device.pk, {device.pk: "HyperOS 2.0"})
    for slug in ("first_meetup", "core_tester"):
        MedalAward.objects.create(user=user, medal=Medal.objects.get(slug=slug))
    medals.choose_shown(
        user, list(Medal.objects.filter(slug__in=["core_tester", "first_meetup"]).values_list("pk", flat=True))
    )
    return user


@pytest.mark.parametrize("reader", ["anonymous", "signed in"])
def test_level_medals_and_device_under_posts_keep_the_thread_page_budget(client, django_assert_num_queries, reader):
    t = thread(decorated())
    for _ in range(5):
        reply(decorated(), t)
    if reader == "signed in":
        client.force_login(fan())
    client.get(t.get_absolute_url())  # warm, as tests/forum/test_page_queries.py does
    with django_assert_num_queries(2 if reader == "anonymous" else 3):  # tests/forum/test_page_queries.py BUDGETS
        page = client.get(t.get_absolute_url()).content.decode()
    assert page.count("初级粉丝") == 6
    assert page.count("📱粉丝手机 15") == 6
    assert page.count('title="核心测试者"') == 6 and page.count('title="初次见面"') == 6


def test_level_and_medals_render_in_english(client):
    t = thread(decorated())
    page = client.get(t.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Newcomer" in page and "Core tester" in page and "First meetup" in page
    assert "初级粉丝" not in page


def test_a_changed_medal_shows_at_once_since_the_card_is_the_fragment_key(client):
    author = decorated()
    t = thread(author)
    client.get(t.get_absolute_url())
    medals.choose_shown(author, [])
    page = client.get(t.get_absolute_url()).content.decode()
    assert "核心测试者" not in page


def test_the_user_card_is_one_request_and_cached(client, django_assert_max_num_queries):
    user = decorated()
    cache.clear()
    first = client.get(f"/u/{user.username}/card/")
    assert first.status_code == 200 and first["Cache-Control"] == "private, max-age=60"
    html = first.content.decode()
    assert "初级粉丝" in html and "粉丝手机 15" in html and f"/messages/to/{user.username}/" in html
    with django_assert_max_num_queries(1):  # the fan's row; the card itself from the cache
        assert client.get(f"/u/{user.username}/card/").content.decode() == html


def test_feedback_carries_the_reporters_main_device_and_filters_by_it(client):
    reporter = decorated()
    mine = thread(reporter, slug="feedback", feedback_kind="bug", title="Camera crash", body="crash")
    assert (mine.device_model, mine.software_version) == ("粉丝手机 15", "HyperOS 2.0")
    named = thread(reporter, slug="feedback", feedback_kind="bug", title="Wi-Fi", body="x", device_model="Other")
    assert Thread.objects.get(pk=named.pk).device_model == "Other"
    listed = client.get("/forum/b/feedback/", {"device": "粉丝手机 15"}).content.decode()
    assert "Camera crash" in listed and "Wi-Fi" not in listed
    assert client.get("/forum/search/", {"q": "crash", "device": "Nope"}).status_code == 400


def test_followers_hear_of_a_new_thread():
    author, follower = fan(), fan()
    follows.follow(follower, author)
    t = thread(author, title="My new ROM")
    note = Notification.objects.get(recipient=follower, kind=NotificationKind.FOLLOW)
    assert "My new ROM" in note.text and note.url == t.get_absolute_url()


def test_the_profile_shows_level_medals_devices_and_follows(client):
    user = decorated()
    follows.follow(fan(), user)
    page = client.get(f"/u/{user.username}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Newcomer" in page and "1 follower" in page and "following 0" in page
    assert "0 meetups attended" in page and "粉丝手机 15" in page and "Core tester" in page
