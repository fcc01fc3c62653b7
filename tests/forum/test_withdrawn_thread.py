"""A thread withdrawn from public view (forum.moderation.moderate.withdraw_thread, as the desk's move of a feedback
thread carrying personal data into a private request does) leaves every public list, and its page,
posts and images answer 404 to all but its author, the board's moderators and staff."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.roles import MODERATORS
from forum import attachments
from forum.models import Attachment, Board, Bookmark, HotThread, Post, Thread
from forum.moderation import moderate
from forum.reading import hot
from forum.writing import posting
from servicedesk import private, triage
from tests.forum.factories import member
from tests.servicedesk.factories import fan, feedback, rewind, staff

pytestmark = pytest.mark.django_db

TITLE = "快递没到 订单号 98765 电话 13912345678"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(out, "PNG")
    return out.getvalue()


def _moved_thread(client, capture):
    """A fan's feedback with their order number and phone in the title, a photo of the parcel, a
    bystander's reply and bookmark, ranked hot; then desk staff move it into a private request."""
    author, bystander, desk = fan(display_name="小王"), fan(display_name="路人"), staff()
    thread = feedback(author, title=TITLE, body="快递单号和地址见图")
    client.force_login(author)
    photo = SimpleUploadedFile("parcel.png", _png(), content_type="image/png")
    assert client.post(f"/forum/t/{thread.pk}/reply/", {"body": "包裹照片", "images": [photo]}).status_code == 302
    image = Attachment.objects.get()
    assert attachments.process_image(image.pk) == "ready"
    image.refresh_from_db()
    rewind(author)
    with capture(execute=True):
        posting.post_reply(bystander, thread, "我的快递也没到")
    Bookmark.objects.create(user=bystander, thread=thread)
    hot.rank()
    assert HotThread.objects.filter(thread=thread).exists()
    board = Board.objects.get(pk=thread.board_id)
    assert board.last_thread_id == thread.pk
    client.logout()
    ticket = triage.triage(thread.pk)
    with capture(execute=True):
        private.move_thread(desk, ticket.pk)  # no public title given: the title still carries the data
    return author, bystander, desk, Thread.objects.get(pk=thread.pk), image, board


def test_a_moved_thread_leaves_every_public_list_and_its_urls_answer_404(
    client, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    author, bystander, desk, thread, image, board = _moved_thread(client, django_capture_on_commit_callbacks)
    assert thread.hidden_at is not None and thread.hidden_by == desk and thread.is_locked
    after = Board.objects.get(pk=board.pk)
    assert after.thread_count == board.thread_count - 1 and after.last_thread_id != thread.pk
    assert not HotThread.objects.filter(thread=thread).exists()
    hot.rank()
    assert not HotThread.objects.filter(thread=thread).exists()  # the next ranking leaves it out too
    # The web copies left the public storage; the permission-checked view serves them from the private one.
    public = storages["default"]
    assert not public.exists(image.web) and not public.exists(image.thumb)
    assert storages["private"].exists(image.web) and storages["private"].exists(image.thumb)

    posts = list(Post.objects.filter(thread=thread).values_list("pk", flat=True))
    for viewer in (None, bystander):
        if viewer is None:
            client.logout()
        else:
            client.force_login(viewer)
        for url in (
            "/",
            "/forum/",
            f"/forum/b/{board.slug}/",
            f"/forum/b/{board.slug}/feed.atom",
            "/forum/search/?q=快递",
            "/forum/search/?q=订单号",
            f"/forum/u/{author.username}/threads/",
            f"/forum/u/{author.username}/posts/",
            f"/forum/u/{bystander.username}/posts/",
            *(["/forum/bookmarks/"] if viewer else []),
        ):
            with django_assert_max_num_queries(8):
                response = client.get(url)
            assert response.status_code == 200, url
            page = response.content.decode()
            assert f"/forum/t/{thread.pk}/" not in page, url
            if "search" not in url:  # the search page shows the query it was given
                assert "订单号 98765" not in page and "13912345678" not in page, url
        assert [item.thread_id for item in hot.for_board(board)] == []
        assert [item.thread_id for item in hot.for_site(viewer or bystander)] == []
        for url in (
            thread.get_absolute_url(),
            f"/forum/t/{thread.pk}/?page=1",
            f"/forum/t/{thread.pk}/unread/",
            *(f"/forum/p/{pk}/" for pk in posts),
            f"/forum/a/{image.pk}/image/",
            f"/forum/a/{image.pk}/thumb/",
            public.url(image.web),
            public.url(image.thumb),
        ):
            response = client.get(url)
            assert response.status_code in ((302, 404) if url.endswith("/unread/") and viewer is None else (404,)), url


def test_the_author_and_desk_staff_still_open_the_withdrawn_thread_and_its_image(
    client, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    author, _bystander, desk, thread, image, _board = _moved_thread(client, django_capture_on_commit_callbacks)
    for viewer in (author, desk):
        client.force_login(viewer)
        client.get(thread.get_absolute_url())  # the first visit writes the read mark and the session
        # Re-reading: the thread, its posts, their authors, the board's moderators, the feedback status
        # log, the desk's panel, and the user; may_read_withdrawn itself adds no query.
        with django_assert_max_num_queries(7):
            response = client.get(thread.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        page = response.content.decode()
        assert "Withdrawn from public view" in page and "98765" in page
        # Its posts are hidden (the page says so, without their images); the image has no public URL left,
        # and the permission-checked view serves it to them.
        assert storages["default"].url(image.web) not in page
        response = client.get(f"/forum/a/{image.pk}/image/")
        assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
        assert b"".join(response.streaming_content)[:4] == b"RIFF"  # the WebP web copy
        assert client.get(f"/forum/a/{image.pk}/thumb/").status_code == 200


def test_unhiding_a_hidden_post_makes_its_images_public_again(client, django_capture_on_commit_callbacks):
    """A post hidden on its own (not a withdrawn thread): its images leave the public storage, and come
    back when a moderator restores it."""
    author, moderator = fan(), member(MODERATORS)
    thread = feedback(author, title="截图", body="看图")
    client.force_login(author)
    photo = SimpleUploadedFile("a.png", _png(), content_type="image/png")
    assert client.post(f"/forum/t/{thread.pk}/reply/", {"body": "图", "images": [photo]}).status_code == 302
    image = Attachment.objects.get()
    attachments.process_image(image.pk)
    image.refresh_from_db()
    public, private_storage = storages["default"], storages["private"]
    with django_capture_on_commit_callbacks(execute=True):
        moderate.hide_post(moderator, image.post, "广告")
    assert not public.exists(image.web) and private_storage.exists(image.web)
    client.logout()
    assert client.get(f"/forum/a/{image.pk}/image/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        moderate.unhide_post(moderator, image.post)
    assert public.exists(image.web) and public.exists(image.thumb) and not private_storage.exists(image.web)
    assert client.get(public.url(image.web)).status_code == 200


def test_only_staff_restore_a_withdrawn_thread_and_it_is_public_again(client, django_capture_on_commit_callbacks):
    author, bystander, desk, thread, image, board = _moved_thread(client, django_capture_on_commit_callbacks)
    moderator = member(MODERATORS)
    url = f"/forum/t/{thread.pk}/restore/"
    # From the site: those who read it but may not restore get 403, everyone else 404; no button for them.
    for outsider, status in ((moderator, 403), (author, 403), (bystander, 404)):
        with pytest.raises(PermissionDenied):
            moderate.restore_thread(outsider, thread)
        client.force_login(outsider)
        assert client.post(url, {"reason": "x"}).status_code == status
        if status == 403:
            assert url not in client.get(thread.get_absolute_url()).content.decode()
    client.force_login(desk)
    page = client.get(thread.get_absolute_url())
    assert page.status_code == 200 and f'action="{url}"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "没有个人信息"})
    assert response.status_code == 302 and response["Location"] == thread.get_absolute_url()
    restored = Thread.objects.get(pk=thread.pk)
    assert restored.hidden_at is None and restored.reply_count == 2 and restored.is_locked
    after = Board.objects.get(pk=board.pk)
    assert after.thread_count == board.thread_count and after.last_thread_id == thread.pk
    assert not Post.objects.filter(thread=thread, hidden_at__isnull=False).exists()
    assert storages["default"].exists(image.web) and not storages["private"].exists(image.web)
    client.logout()
    assert client.get(thread.get_absolute_url()).status_code == 200
    assert f"/forum/t/{thread.pk}/" in client.get(f"/forum/b/{board.slug}/").content.decode()
    assert client.get(storages["default"].url(image.web)).status_code == 200
    assert moderate.restore_thread(desk, thread) == 0  # twice changes nothing
    client.force_login(desk)
    assert client.post(url).status_code == 302
