import re

import pytest

from forum.models import Draft, Post
from tests.forum.factories import fan, thread
from tests.helpers import signed_in, wait_until


@pytest.mark.browser
def test_a_reply_draft_survives_a_reload_and_goes_when_posted_and_a_selection_is_quoted(browser, live_server):
    alice = fan(username="alice_q", display_name="爱丽丝")
    bob = fan(username="bob_q", display_name="小波")
    t = thread(alice, title="续航", body="第一句很长。**第二句加粗**。\n\n第三段")
    page = signed_in(browser, live_server, bob)  # 390 x 844, Chinese
    # Every console error and uncaught script error but the favicon's (sharing and icons are apart).
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda m: errors.append(f"{m.text} {m.location}")
        if m.type == "error" and "favicon" not in m.location.get("url", "")
        else None,
    )
    try:
        draft = re.compile(r"/draft/$")
        with page.expect_response(lambda r: draft.search(r.url) and r.request.method == "GET") as nothing_saved:
            page.goto(f"{live_server.url}{t.get_absolute_url()}")
        assert nothing_saved.value.status == 204
        box = page.get_by_label("正文")
        box.fill("我的也是两天一充")
        page.get_by_text("草稿已保存").wait_for()
        assert errors == []  # no draft yet is not an error: no 404 in the console on every thread page
        assert Draft.objects.get(user=bob, thread=t).body == "我的也是两天一充"

        page.reload()
        page.get_by_text("已恢复你的草稿。").wait_for()
        assert page.get_by_label("正文").input_value() == "我的也是两天一充"

        # Select "第二句加粗" in floor 1 and quote just that.
        page.evaluate(
            """() => {
              const strong = document.querySelector('#floor-1 .post-body strong');
              const range = document.createRange();
              range.selectNodeContents(strong);
              const selection = window.getSelection();
              selection.removeAllRanges();
              selection.addRange(range);
            }"""
        )
        page.locator("#floor-1").get_by_role("link", name="引用").click()
        value = page.get_by_label("正文").input_value()
        first = t.posts.get(floor=1)
        assert f"> **爱丽丝** [#1](/forum/p/{first.pk}/):\n> 第二句加粗\n" in value
        assert "第一句" not in value and "**第二句加粗**" not in value  # the selection, as shown

        page.get_by_role("button", name="发表回复").click()
        page.wait_for_url(re.compile(r"#floor-2$"))
        page.locator("#floor-2 .post-body blockquote").wait_for()
        assert "第二句加粗" in page.locator("#floor-2 .post-body blockquote").inner_text()
        reply = Post.objects.get(thread=t, floor=2)
        assert reply.quote_id == first.pk
        assert not Draft.objects.filter(user=bob).exists()

        page.reload()
        wait_until(lambda: page.evaluate("document.readyState") == "complete", what="the page")
        assert page.get_by_label("正文").input_value() == ""
        assert not Draft.objects.filter(user=bob).exists()
    finally:
        page.context.close()
