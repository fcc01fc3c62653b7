"""The text of every mail allauth sends, in both languages, sent by the real Celery worker.

A mail speaks the recipient's preferred language when the account has one, else the language of the
page that sent it (sign-up, or a fan who never chose one).
"""

import re

import pytest
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory
from tests.helpers import wait_until

BRAND = {"zh-hans": "粉丝城", "en": "Fancity"}
OTHER = {"zh-hans": "en", "en": "zh-hans"}
# What the mails said while the site name was empty.
BROKEN = ["来自的", "在  上", "感谢您使用 ！", "Hello from !", "using !", "[] "]


def mails_to(mailoutbox, address, count=1):
    """The first `count` mails to `address`, once the worker has sent that many."""

    def sent():
        mails = [m for m in mailoutbox if address in m.to]
        return mails[:count] if len(mails) >= count else None

    return wait_until(sent, what=f"{count} mail(s) to {address}")


def assert_branded(mail, language):
    brand = BRAND[language]
    assert mail.subject.startswith(f"[{brand}] ")
    greeting = {"zh-hans": f"你好！这是来自{brand}的邮件。", "en": f"Hello from {brand}!"}[language]
    thanks = {"zh-hans": f"感谢你使用{brand}！", "en": f"Thank you for using {brand}!"}[language]
    assert mail.body.startswith(greeting)
    assert thanks in mail.body
    assert not any(broken in mail.subject + mail.body for broken in BROKEN)
    assert BRAND[OTHER[language]] not in mail.subject + mail.body


def sign_in(client, fan, language):
    client.cookies["django_language"] = language
    response = client.post(reverse("account_login"), {"login": fan.username, "password": "correct-horse-battery"})
    assert response.status_code == 302


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_signup_confirmation_speaks_the_signup_page_language(client, celery_worker, mailoutbox, language):
    client.cookies["django_language"] = language
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.com",
            "username": "newfan",
            "password1": "a-long-unusual-pass-91",
            "password2": "a-long-unusual-pass-91",
            "display_name": "新粉丝",
            "city": "shenzhen",
        },
    )
    assert response.status_code == 302

    (mail,) = mails_to(mailoutbox, "new@example.com")
    assert_branded(mail, language)
    expected = {
        "zh-hans": ("[粉丝城] 确认邮箱，完成注册", "欢迎你，新粉丝！有人（希望是你）用这个邮箱地址注册了粉丝城账号。"),
        "en": (
            "[Fancity] Confirm your email address to finish signing up",
            "Welcome, 新粉丝! Someone, we hope you, signed up to Fancity with this email address.",
        ),
    }[language]
    assert mail.subject == expected[0]
    assert expected[1] in mail.body
    assert re.search(r"http://testserver/accounts/confirm-email/[^/\s]+/", mail.body)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_password_reset_speaks_the_accounts_language_not_the_pages(client, celery_worker, mailoutbox, language):
    fan = UserFactory(username="forgetful", email="forgetful@example.com", language=language)
    client.cookies["django_language"] = OTHER[language]
    client.post(reverse("account_reset_password"), {"email": "forgetful@example.com"})

    (mail,) = mails_to(mailoutbox, fan.email)
    assert_branded(mail, language)
    expected = {
        "zh-hans": ("[粉丝城] 重置密码", "有人（希望是你）请求重置你账号的密码。", "你的用户名是 forgetful。"),
        "en": (
            "[Fancity] Reset your password",
            "Someone, we hope you, asked to reset the password of your account.",
            "Your username is forgetful.",
        ),
    }[language]
    assert mail.subject == expected[0]
    assert expected[1] in mail.body and expected[2] in mail.body

    # Setting the new password tells the address that it was reset.
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.body).group(1)
    form_url = client.get(link).url
    response = client.post(form_url, {"password1": "brand-new-pass-77", "password2": "brand-new-pass-77"})
    assert response.status_code == 302

    notice = mails_to(mailoutbox, fan.email, count=2)[1]
    assert_branded(notice, language)
    expected = {
        "zh-hans": ("[粉丝城] 你的密码已被重置", "你账号的密码已通过发到这个地址的链接重置。"),
        "en": ("[Fancity] Your password was reset", "The password of your account was reset with a link"),
    }[language]
    assert notice.subject == expected[0]
    assert expected[1] in notice.body


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_fan_without_a_preferred_language_gets_the_pages_language(client, celery_worker, mailoutbox, language):
    fan = UserFactory(language="")
    client.cookies["django_language"] = language
    client.post(reverse("account_reset_password"), {"email": fan.email})

    (mail,) = mails_to(mailoutbox, fan.email)
    assert_branded(mail, language)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_changing_the_email_confirms_the_new_address_and_tells_the_old_one(client, celery_worker, mailoutbox, language):
    fan = UserFactory(username="mover", display_name="搬家的粉丝", email="old@example.com", language=language)
    sign_in(client, fan, OTHER[language])

    response = client.post(reverse("account_email"), {"action_add": "", "email": "new@example.com"})
    assert response.status_code == 302

    (confirm,) = mails_to(mailoutbox, "new@example.com")
    assert_branded(confirm, language)
    expected = {
        "zh-hans": (
            "[粉丝城] 确认你的新邮箱地址",
            "搬家的粉丝 请求把账号的邮箱地址改为这个地址",
            "确认之前，邮件仍会发到原来的地址。",
        ),
        "en": (
            "[Fancity] Confirm your new email address",
            "搬家的粉丝 asked to use this address as the email address of their account",
            "Until it is confirmed, mail keeps going to the old address.",
        ),
    }[language]
    assert confirm.subject == expected[0]
    assert expected[1] in confirm.body and expected[2] in confirm.body
    assert "register" not in confirm.body and "注册" not in confirm.body
    assert not [m for m in mailoutbox if "old@example.com" in m.to]

    link = re.search(r"http://testserver(/accounts/confirm-email/[^/\s]+/)", confirm.body).group(1)
    assert client.post(link).status_code == 302
    fan.refresh_from_db()
    assert fan.email == "new@example.com"

    (notice,) = mails_to(mailoutbox, "old@example.com")
    assert_branded(notice, language)
    expected = {
        "zh-hans": (
            "[粉丝城] 你账号的邮箱地址已更改",
            "你账号的邮箱地址已从 old@example.com 改为 new@example.com。",
            "如果这不是你本人的操作，请立即重置密码并告知工作人员。",
            "IP 地址：127.0.0.1",
        ),
        "en": (
            "[Fancity] The email address of your account was changed",
            "The email address of your account was changed from old@example.com to new@example.com.",
            "If you did not make this change, reset your password at once and tell our staff.",
            "IP address: 127.0.0.1",
        ),
    }[language]
    assert notice.subject == expected[0]
    assert all(text in notice.body for text in expected[1:])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_changing_the_password_sends_a_notice(client, celery_worker, mailoutbox, language):
    fan = UserFactory(language=language)
    sign_in(client, fan, language)

    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": "correct-horse-battery",
            "password1": "another-long-pass-55",
            "password2": "another-long-pass-55",
        },
    )
    assert response.status_code == 302

    (notice,) = mails_to(mailoutbox, fan.email)
    assert_branded(notice, language)
    expected = {
        "zh-hans": ("[粉丝城] 你的密码已更改", "你账号的密码已更改。"),
        "en": ("[Fancity] Your password was changed", "The password of your account was changed."),
    }[language]
    assert notice.subject == expected[0]
    assert expected[1] in notice.body


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_signing_in_unconfirmed_resends_the_confirmation_without_talk_of_a_change(
    client, celery_worker, mailoutbox, language
):
    fan = UserFactory(username="late", display_name="迟到的粉丝", language=language)
    fan.emailaddress_set.update(verified=False)
    client.post(reverse("account_login"), {"login": "late", "password": "correct-horse-battery"})

    (mail,) = mails_to(mailoutbox, fan.email)
    assert_branded(mail, language)
    expected = {
        "zh-hans": ("[粉丝城] 确认你的邮箱地址", "要以 迟到的粉丝 的身份登录，请确认这个邮箱地址属于你"),
        "en": (
            "[Fancity] Confirm your email address",
            "To sign in as 迟到的粉丝, confirm that this email address is yours",
        ),
    }[language]
    assert mail.subject == expected[0]
    assert expected[1] in mail.body
    assert User.objects.get(pk=fan.pk).email == fan.email
