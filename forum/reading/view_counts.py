"""Thread views: counted in Redis on every page view, added to the thread rows once a minute.

A page view then costs one HINCRBY instead of a row update that eight readers of the same thread
would queue behind. The Celery beat task forum.tasks.flush_view_counts moves the counts over.
While Redis is unreachable views are not counted: the page is served, and the process does not try
Redis again for a few seconds.
"""

from functools import cache as memoize

import redis
from django.conf import settings
from django.db import connection, transaction

from fancity.lib.breaker import Breaker
from fancity.lib.cache import redis_client
from forum.models import Thread

PENDING = "fancity:forum:views"
FLUSHING = "fancity:forum:views:flushing"


counter = Breaker("Redis view counter", cooldown=5.0)


@memoize
def _redis() -> redis.Redis:
    cache: dict = settings.CACHES["default"]
    return redis_client(cache["LOCATION"], (cache.get("OPTIONS") or {}).get("sentinel_master"))


def count_view(thread: Thread) -> None:
    if counter.is_open():
        return
    try:
        _redis().hincrby(PENDING, str(thread.pk), 1)
    except redis.RedisError as error:
        counter.trip(error)  # a lost view is better than a failed or slow page


def flush_view_counts() -> int:
    """Add the counted views to the threads; returns how many threads changed.

    The pending hash is renamed first, so views counted during the flush wait for the next one; a
    flush that died before deleting FLUSHING is finished by the next run.
    """
    client = _redis()
    if not client.exists(FLUSHING):
        try:
            client.rename(PENDING, FLUSHING)
        except redis.ResponseError:
            return 0  # nothing counted since the last flush
    counts = [(int(k), int(v)) for k, v in client.hgetall(FLUSHING).items()]
    if counts:
        with transaction.atomic(), connection.cursor() as cursor:
            values = ", ".join(["(%s, %s)"] * len(counts))
            cursor.execute(
                f"UPDATE {Thread._meta.db_table} t SET view_count = t.view_count + v.n "
                f"FROM (VALUES {values}) AS v(id, n) WHERE t.id = v.id",
                [x for pair in counts for x in pair],
            )
    client.delete(FLUSHING)
    return len(counts)
