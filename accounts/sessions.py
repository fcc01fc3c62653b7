"""Sessions kept in PostgreSQL and read from Redis: Django's cached_db, with a short cache lifetime.

Every signed-in request reads the session; from Redis that is one GET instead of a query. PostgreSQL
stays the record: every write goes there first, and a session Redis does not hold (evicted, expired,
Redis restarted or unreachable: `fancity.lib.cache` then answers "miss") is read from there and put
back. So a Redis outage costs one query a request, never a sign-out.

The one thing the cache could get wrong is a sign-out made while Redis is unreachable: the row is
deleted but the cached copy cannot be, and would answer again once Redis is back. The cached copy
therefore lives at most CACHE_SECONDS after it was written, which bounds that window (and the cookie
itself is already gone from the browser that signed out). Every other way a session ends goes
through the user row, which is read from PostgreSQL on every request: a password change (the
session's auth hash), a deactivated, banned or deleted account.
"""

import logging

from django.contrib.sessions.backends import cached_db

logger = logging.getLogger("django.contrib.sessions")

CACHE_SECONDS = 300


class SessionStore(cached_db.SessionStore):
    cache_key_prefix = "fancity.session."

    def _cache_timeout(self, **kwargs) -> int:
        return min(CACHE_SECONDS, self.get_expiry_age(**kwargs))

    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:  # noqa: BLE001 - as Django's: an unusable key resets the session
            data = None
        if data is None:
            row = self._get_session_from_db()
            if not row:
                return {}
            data = self.decode(row.session_data)
            self._cache.set(self.cache_key, data, self._cache_timeout(expiry=row.expire_date))
        return data

    def save(self, must_create=False):
        super(cached_db.SessionStore, self).save(must_create)  # the database first, as cached_db does
        try:
            self._cache.set(self.cache_key, self._session, self._cache_timeout())
        except Exception:
            logger.exception("Error saving to cache (%s)", self._cache)
