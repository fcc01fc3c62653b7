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

The cache is django-redis's (Django's own Redis cache makes a new redis.Redis, with its table of reply
callbacks, for every call, and knows no Sentinels); `redis_client` gives the same kind of connection to
code that speaks Redis itself (the thread view counts).
"""

from urllib.parse import unquote, urlsplit

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django_redis.cache import RedisCache
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


def _sentinels(url: str) -> tuple[list[tuple[str, int]], int, str | None]:
    """The Sentinels (host, port) listed in a kombu-form `sentinel://` URL, its database and password."""
    hosts, db, password = [], 0, None
    for part in url.split(";"):
        parts = urlsplit(part.strip())
        hosts.append((parts.hostname or "127.0.0.1", parts.port or 26379))
        db = int(parts.path.strip("/") or db)
        password = unquote(parts.password) if parts.password else password
    return hosts, db, password


def connection_pool(url: str, sentinel_master: str | None = None, **options) -> redis.ConnectionPool:
    """A pool of connections to the Redis at `url`; for `sentinel://` URLs, to whichever server the
    Sentinels listed there name as the master `sentinel_master` at the time each connection is made."""
    if not url.startswith("sentinel://"):
        return redis.ConnectionPool.from_url(url, **options)
    if not sentinel_master:
        raise ValueError(f"{url} names Sentinels: say which master they watch (sentinel_master)")
    hosts, db, password = _sentinels(url)
    # Asking a Sentinel fails as fast as a command does; the next Sentinel in the list is asked then.
    timeouts = {key: options[key] for key in ("socket_connect_timeout", "socket_timeout") if key in options}
    sentinels = Sentinel(hosts, sentinel_kwargs=timeouts)
    return SentinelConnectionPool(sentinel_master, sentinels, db=db, password=password, **options)


def redis_client(url: str, sentinel_master: str | None = None, **options) -> redis.Redis:
    """A redis.Redis for `url` (plain or Sentinel, as `connection_pool`), failing fast by default."""
    return redis.Redis(connection_pool=connection_pool(url, sentinel_master, **{**FAST_FAILING, **options}))


def _django_redis_form(url: str, options: dict) -> tuple[str, dict]:
    """django-redis's LOCATION and OPTIONS for `url`: a Redis server, or the Sentinels of kombu's form
    (django-redis names the master in the URL, `redis://<master>/<db>`, and lists the Sentinels apart)."""
    options = dict(options)
    sentinel_master = options.pop("sentinel_master", None)
    fast = {
        "SOCKET_CONNECT_TIMEOUT": FAST_FAILING["socket_connect_timeout"],
        "SOCKET_TIMEOUT": FAST_FAILING["socket_timeout"],
        "CONNECTION_POOL_KWARGS": {"retry": FAST_FAILING["retry"]},
    }
    if not url.startswith("sentinel://"):
        return url, {**fast, **options}
    if not sentinel_master:
        raise ValueError(f"{url} names Sentinels: say which master they watch (sentinel_master)")
    hosts, db, password = _sentinels(url)
    sentinel = {
        "CLIENT_CLASS": "django_redis.client.SentinelClient",
        "CONNECTION_FACTORY": "django_redis.pool.SentinelConnectionFactory",
        "SENTINELS": hosts,
        # Asking a Sentinel fails as fast as a command does; the next Sentinel in the list is asked then.
        "SENTINEL_KWARGS": {k: v for k, v in FAST_FAILING.items() if k.startswith("socket_")},
        **({"PASSWORD": password} if password else {}),
    }
    return f"redis://{sentinel_master}/{db}", {**fast, **sentinel, **options}


class ForgivingRedisCache(RedisCache):
    """django-redis's cache (one redis client per server, kept for the process; Sentinel support); on a
    connection error or timeout it logs once and behaves as no cache."""

    skip_seconds = 5.0

    def __init__(self, server, params):
        location, options = _django_redis_form(server, params.get("OPTIONS") or {})
        super().__init__(location, {**params, "OPTIONS": options})
        self.breaker = Breaker(f"Redis cache at {server}", self.skip_seconds)
        # MAX_TIMEOUT (seconds): nothing is kept longer, whatever the caller asks (the sessions' copy).
        self.max_timeout = params.get("MAX_TIMEOUT")

    def _capped(self, timeout):
        if timeout is DEFAULT_TIMEOUT:
            timeout = self.default_timeout
        if self.max_timeout is None or (timeout is not None and timeout <= self.max_timeout):
            return timeout
        return self.max_timeout

    def _or(self, fallback, method, *args, **kwargs):
        if self.breaker.is_open():
            return fallback
        try:
            return method(*args, **kwargs)
        except UNREACHABLE as error:
            self.breaker.trip(error)
            return fallback

    def master(self) -> redis.Redis:
        """The redis client of the cache's server (its master, through Sentinel), for a command the cache
        has no method for (a Lua script); the caller minds the breaker."""
        return self.client.get_client(write=True)

    def ping(self) -> None:
        """Raise if Redis does not answer (for /healthz); the breaker is left alone."""
        self.master().ping()

    # What Django's DummyCache answers, for each call, while Redis is unreachable.
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or(True, super().add, key, value, self._capped(timeout), version)

    def get(self, key, default=None, version=None):
        return self._or(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._or(None, super().set, key, value, self._capped(timeout), version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or(False, super().touch, key, self._capped(timeout), version)

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
        return self._or([], super().set_many, data, self._capped(timeout), version)

    def delete_many(self, keys, version=None):
        self._or(None, super().delete_many, keys, version)

    def clear(self):
        return self._or(False, super().clear)
