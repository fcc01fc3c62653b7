"""The site's WeChat API client: wechatpy's, pointed at `WECHAT_API_BASE_URL` (the real API, or the
local stand-in in tests and the demo), with the access token shared by every process through Redis."""

import json
import time
from functools import cache

import redis
import requests
from django.conf import settings
from wechatpy import WeChatClient
from wechatpy.constants import WeChatErrorCode
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.redisstorage import RedisStorage

from servicedesk.wechat.models import Account

# Every call to WeChat gives up after this long (a Celery task retries the transient failures).
TIMEOUT = 5.0
# A media download gives up after this long in all, however slowly the bytes keep coming.
DOWNLOAD_SECONDS = 30.0
_TOKEN_ERRORS = {
    WeChatErrorCode.INVALID_CREDENTIAL.value,
    WeChatErrorCode.INVALID_ACCESS_TOKEN.value,
    WeChatErrorCode.EXPIRED_ACCESS_TOKEN.value,
}


class TooLarge(Exception):
    """A download larger than the limit: refused at the first byte past it (or at its Content-Length)."""


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

    def download_media(self, media_id: str, limit: int) -> bytes:
        """A temporary media file (`media/get`, what `media.download` calls), streamed: at most `limit`
        bytes are read (TooLarge past it), DOWNLOAD_SECONDS in all. wechatpy's own `media.download` reads
        the whole body first, whatever its size. WeChat's JSON error raises WeChatClientException as
        wechatpy's calls do (an expired access token is fetched again once); an HTTP error or no answer
        raises it with `errcode` None (transient)."""
        for attempt in (1, 2):
            try:
                data, is_json = self._stream(f"{self.API_BASE_URL}media/get", media_id, limit)
            except requests.RequestException as error:
                raise WeChatClientException(None, str(error)[:200], client=self) from error
            if not is_json:
                return data
            try:
                result = json.loads(data)
            except ValueError:
                return data  # a file served as text: the content check decides what it is
            errcode = int(result.get("errcode") or 0) if isinstance(result, dict) else 0
            if not errcode:
                return data
            if errcode in _TOKEN_ERRORS and attempt == 1:
                self.fetch_access_token()
                continue
            raise WeChatClientException(errcode, str(result.get("errmsg", ""))[:200], client=self)
        raise AssertionError("unreachable")

    def _stream(self, url: str, media_id: str, limit: int) -> tuple[bytes, bool]:
        deadline = time.monotonic() + DOWNLOAD_SECONDS
        params = {"access_token": self.access_token, "media_id": media_id}
        with self._http.get(url, params=params, stream=True, timeout=TIMEOUT) as response:
            response.raise_for_status()
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise TooLarge(int(declared))
            chunks, size = [], 0
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise TooLarge(size)
                if time.monotonic() > deadline:
                    raise requests.Timeout(f"download took more than {DOWNLOAD_SECONDS:.0f} s")
                chunks.append(chunk)
            content_type = response.headers.get("Content-Type", "").lower()
        return b"".join(chunks), content_type.startswith(("application/json", "text/plain"))

    def fetch_access_token(self):
        return self._fetch_access_token(
            url=f"{self.API_BASE_URL}token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


def client_for(account: Account) -> Client:
    return Client(account)
