"""Linking a follower to a Fancity account: by allauth's WeChat login (the unionid), and the code's limits."""

import datetime

import pytest
from allauth.core import context as allauth_context
from allauth.socialaccount.helpers import complete_social_login
from allauth.socialaccount.models import SocialAccount, SocialLogin
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import timezone

from accounts.adapter import SocialAdapter
from accounts.models import User
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


@pytest.fixture
def weixin_sign_in(settings):
    """allauth's WeChat provider, as when WECHAT_CLIENT_ID and WECHAT_SECRET are set (fancity/settings.py)."""
    from allauth.socialaccount.providers import registry
    from allauth.socialaccount.providers.weixin.provider import WeixinProvider

    settings.SOCIALACCOUNT_PROVIDERS = {"weixin": {"APPS": [{"client_id": "wxweb0000000001", "secret": "web"}]}}
    added = registry.get_class(WeixinProvider.id) is None
    if added:
        registry.register(WeixinProvider)
    yield
    if added:
        registry.provider_map.pop(WeixinProvider.id, None)


def _callback_request(user):
    """The request allauth's WeChat callback completes a sign-in in: the signed-in fan, a session, messages."""
    request = RequestFactory().get("/accounts/weixin/login/callback/")
    SessionMiddleware(lambda r: None).process_request(request)
    request.session.save()
    request.user = user
    request._messages = FallbackStorage(request)
    return request


def test_a_signed_in_fan_connecting_wechat_links_their_followers(account, weixin_sign_in):
    """allauth's own connect flow (process "connect", as after "Connect WeChat" in the account's
    connections page): the sign-in becomes the signed-in fan's, and their follower is linked."""
    follower = follower_for(account, "oa-openid-2", timezone.now())
    Follower.objects.filter(pk=follower.pk).update(unionid="union-2")
    bystander = follower_for(account, "not-me", timezone.now())
    me = fan()
    request = _callback_request(me)
    sociallogin = SocialLogin(
        user=User(),
        account=SocialAccount(provider="weixin", uid="web-openid-2", extra_data={"unionid": "union-2"}),
    )
    sociallogin.state = {"process": "connect", "next": "/settings/"}
    with allauth_context.request_context(request):
        response = complete_social_login(request, sociallogin)
    assert response.status_code == 302 and response["Location"] == "/settings/"
    assert SocialAccount.objects.get(provider="weixin").user == me  # connected by allauth itself
    linked = Follower.objects.get(pk=follower.pk)
    assert linked.user == me and linked.linked_at is not None
    assert Follower.objects.get(pk=bystander.pk).linked_at is None
    # Connecting it again (allauth: "updated") links nothing more and fails nothing.
    again = SocialLogin(
        user=User(), account=SocialAccount(provider="weixin", uid="web-openid-2", extra_data={"unionid": "union-2"})
    )
    again.state = {"process": "connect"}
    with allauth_context.request_context(request):
        assert complete_social_login(request, again).status_code == 302
    assert Follower.objects.filter(linked_at__isnull=False).count() == 1


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
