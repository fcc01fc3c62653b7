import pytest

from servicedesk.wechat import inbound
from servicedesk.wechat.models import Account
from tests.wechat.standin import StandIn


@pytest.fixture
def standin(settings):
    with StandIn() as wechat:
        settings.WECHAT_API_BASE_URL = wechat.base_url
        yield wechat


@pytest.fixture
def account(standin, db):
    acct = Account(name="Brand service", slug="brand", app_id=standin.app_id, welcome="欢迎关注", welcome_en="Welcome")
    acct.token, acct.aes_key, acct.secret = standin.token, standin.aes_key, standin.secret
    acct.save()
    inbound._rules = (0.0, [])  # rules made by the test apply at once
    return acct


@pytest.fixture
def webhook(live_server, account):
    return f"{live_server.url}/wechat/{account.slug}/"
