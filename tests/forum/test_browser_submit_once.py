import pytest

from forum.models import Post
from tests.forum.factories import staff, thread
from tests.helpers import signed_in


@pytest.mark.browser
def test_a_double_clicked_reply_is_sent_once_and_its_button_disabled(browser, live_server):
    t = thread()
    member = staff()
    page = signed_in(browser, live_server, member)
    sent = []
    page.on("request", lambda request: sent.append(request.url) if request.method == "POST" else None)
    try:
        page.goto(f"{live_server.url}/forum/t/{t.pk}/")
        page.get_by_label("正文").fill("收到，我们在看。")
        button = page.get_by_role("button", name="发表回复")
        button.dblclick()
        page.locator("#floor-2").wait_for()
        assert [url for url in sent if url.endswith("/reply/")] == [f"{live_server.url}/forum/t/{t.pk}/reply/"]
        assert Post.objects.filter(thread=t, author=member).count() == 1

        # A preview keeps the name of the button that was clicked, so it is still a preview.
        page.get_by_label("正文").fill("**草稿**")
        page.get_by_role("button", name="预览").click()
        page.locator(".preview strong").wait_for()
        assert Post.objects.filter(thread=t, author=member).count() == 1
    finally:
        page.context.close()
