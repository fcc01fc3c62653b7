"""The site's WeChat API client: wechatpy's, pointed at `WECHAT_API_BASE_URL` (the real API, or the
local stand-in in tests and the demo), with the access token shared by every process through Redis."""

from functools import cache

import redis
import requests
from django.conf import settings
from wechatpy import WeChatClient
from wechatpy.session.redisstorage import RedisStorage

from servicedesk.wechat.models import Account

# Every call to WeChat gives up after this long (a Celery task retries the transient failures).
TIMEOUT = 5.0


@cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.CACHES["default"]["LOCATION"], socket_timeout=2)


class _Session(requests.Session):
    """wechatpy fetches the access token without a timeout; every request here has one."""

    def request(self, *args, **kwargs):
        kwargs["timeout"] = kwargs.get("timeout") or TIMEOUT
        return super().request(*args, **kwargs)


class Client(WeChatClient):
    """wechatpy's client with every URL, the access token's too, under the configured base URL."""

    def __init__(self, account: Account):
        self.API_BASE_URL = settings.WECHAT_API_BASE_URL
        super().__init__(
            account.app_id,
            account.secret,
            session=RedisStorage(_redis(), prefix="fancity:wechat"),
            timeout=TIMEOUT,
        )
        self._http = _Session()

    def fetch_access_token(self):
        return self._fetch_access_token(
            url=f"{self.API_BASE_URL}token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


def client_for(account: Account) -> Client:
    return Client(account)
