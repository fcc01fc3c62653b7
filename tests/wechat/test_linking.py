"""Linking a follower to a Fancity account: by allauth's WeChat login (the unionid), and the code's limits."""

import datetime

import pytest
from allauth.socialaccount.models import SocialAccount, SocialLogin
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import timezone

from accounts.adapter import SocialAdapter
from servicedesk.wechat import linking
from servicedesk.wechat.followers import follower_for
from servicedesk.wechat.models import Account, Follower, LinkCode
from tests.servicedesk.factories import fan

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    return Account.objects.create(name="A", slug="brand", app_id="wxlinking0000001")


def test_wechat_login_links_the_follower_with_the_same_unionid(account):
    follower = follower_for(account, "oa-openid", timezone.now())
    Follower.objects.filter(pk=follower.pk).update(unionid="union-1")
    other = follower_for(account, "someone-else", timezone.now())
    me = fan()
    social = SocialAccount.objects.create(
        user=me, provider="weixin", uid="web-openid", extra_data={"unionid": "union-1"}
    )
    SocialAdapter().pre_social_login(RequestFactory().get("/"), SocialLogin(user=me, account=social))
    assert Follower.objects.get(pk=follower.pk).user == me
    assert Follower.objects.get(pk=other.pk).linked_at is None


def test_other_providers_link_nothing(account):
    follower_for(account, "same-uid", timezone.now())
    me = fan()
    social = SocialAccount.objects.create(user=me, provider="weibo", uid="same-uid", extra_data={})
    SocialAdapter().pre_social_login(RequestFactory().get("/"), SocialLogin(user=me, account=social))
    assert not Follower.objects.filter(linked_at__isnull=False).exists()


def test_a_code_works_once_and_not_after_it_expires(account):
    follower = follower_for(account, "f", timezone.now())
    code = linking.issue(follower)
    LinkCode.objects.filter(pk=code.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(ValidationError):
        linking.link_with_code(fan(), code.code)


def test_guessing_codes_is_limited(account):
    me = fan()
    for _n in range(linking.ATTEMPTS_PER_HOUR):
        with pytest.raises(ValidationError):
            linking.link_with_code(me, "12345678")
    code = linking.issue(follower_for(account, "f", timezone.now()))
    with pytest.raises(ValidationError, match="Too many|尝试次数"):
        linking.link_with_code(me, code.code)


def test_a_follower_linked_to_someone_else_stays_theirs(account):
    follower = follower_for(account, "f", timezone.now())
    first, second = fan(), fan()
    linking.link_with_code(first, linking.issue(follower).code)
    with pytest.raises(ValidationError):
        linking.link_with_code(second, linking.issue(Follower.objects.get(pk=follower.pk)).code)
    assert Follower.objects.get(pk=follower.pk).user == first
