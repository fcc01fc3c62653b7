"""Login and sign-up limits key on the fan's address, also behind the README's TLS proxy."""

import pytest
from django.conf import settings
from django.test import RequestFactory, override_settings
from django.urls import reverse

from accounts.client_ip import client_ip
from tests.factories import UserFactory

PROXY = "10.0.0.2"  # the TLS proxy, as gunicorn sees it
ALICE, BOB = "203.0.113.7", "198.51.100.9"
BAD_LOGINS = 10  # ACCOUNT_RATE_LIMITS["login_failed"]: 10 a minute per address
# The same amounts over an hour: on a loaded two-core machine ten failed logins (each a PBKDF2 hash) or
# twenty sign-ups can take over a minute, and the first hits would age out of the window mid-test.
SAME_LIMITS_OVER_AN_HOUR = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "10/h/ip,5/5m/key", "signup": "20/h/ip"}


def login(client, login, password, forwarded_for):
    return client.post(
        reverse("account_login"),
        {"login": login, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def fail_ten_times(client, forwarded_for):
    # Ten different accounts, so that only the per-address limit (not the per-account one) is reached.
    for n in range(BAD_LOGINS):
        response = login(client, f"nobody{n}@example.com", "wrong-password", forwarded_for)
        assert response.status_code == 200 and "too many" not in response.text.lower()


@pytest.mark.django_db
@override_settings(ACCOUNT_RATE_LIMITS=SAME_LIMITS_OVER_AN_HOUR)
def test_without_a_trusted_proxy_a_spoofed_forwarded_for_does_not_escape_the_limit(client):
    UserFactory(username="bob", email="bob@example.com")
    fail_ten_times(client, forwarded_for=ALICE)

    # A fresh X-Forwarded-For is ignored: the address is still REMOTE_ADDR, which is over its limit.
    response = login(client, "bob@example.com", "correct-horse-battery", forwarded_for=BOB)

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1, ACCOUNT_RATE_LIMITS=SAME_LIMITS_OVER_AN_HOUR)
def test_behind_one_trusted_proxy_each_fan_has_their_own_limit(client):
    UserFactory(username="bob", email="bob@example.com")
    UserFactory(username="alice", email="alice@example.com")
    fail_ten_times(client, forwarded_for=ALICE)

    # Bob, behind the same proxy, signs in: Alice's failures are not his.
    response = login(client, "bob@example.com", "correct-horse-battery", forwarded_for=BOB)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(UserFactory._meta.model.objects.get(username="bob").pk)

    # Alice is still limited, even with her right password, and even when she prepends a made-up hop.
    client.logout()
    response = login(client, "alice@example.com", "correct-horse-battery", forwarded_for=f"{BOB}, {ALICE}")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1, ACCOUNT_RATE_LIMITS=SAME_LIMITS_OVER_AN_HOUR)
def test_behind_one_trusted_proxy_sign_ups_are_limited_per_fan_not_site_wide(client):
    """ACCOUNT_RATE_LIMITS["signup"] is 20 a minute per address: one address using it up leaves others free."""
    form = {"password1": "a-long-unusual-pass-91", "password2": "a-long-unusual-pass-91", "city": "shenzhen"}
    url = reverse("account_signup")
    for n in range(20):
        fields = {**form, "email": f"a{n}@example.com", "username": f"alice{n}", "display_name": f"A{n}"}
        assert client.post(url, fields, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ALICE).status_code == 302
        client.logout()

    blocked = {**form, "email": "a20@example.com", "username": "alice20", "display_name": "A20"}
    assert client.post(url, blocked, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ALICE).status_code == 429
    other = {**form, "email": "bob@example.com", "username": "bob", "display_name": "B"}
    assert client.post(url, other, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=BOB).status_code == 302


ADDRESSES = [
    # (trusted proxies, REMOTE_ADDR, X-Forwarded-For, client address)
    (0, PROXY, None, PROXY),
    (0, PROXY, ALICE, PROXY),
    (1, PROXY, None, PROXY),
    (1, PROXY, ALICE, ALICE),
    (1, PROXY, f"{BOB}, {ALICE}", ALICE),
    (1, PROXY, f"{ALICE}:51234", ALICE),
    (1, PROXY, "[2001:db8::1]:443", "2001:db8::1"),
    (2, PROXY, f"{BOB}, {ALICE}, 10.0.0.1", ALICE),
    (2, PROXY, ALICE, ALICE),  # fewer hops than proxies: the leftmost, written by a trusted proxy
    (1, PROXY, "not-an-address", PROXY),
    (1, PROXY, "\x00, ²", PROXY),
    (1, PROXY, " , ", PROXY),
]


@pytest.mark.parametrize("trusted,remote,forwarded,expected", ADDRESSES)
def test_client_ip_takes_the_address_the_outermost_trusted_proxy_saw(trusted, remote, forwarded, expected):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    with override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=trusted):
        assert client_ip(RequestFactory().get("/", **extra)) == expected
