"""
/healthz for load balancers and uptime checks: is the database answering
(SELECT 1), is the cache answering (set then get)? 200 when both are, 503
naming what failed otherwise. Never cached, never needs a session.
"""

import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

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
    try:
        cache.set(key, "ok", timeout=10)
        answered = cache.get(key) == "ok"
        cache.delete(key)
        return answered
    except Exception:
        logger.warning("health check: cache unavailable", exc_info=True)
        return False


@never_cache
def healthz(request):
    results = {
        "database": "ok" if check_database() else "unavailable",
        "cache": "ok" if check_cache() else "unavailable",
    }
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse(results, status=200 if healthy else 503)
