import re
from pathlib import Path

import pytest

from accounts.models import User
from tests.helpers import wait_until

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.mark.browser
def test_a_new_fan_signs_up_verifies_logs_in_and_sets_a_home_city(page, live_server, celery_worker, mailoutbox):
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("邮箱").fill("browser@example.com")
    page.get_by_label("用户名").fill("browserfan")
    page.get_by_label("密码:", exact=True).fill("a-long-unusual-pass-91")
    page.get_by_label("密码（重复）").fill("a-long-unusual-pass-91")
    page.get_by_label("昵称").fill("浏览器粉")
    page.get_by_label("常驻城市").fill("深圳 · Shenzhen")
    page.get_by_role("button", name="注册").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))

    mail = wait_until(lambda: mailoutbox, what="the verification mail")[-1]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.body).group(0)
    page.goto(link)
    page.get_by_role("button", name="确认").click()

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_placeholder("用户名或邮箱").fill("browser@example.com")
    page.get_by_label("密码:", exact=True).fill("a-long-unusual-pass-91")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/settings/")
    page.get_by_label("常驻城市").fill("北京 · Beijing")
    page.get_by_role("button", name="保存").click()
    page.get_by_text("设置已保存。").wait_for()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "signup-settings.png"
    page.screenshot(path=str(shot), full_page=True)

    fan = User.objects.get(username="browserfan")
    assert fan.city.slug == "beijing"
    assert fan.emailaddress_set.get().verified
    assert shot.stat().st_size > 10_000
