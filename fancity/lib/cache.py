"""A Redis cache that a dead or hanging Redis turns into "no cache" instead of a failed request.

Everything the site keeps in the cache can be rebuilt or lost (rendered fragments, search rankings,
rate-limit counters, the once-a-day activity guard), so an unreachable Redis answers like Django's
DummyCache: reads miss, writes are dropped, `add` succeeds. Connections time out in a fraction of a
second and are not retried, and after a failure the process skips Redis for a few seconds, so an
outage costs a request microseconds, not a timeout per cache call.

Its URL is a Redis server (`redis://host:port/db`) or the Sentinels that watch one, in kombu's form
(`sentinel://host:26379/db;sentinel://host2:26379/db`) with the master's name in the `sentinel_master`
option: the client then asks a Sentinel where the master is whenever it connects, so after a failover
the cache is back as soon as the Sentinels have promoted a replica, without a restart.
"""

from urllib.parse import unquote, urlsplit

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.backoff import NoBackoff
from redis.retry import Retry
from redis.sentinel import Sentinel, SentinelConnectionPool

from fancity.lib.breaker import Breaker

UNREACHABLE = (redis.ConnectionError, redis.TimeoutError)

FAST_FAILING = {
    "socket_connect_timeout": 0.25,
    "socket_timeout": 0.5,
    "retry": Retry(NoBackoff(), 0),
}


def connection_pool(url: str, sentinel_master: str | None = None, **options) -> redis.ConnectionPool:
    """A pool of connections to the Redis at `url`; for `sentinel://` URLs, to whichever server the
    Sentinels listed there name as the master `sentinel_master` at the time each connection is made."""
    if not url.startswith("sentinel://"):
        return redis.ConnectionPool.from_url(url, **options)
    if not sentinel_master:
        raise ValueError(f"{url} names Sentinels: say which master they watch (sentinel_master)")
    hosts, db, password = [], 0, None
    for part in url.split(";"):
        parts = urlsplit(part.strip())
        hosts.append((parts.hostname or "127.0.0.1", parts.port or 26379))
        db = int(parts.path.strip("/") or db)
        password = unquote(parts.password) if parts.password else password
    # Asking a Sentinel fails as fast as a command does; the next Sentinel in the list is asked then.
    timeouts = {key: options[key] for key in ("socket_connect_timeout", "socket_timeout") if key in options}
    sentinels = Sentinel(hosts, sentinel_kwargs=timeouts)
    return SentinelConnectionPool(sentinel_master, sentinels, db=db, password=password, **options)


def redis_client(url: str, sentinel_master: str | None = None, **options) -> redis.Redis:
    """A redis.Redis for `url` (plain or Sentinel, as `connection_pool`), failing fast by default."""
    return redis.Redis(connection_pool=connection_pool(url, sentinel_master, **{**FAST_FAILING, **options}))


class _OneClientPerPool(RedisCacheClient):
    """Django's client, keeping one redis.Redis per connection pool: Django makes a new one for every
    cache call, and each builds its table of ~170 reply callbacks (several times a page). A
    redis.Redis is safe to share between threads; the pool hands each call its own connection."""

    def __init__(self, servers, sentinel_master=None, **kwargs):
        super().__init__(servers, **kwargs)
        self._sentinel_master = sentinel_master
        self._clients = {}

    def _get_connection_pool(self, write):
        if not self._servers[0].startswith("sentinel://"):
            return super()._get_connection_pool(write)
        # Django split the Sentinels' URL at its semicolons into "servers": they are one master.
        if 0 not in self._pools:
            self._pools[0] = connection_pool(";".join(self._servers), self._sentinel_master, **self._pool_options)
        return self._pools[0]

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class ForgivingRedisCache(RedisCache):
    """Django's RedisCache; on a connection error or timeout it logs once and behaves as no cache."""

    skip_seconds = 5.0

    def __init__(self, server, params):
        params = {**params, "OPTIONS": {**FAST_FAILING, **(params.get("OPTIONS") or {})}}
        super().__init__(server, params)
        self._class = _OneClientPerPool
        self.breaker = Breaker(f"Redis cache at {server}", self.skip_seconds)
        # MAX_TIMEOUT (seconds): nothing is kept longer, whatever the caller asks (the sessions' copy).
        self.max_timeout = params.get("MAX_TIMEOUT")

    def get_backend_timeout(self, timeout=DEFAULT_TIMEOUT):
        seconds = super().get_backend_timeout(timeout)
        if self.max_timeout is None or (seconds is not None and seconds <= self.max_timeout):
            return seconds
        return self.max_timeout

    def _or(self, fallback, method, *args, **kwargs):
        if self.breaker.is_open():
            return fallback
        try:
            return method(*args, **kwargs)
        except UNREACHABLE as error:
            self.breaker.trip(error)
            return fallback

    def ping(self) -> None:
        """Raise if Redis does not answer (for /healthz); the breaker is left alone."""
        self._cache.get_client(write=True).ping()

    # What Django's DummyCache answers, for each call, while Redis is unreachable.
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or(True, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._or(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._or(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._or(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._or({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._or(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        result = self._or(None, super().incr, key, delta, version)
        if result is None:
            raise ValueError(f"Key '{key}' not found (the cache is unreachable)")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or([], super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        self._or(None, super().delete_many, keys, version)

    def clear(self):
        return self._or(False, super().clear)
