"""A fan on a phone attaches a screenshot to a reply and sees its thumbnail; on a desktop, pastes one."""

import pytest

from forum.models import Attachment, AttachmentState
from tests.forum.factories import fan, thread
from tests.forum.test_attachments import png
from tests.helpers import signed_in, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_fan_attaches_a_screenshot_to_a_reply_on_a_phone(browser, live_server, celery_worker):
    t = thread(fan(), title="通知栏图标错位", body="升级后通知栏图标错位")
    page = signed_in(browser, live_server, fan())
    assert page.viewport_size == {"width": 390, "height": 844}
    page.goto(f"{live_server.url}{t.get_absolute_url()}")
    page.fill("textarea[name=body]", "我这边也一样，截图如下")
    page.set_input_files(
        "input[name=images]",
        files=[{"name": "Screenshot_2026.png", "mimeType": "image/png", "buffer": png((1080, 2400))}],
    )
    page.wait_for_selector(".file-picks li:has-text('Screenshot_2026.png')")  # the JS lists what was chosen
    page.click("form.post-form button[type=submit]:not([name=preview])")
    page.wait_for_url(f"**{t.get_absolute_url()}?page=1#floor-2")
    wait_until(lambda: Attachment.objects.filter(state=AttachmentState.READY).exists())
    page.reload()
    thumbnail = page.locator("#floor-2 .attachments.images img")
    thumbnail.wait_for()
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", thumbnail.element_handle())
    assert page.evaluate("(img) => img.naturalWidth", thumbnail.element_handle()) == 144  # 320 px tall, upright
    full = page.locator("#floor-2 .attachments.images a").get_attribute("href")
    assert full.endswith(".webp") and page.request.get(f"{live_server.url}{full}").status == 200


def test_a_screenshot_pasted_into_the_reply_form_is_attached(browser, live_server):
    t = thread(fan())
    page = signed_in(browser, live_server, fan())
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}{t.get_absolute_url()}")
    count = page.evaluate(
        """(bytes) => {
          const data = new DataTransfer();
          data.items.add(new File([new Uint8Array(bytes)], "image.png", {type: "image/png"}));
          const textarea = document.querySelector("textarea[name=body]");
          textarea.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
          return document.querySelector("input[name=images]").files.length;
        }""",
        list(png((40, 30))),
    )
    assert count == 1
    page.fill("textarea[name=body]", "粘贴的截图")
    page.click("form.post-form button[type=submit]:not([name=preview])")
    page.wait_for_url("**#floor-2")
    assert Attachment.objects.get().name == "image.png"
