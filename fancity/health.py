"""/healthz: 200 only when the database, the cache's Redis, the broker and at least one Celery worker answer.

The site keeps serving while Redis is down (the cache degrades to no cache, queued work waits in the
outbox), so this page is where an operator sees the outage: 503 with the failing part named.
"""

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from fancity.celery import app


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> None:
    ping = getattr(cache, "ping", None)  # fancity.lib.cache.ForgivingRedisCache; it hides errors elsewhere
    if ping is not None:
        ping()


def _broker() -> None:
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def _worker() -> None:
    if not app.control.ping(timeout=1.0):
        raise RuntimeError("no Celery worker answered a ping")


CHECKS = (("database", _database), ("cache", _cache), ("broker", _broker), ("worker", _worker))


@never_cache
def healthz(request):
    if request.GET.get("scope") == "node":
        return JsonResponse({"status": "ok", "scope": "node"})
    for name, check in CHECKS:
        try:
            check()
        except Exception as exc:
            return JsonResponse({"status": "down", "failing": name, "error": str(exc)}, status=503)
    return JsonResponse({"status": "ok"})
