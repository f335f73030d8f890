"""
The content version: one number in the shared cache, bumped by every write
to published content. Cached pages are keyed on it, so a bump makes every
instance that shares the cache serve fresh pages on the very next request.

Scheduled articles become public without any write, so every cached page also
expires no later than the next scheduled publication (``page_lifetime``).

The cache is an optimisation, never a dependency: every call here swallows
cache errors and logs them. After a failure the cache is left alone for
``CACHE_RETRY_SECONDS`` (so a dead Redis costs one socket timeout, not one per
call), then tried again, so the site recovers by itself when Redis returns.
"""

import logging
import math
import threading
import time
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger(__name__)

CONTENT_VERSION_KEY = "content-version"
NEXT_PUBLICATION_KEY = "next-publication:{version}"
NO_SCHEDULED_PUBLICATION = "none"

_lock = threading.Lock()
_down_until = 0.0
_bump_pending = False


def _new_version():
    # Time-based rather than 1, 2, 3…: after Redis loses its data the counter
    # starts again at a value no page from before the loss was stored under.
    return time.time_ns() // 1000


def cache_available():
    return time.monotonic() >= _down_until


def _cache_failed(action):
    global _down_until
    retry = getattr(settings, "CACHE_RETRY_SECONDS", 5)
    with _lock:
        _down_until = time.monotonic() + retry
    logger.warning("cache unavailable while %s; serving uncached", action, exc_info=True)


def _cache_recovered():
    global _bump_pending
    if _bump_pending:
        # A write happened while the cache was unreachable: the pages stored
        # before it are stale, so move every instance to a new version now.
        _bump()
        with _lock:
            _bump_pending = False


def safe_cache_call(action, method, *args, **kwargs):
    """``cache.<method>(*args)``, or None when the cache is down (logged once per retry period)."""
    if not cache_available():
        return None
    try:
        return getattr(cache, method)(*args, **kwargs)
    except Exception:
        _cache_failed(action)
        return None


def content_version():
    """The current content version, or None when the cache is unreachable."""
    if not cache_available():
        return None
    try:
        _cache_recovered()
        version = cache.get(CONTENT_VERSION_KEY)
        if version is None:
            cache.add(CONTENT_VERSION_KEY, _new_version(), timeout=None)
            version = cache.get(CONTENT_VERSION_KEY)
        return version
    except Exception:  # the cache is down: serve uncached, never fail the page
        _cache_failed("reading the content version")
        return None


def _bump():
    try:
        cache.incr(CONTENT_VERSION_KEY)
    except ValueError:  # no version yet (or it was evicted)
        cache.add(CONTENT_VERSION_KEY, _new_version(), timeout=None)


def bump_content_version():
    global _bump_pending
    try:
        _bump()
    except Exception:
        # Remember it: the pages cached before this write must not be served
        # once the cache answers again.
        with _lock:
            _bump_pending = True
        _cache_failed("bumping the content version")


def next_scheduled_publication(version, *, now=None):
    """
    When the next scheduled article goes public (an aware datetime), or None.

    Computed once per content version and kept in the cache beside it; any
    write that schedules or reschedules an article bumps the version.
    """
    from ..models import Article

    now = now or timezone.now()
    key = NEXT_PUBLICATION_KEY.format(version=version)
    stored = safe_cache_call("reading the next publication", "get", key)
    if stored == NO_SCHEDULED_PUBLICATION:
        return None
    if stored is not None and stored > now.timestamp():
        return datetime.fromtimestamp(stored, tz=UTC)
    upcoming = (
        Article.objects.scheduled()
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    if upcoming is None:
        safe_cache_call("storing the next publication", "set", key, NO_SCHEDULED_PUBLICATION, None)
    else:
        timeout = seconds_until(upcoming, now=now)
        if timeout >= 1:
            safe_cache_call(
                "storing the next publication", "set", key, upcoming.timestamp(), timeout
            )
    return upcoming


def seconds_until(moment, *, now=None):
    """Whole seconds from now until ``moment``, rounded down (a cache may expire early, never late)."""
    now = now or timezone.now()
    return max(0, math.floor((moment - now).total_seconds()))


def page_lifetime(version, *, now=None):
    """
    How long a page rendered now may be served from the cache: the configured
    page lifetime, cut short by the next scheduled publication. 0 means do
    not cache.
    """
    now = now or timezone.now()
    lifetime = getattr(settings, "PAGE_CACHE_SECONDS", 600)
    upcoming = next_scheduled_publication(version, now=now)
    if upcoming is not None:
        lifetime = min(lifetime, seconds_until(upcoming, now=now))
    return lifetime


_MISSING = object()


def derived(name, compute):
    """
    ``compute()``, kept in the shared cache for the current content version
    (and no longer than a page rendered now may live), for corpus-wide figures
    that many pages show and that cost a pass over the whole site, such as the
    tag counts. Any write moves every instance to a new version, so the value
    is never staler than the pages it appears on. Without a cache it is simply
    computed.
    """
    version = content_version()
    if version is None:
        return compute()
    key = f"derived:{name}:{version}"
    value = safe_cache_call("reading derived data", "get", key, _MISSING)
    if value is not _MISSING:
        return value
    value = compute()
    lifetime = page_lifetime(version)
    if lifetime >= 1:
        safe_cache_call("storing derived data", "set", key, value, lifetime)
    return value
