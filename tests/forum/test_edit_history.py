import pytest
from django.test import Client

from accounts.deletion import delete_account
from accounts.export import export_personal_data
from accounts.roles import CORE_TESTERS, SERVICE_DESK
from forum.models import PostVersion
from forum.moderation import moderate
from forum.writing import history, posting
from tests.forum.factories import fan, member, reply, staff, thread

pytestmark = pytest.mark.django_db


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_each_edit_keeps_the_text_it_replaced_with_who_and_when():
    author, t = fan(), thread()
    post = reply(author, t, "first words")
    posting.edit_post(author, post, "second words")
    posting.edit_post(author, post, "third words")
    rows = list(PostVersion.objects.filter(post=post).order_by("pk"))
    assert [(r.body, r.edited_by) for r in rows] == [("first words", author), ("second words", author)]
    post.refresh_from_db()
    shown = history.versions(author, post)
    assert [(v.number, v.body, v.author, v.current) for v in shown] == [
        (3, "third words", author, True),
        (2, "second words", author, False),
        (1, "first words", author, False),
    ]
    assert shown[0].changes == [("del", "second words"), ("add", "third words")]


def test_an_edit_that_changes_nothing_keeps_no_version():
    author, t = fan(), thread()
    post = reply(author, t, "same")
    posting.edit_post(author, post, "same")
    assert not PostVersion.objects.exists()


def test_a_title_change_is_a_version_of_the_first_post():
    author = fan()
    t = thread(author, title="Old title", body="body")
    first = t.posts.get(floor=1)
    posting.edit_post(author, first, "body", title="New title")
    first.refresh_from_db()
    (row,) = PostVersion.objects.all()
    assert row.title == "Old title"
    assert history.versions(author, first)[0].changes[0] == ("del", "# Old title")


def test_the_post_links_to_its_versions_page(django_assert_max_num_queries):
    author, t = fan(), thread()
    post = reply(author, t, "**bold** <script>alert(1)</script> before")
    posting.edit_post(author, post, "**bold** after")
    html = _client().get(t.get_absolute_url()).content.decode()
    assert f'href="/forum/p/{post.pk}/versions/"' in html
    reader = _client(author)  # earlier versions are the author's and the moderators' to read
    reader.get(f"/forum/p/{post.pk}/versions/")  # the session's first request records the day's activity
    with django_assert_max_num_queries(6):
        response = reader.get(f"/forum/p/{post.pk}/versions/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<strong>bold</strong> after" in page and "<strong>bold</strong> alert(1) before" in page  # rendered
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the source line in the diff, escaped
    assert 'class="diff-add">+ **bold** after' in page


def test_versions_of_a_hidden_post_are_for_its_author_and_moderators_only():
    author, t = fan(), thread()
    post = reply(author, t, "v1")
    posting.edit_post(author, post, "v2")
    moderator = staff()
    moderate.hide_post(moderator, post, "spam")
    url = f"/forum/p/{post.pk}/versions/"
    assert _client().get(url).status_code == 404
    assert _client(fan()).get(url).status_code == 404
    assert _client(author).get(url).status_code == 200  # the author still reads their hidden post
    assert _client(member(SERVICE_DESK)).get(url).status_code == 404
    assert _client(moderator).get(url).status_code == 200


def test_versions_of_a_post_in_a_board_the_fan_cannot_see_are_404():
    tester_thread = thread(member(CORE_TESTERS), slug="beta", body="secret")
    post = tester_thread.posts.get()
    assert _client(fan()).get(f"/forum/p/{post.pk}/versions/").status_code == 404
    assert _client().get(f"/forum/p/{post.pk}/versions/").status_code == 404


def test_versions_are_exported_and_erased_with_the_account():
    author, t = fan(), thread()
    post = reply(author, t, "my phone number is 123")
    posting.edit_post(author, post, "no number")
    assert export_personal_data(author)["forum_post_versions"][0]["body"] == "my phone number is 123"
    delete_account(author)
    assert not PostVersion.objects.exists()
    post.refresh_from_db()
    assert post.body == "no number"  # the post stays, as posts do


def test_editing_removes_and_adds_attachments_and_deletes_removed_files(client, django_capture_on_commit_callbacks):
    from django.core.files.storage import storages

    from forum import attachments
    from forum.models import Attachment
    from tests.forum.test_attachments import png, send_reply, upload

    author, t = fan(), thread()
    client.force_login(author)
    send_reply(client, t, images=[upload("a.png", png()), upload("b.png", png())])
    first, second = Attachment.objects.order_by("pk")
    attachments.process_image(first.pk)
    first.refresh_from_db()
    post = first.post
    public = storages["default"]
    assert public.exists(first.web)
    page = client.get(f"/forum/p/{post.pk}/edit/")
    assert page.status_code == 200 and "a.png" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/forum/p/{post.pk}/edit/",
            {"body": "看图 (改)", "remove": [first.pk], "images": [upload("c.png", png())]},
        )
    assert response.status_code == 302
    assert sorted(Attachment.objects.values_list("name", flat=True)) == ["b.png", "c.png"]
    assert not public.exists(first.web) and not public.exists(first.thumb)
    # The per-post limit counts what the post keeps: 2 kept + 8 new is one too many.
    response = client.post(
        f"/forum/p/{post.pk}/edit/",
        {"body": "看图", "images": [upload(f"{n}.png", png()) for n in range(8)]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400 and "at most 9 files" in response.content.decode()
    assert Attachment.objects.count() == 2
    # Another post's attachment cannot be removed through this one.
    other = reply(fan(), t, "other")
    foreign = Attachment.objects.create(
        post=other,
        uploader=other.author,
        kind="log",
        state="ready",
        name="x.log",
        content_type="text/plain",
        size=1,
        original="x.log",
    )
    client.post(f"/forum/p/{post.pk}/edit/", {"body": "看图", "remove": [foreign.pk]})
    assert Attachment.objects.filter(pk=foreign.pk).exists()
