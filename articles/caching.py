"""
The content version: one number in the shared cache, bumped by every write
to published content. Cached pages are keyed on it, so a bump makes every
instance that shares the cache serve fresh pages on the very next request.
"""

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)

CONTENT_VERSION_KEY = "content-version"


def content_version():
    try:
        version = cache.get(CONTENT_VERSION_KEY)
        if version is None:
            cache.add(CONTENT_VERSION_KEY, 1, timeout=None)
            version = cache.get(CONTENT_VERSION_KEY, 1)
        return version
    except Exception:  # the cache is down: serve uncached, never fail the page
        logger.warning("cache unavailable while reading the content version", exc_info=True)
        return None


def bump_content_version():
    try:
        cache.incr(CONTENT_VERSION_KEY)
    except ValueError:
        cache.add(CONTENT_VERSION_KEY, 2, timeout=None)
    except Exception:
        logger.warning("cache unavailable while bumping the content version", exc_info=True)
