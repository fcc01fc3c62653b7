import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import City, DailyActivity
from forum import boards
from forum.models import Board, BoardKind, Post, Thread
from forum.writing import posting
from tests.forum.factories import board, fan, reply, staff, thread

pytestmark = pytest.mark.django_db


def test_every_city_has_a_club_board():
    assert Board.objects.filter(kind=BoardKind.CITY).count() == City.objects.count()
    shenzhen = City.objects.get(slug="shenzhen")
    assert boards.city_board(shenzhen).city == shenzhen


def test_ensure_city_boards_creates_the_board_of_a_new_city():
    city = City.objects.create(name="新城", name_en="Newtown", province="广东", province_en="Guangdong", slug="newtown")
    assert boards.ensure_city_boards() == 1
    assert boards.city_board(city).kind == BoardKind.CITY
    assert boards.ensure_city_boards() == 0


def test_start_thread_gives_floor_one_and_counts(django_capture_on_commit_callbacks):
    author = fan()
    t = thread(author, title="Hello", body="World")
    assert t.posts.get().floor == 1
    t.refresh_from_db()
    assert (t.post_count, t.reply_count, t.last_poster) == (1, 0, author)
    b = board()
    assert (b.thread_count, b.post_count, b.last_thread) == (1, 1, t)
    assert DailyActivity.objects.filter(user=author).exists()


def test_replies_take_the_next_floors_and_update_counters():
    t = thread()
    replier = fan()
    first = reply(replier, t)
    second = reply(fan(), t)
    assert (first.floor, second.floor) == (2, 3)
    t.refresh_from_db()
    assert (t.post_count, t.reply_count) == (3, 2)
    assert board().post_count == 3


def test_only_event_staff_start_threads_in_announcements():
    from accounts.roles import EVENT_STAFF, MODERATORS, SERVICE_DESK
    from tests.forum.factories import member

    for outsider in (fan(), fan(is_staff=True), member(MODERATORS), member(SERVICE_DESK)):
        with pytest.raises(PermissionDenied):
            posting.start_thread(outsider, boards.announcements_board(), "News", "Body")
    assert not Thread.objects.exists()
    news = posting.start_thread(member(EVENT_STAFF), boards.announcements_board(), "News", "Body")
    assert news.board.slug == "announcements"


def test_banned_fan_cannot_write():
    from accounts.moderation import ban_user

    t = thread()
    bad = fan()
    ban_user(staff(), bad, "spam")
    with pytest.raises(PermissionDenied):
        posting.post_reply(bad, t, "hi")
    with pytest.raises(PermissionDenied):
        posting.start_thread(bad, board(), "t", "b")
    assert Post.objects.count() == 1


def test_index_and_thread_pages_render(client):
    t = thread(title="第一帖", body="**你好**")
    assert client.get("/forum/").status_code == 200
    response = client.get(t.get_absolute_url())
    assert response.status_code == 200
    assert "<strong>你好</strong>" in response.content.decode()


def test_the_daily_task_creates_boards_for_new_cities():
    from forum.tasks import ensure_city_boards

    City.objects.create(name="新城二", name_en="Newtown 2", province="广东", province_en="Guangdong", slug="newtown2")
    assert ensure_city_boards() == 1
