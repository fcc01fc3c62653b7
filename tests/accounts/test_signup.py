import re

import pytest
from django.urls import reverse

from accounts import wordfilter
from accounts.models import City, User, WordAction
from tests.factories import UserFactory
from tests.helpers import wait_until

GOOD = {
    "email": "new@example.com",
    "username": "newfan",
    "password1": "a-long-unusual-pass-91",
    "password2": "a-long-unusual-pass-91",
    "display_name": "新粉丝",
    "city": "深圳 · Shenzhen",
}


def signup(client, language="zh-hans", **changes):
    client.cookies["django_language"] = language
    return client.post(reverse("account_signup"), {**GOOD, **changes})


@pytest.mark.django_db(transaction=True)
def test_signup_mails_a_verification_link_through_the_celery_worker(client, celery_worker, mailoutbox):
    response = signup(client)

    assert response.status_code == 302
    user = User.objects.get(username="newfan")
    assert user.city == City.objects.get(slug="shenzhen")
    assert user.display_name == "新粉丝"
    wait_until(lambda: len(mailoutbox) == 1)
    assert mailoutbox[0].to == ["new@example.com"]
    assert re.search(r"/accounts/confirm-email/[^/\s]+/", mailoutbox[0].body)


@pytest.mark.django_db
def test_signup_accepts_the_city_by_any_of_its_names(client):
    assert signup(client, city="shenzhen").status_code == 302
    assert User.objects.get(username="newfan").city.slug == "shenzhen"


BAD_INPUT = [
    (
        "taken email",
        {"email": "taken@example.com"},
        {"zh-hans": "此电子邮件地址已被其他用户注册", "en": "already registered"},
    ),
    ("malformed email", {"email": "not-an-email"}, {"zh-hans": "请输入有效的邮箱地址", "en": "valid email"}),
    (
        "weak password",
        {"password1": "12345678", "password2": "12345678"},
        {"zh-hans": "这个密码太常见了", "en": "too common"},
    ),
    ("unknown city", {"city": "Gotham"}, {"zh-hans": "我们不认识城市", "en": "We do not know the city"}),
    (
        "1 MB display name",
        {"display_name": "长" * (1024 * 1024 // 3)},
        {"zh-hans": "确保该变量包含不超过 50 字符", "en": "at most 50 characters"},
    ),
    ("NUL in username", {"username": "bad\x00name"}, {"zh-hans": "不允许是用空字符串", "en": "Null characters"}),
    ("NUL in email", {"email": "a\x00@example.com"}, {"zh-hans": "不允许是用空字符串", "en": "Null characters"}),
    (
        "NUL in password",
        {"password1": "pass\x00word-long", "password2": "pass\x00word-long"},
        {"zh-hans": "不允许是用空字符串", "en": "Null characters"},
    ),
    ("NUL in display name", {"display_name": "a\x00b"}, {"zh-hans": "不允许是用空字符串", "en": "Null characters"}),
    ("NUL in city", {"city": "深圳\x00"}, {"zh-hans": "不允许是用空字符串", "en": "Null characters"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("case", "changes", "message"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_signup_input_gets_a_form_error_in_the_page_language_and_writes_nothing(
    client, case, changes, message, language
):
    UserFactory(email="taken@example.com")
    users_before = User.objects.count()

    response = signup(client, language=language, **changes)

    assert response.status_code == 200
    assert message[language] in response.content.decode()
    assert User.objects.count() == users_before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"), [("zh-hans", "名字不能包含“赌博”"), ("en", "A name cannot contain “赌博”")]
)
@pytest.mark.parametrize(
    "changes",
    [
        {"display_name": "赌博粉丝"},
        {"display_name": "赌 博粉丝"},
        {"display_name": "赌\u200b博"},
        {"username": "x_赌_博"},
    ],
    ids=["display name", "spaced display name", "zero-width display name", "username"],
)
def test_a_listed_word_in_a_name_is_a_form_error_at_signup_not_a_mask(
    client, django_capture_on_commit_callbacks, language, message, changes
):
    with django_capture_on_commit_callbacks(execute=True):
        wordfilter.save_word("赌博", WordAction.MASK)  # a word a post would only mask

    response = signup(client, language=language, **changes)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "messages"),
    [
        ("1234", ["密码太短，至少需要 8 个字符。", "这个密码太常见了。", "密码不能全是数字。"]),
        ("newfan12", ["密码与用户名太相似。"]),
    ],
)
def test_a_bad_password_is_refused_in_chinese_only(client, password, messages):
    response = signup(client, password1=password, password2=password)

    html = response.content.decode()
    assert response.status_code == 200 and not User.objects.exists()
    for message in messages:
        assert message in html
    errors = " ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S))
    assert errors and not re.search(r"[A-Za-z]{3,}", re.sub(r"<[^>]+>", "", errors))


@pytest.mark.django_db
def test_signup_is_rate_limited_per_address(client, settings):
    responses = [signup(client, email=f"x{i}@example.com", username=f"x{i}", city="Gotham") for i in range(21)]

    assert [r.status_code for r in responses[:20]] == [200] * 20
    assert responses[20].status_code == 429


@pytest.mark.django_db
@pytest.mark.parametrize("login", ["fan1@example.com", "fan1"])
def test_a_verified_fan_logs_in_by_email_or_username(client, login):
    UserFactory(username="fan1")
    response = client.post(reverse("account_login"), {"login": login, "password": "correct-horse-battery"})

    assert response.status_code == 302
    assert client.get(reverse("settings")).status_code == 200


@pytest.mark.django_db
def test_login_is_refused_until_the_email_is_verified(client):
    signup(client)
    client.logout()
    response = client.post(reverse("account_login"), {"login": "newfan", "password": GOOD["password1"]})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert client.get(reverse("settings")).status_code == 302
