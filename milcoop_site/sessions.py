"""
Sessions in the database, read through the shared cache — and still working
when the cache is down: a cache error costs the cache, never the request.
"""

import logging

from django.contrib.sessions.backends import cached_db

logger = logging.getLogger(__name__)


class _TolerantCache:
    def __init__(self, cache):
        self._cache = cache

    def __getattr__(self, name):
        method = getattr(self._cache, name)

        def call(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except Exception:
                logger.warning("session cache unavailable (%s); using the database", name)
                return None

        return call

    def __contains__(self, key):
        try:
            return key in self._cache
        except Exception:
            logger.warning("session cache unavailable (contains); using the database")
            return False


class SessionStore(cached_db.SessionStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._cache = _TolerantCache(self._cache)
