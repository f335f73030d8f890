"""
/healthz for load balancers and uptime checks: is the database answering
(SELECT 1), is the cache answering (set then get, in the page cache and in
the one holding the content version)? 200 when both are, 503 naming what
failed otherwise. Never cached, never needs a session.
"""

import logging
import uuid

from django.core.cache import caches
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from articles.caching import store

logger = logging.getLogger(__name__)


def check_database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True
    except Exception:
        logger.warning("health check: database unavailable", exc_info=True)
        # Drop the broken connection so the next check (or request) opens a new one.
        if not connection.in_atomic_block:
            try:
                connection.close()
            except Exception:
                logger.debug("closing the broken connection failed", exc_info=True)
        return False


def check_cache():
    key = f"healthz:{uuid.uuid4().hex}"
    for alias in (store.pages.alias, store.versions.alias):
        try:
            cache = caches[alias]
            cache.set(key, "ok")  # for the alias's own TIMEOUT; deleted at once anyway
            answered = cache.get(key) == "ok"
            cache.delete(key)
        except Exception:
            logger.warning("health check: cache %r unavailable", alias, exc_info=True)
            return False
        if not answered:
            return False
    return True


@never_cache
def healthz(request):
    results = {
        "database": "ok" if check_database() else "unavailable",
        "cache": "ok" if check_cache() else "unavailable",
    }
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse(results, status=200 if healthy else 503)
