"""
The caches the site reads and writes, each behind ``TolerantCache``: the cache
is an optimisation, never a dependency, so a failing backend costs the cache,
never the page.
"""

import logging
import time

from django.conf import settings
from django.core.cache import caches
from django.core.signals import setting_changed
from django.dispatch import receiver

logger = logging.getLogger(__name__)


class TolerantCache:
    """
    One alias of ``settings.CACHES`` whose failures are logged and swallowed:
    a read that fails answers ``default``, a write that fails answers False.

    After a failure the backend is left alone for ``CACHE_RETRY_SECONDS`` (so
    a dead Redis costs one socket timeout per period, not one per call), then
    tried again, so the site recovers by itself when the backend returns.
    """

    def __init__(self, alias):
        self.alias = alias
        self._down_until = 0.0

    def __repr__(self):
        return f"<TolerantCache {self.alias!r}>"

    @property
    def available(self):
        """False while the backend is being left alone after a failure."""
        return time.monotonic() >= self._down_until

    def forget_failures(self):
        self._down_until = 0.0

    def _failed(self, action, key):
        self._down_until = time.monotonic() + settings.CACHE_RETRY_SECONDS
        logger.warning(
            "cache %r unavailable while %s %s; serving uncached",
            self.alias,
            action,
            key,
            exc_info=True,
        )

    def get(self, key, default=None):
        if self.available:
            try:
                return caches[self.alias].get(key, default)
            except Exception:
                self._failed("reading", key)
        return default

    def set(self, key, value, *, timeout):
        """Store ``value`` for ``timeout`` seconds (None: until replaced); True once stored."""
        if self.available:
            try:
                caches[self.alias].set(key, value, timeout)
                return True
            except Exception:
                self._failed("storing", key)
        return False

    def get_many(self, keys):
        """The stored values of ``keys`` (those found), or {} while the backend fails."""
        if self.available:
            try:
                return caches[self.alias].get_many(keys)
            except Exception:
                self._failed("reading", ", ".join(keys))
        return {}

    def set_many(self, mapping, *, timeout):
        """Store every value of ``mapping``; True once all are stored."""
        if self.available:
            try:
                return not caches[self.alias].set_many(mapping, timeout)
            except Exception:
                self._failed("storing", ", ".join(mapping))
        return False

    def delete(self, key):
        if self.available:
            try:
                caches[self.alias].delete(key)
            except Exception:
                self._failed("deleting", key)

    def add(self, key, value, *, timeout):
        """Store ``value`` unless ``key`` holds one; True if this call stored it."""
        if self.available:
            try:
                return caches[self.alias].add(key, value, timeout)
            except Exception:
                self._failed("adding", key)
        return False


# Rendered pages and the figures they show. Each is stored with the versions
# it was rendered under, checked on every serve, so this cache need not be
# shared: local memory on the embedded default, Redis when REDIS_URL is set.
pages = TolerantCache("default")

# The versions themselves. Each must be one value for every process that
# serves or writes the site (every gunicorn worker, every management command),
# or a write made in one of them leaves the others serving what it changed: a
# directory on this machine on the embedded default, Redis when REDIS_URL is set.
versions = TolerantCache("versions")


@receiver(setting_changed)
def _cache_settings_changed(*, setting, **kwargs):
    # Other caches (override_settings in tests, a reloaded configuration): a
    # failure of the old ones says nothing about the new.
    if setting in {"CACHES", "CACHE_RETRY_SECONDS"}:
        pages.forget_failures()
        versions.forget_failures()
