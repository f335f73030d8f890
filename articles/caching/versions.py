"""
The content version: one value in the ``versions`` cache, replaced by every
write to published content. Cached pages and derived figures are stored under
it, so a write makes every process that shares that cache serve fresh pages on
its very next request.

Scheduled articles become public without any write, so every cached page also
expires no later than the next scheduled publication (``page_lifetime``).
"""

import math
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone

from ..models import Article
from .store import pages, versions

CONTENT_VERSION_KEY = "content-version"
NEXT_PUBLICATION_KEY = "next-publication:{version}"
NO_SCHEDULED_PUBLICATION = "none"

# A write whose bump could not reach the cache: the pages stored before it are
# stale, so the next look at the version (once the cache answers) bumps first.
_bump_pending = False


def _new_version():
    # Random, never a counter: a bump needs no read-modify-write (two processes
    # bumping at once cannot both land on the same next value), and a version
    # lost with the cache's data is never followed by one that pages were
    # stored under before the loss.
    return uuid.uuid4().hex


def content_version():
    """The current content version, or None while the cache is unreachable."""
    if _bump_pending and versions.available:
        bump_content_version()
    version = versions.get(CONTENT_VERSION_KEY)
    if version is None and versions.available:  # none yet, or it was evicted
        versions.add(CONTENT_VERSION_KEY, _new_version(), timeout=None)
        version = versions.get(CONTENT_VERSION_KEY)
    return version


def bump_content_version():
    """Move every process to a new content version: nothing cached before is served again."""
    global _bump_pending
    _bump_pending = not versions.set(CONTENT_VERSION_KEY, _new_version(), timeout=None)


def next_scheduled_publication(version, *, now=None):
    """
    When the next scheduled article goes public (an aware datetime), or None.

    Computed once per content version and kept beside the pages; any write that
    schedules or reschedules an article makes a new version.
    """
    now = now or timezone.now()
    key = NEXT_PUBLICATION_KEY.format(version=version)
    stored = pages.get(key)
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
        pages.set(key, NO_SCHEDULED_PUBLICATION, timeout=settings.PAGE_CACHE_SECONDS)
    elif (timeout := seconds_until(upcoming, now=now)) >= 1:
        pages.set(key, upcoming.timestamp(), timeout=timeout)
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
    lifetime = settings.PAGE_CACHE_SECONDS
    upcoming = next_scheduled_publication(version, now=now)
    if upcoming is not None:
        lifetime = min(lifetime, seconds_until(upcoming, now=now))
    return lifetime


_MISSING = object()


def derived(name, compute):
    """
    ``compute()``, kept for the current content version (and no longer than a
    page rendered now may live), for corpus-wide figures that many pages show
    and that cost a pass over the whole site, such as the tag counts. Any write
    makes a new version, so the value is never staler than the pages it appears
    on. Without a cache it is simply computed.
    """
    version = content_version()
    if version is None:
        return compute()
    key = f"derived:{name}:{version}"
    value = pages.get(key, _MISSING)
    if value is not _MISSING:
        return value
    value = compute()
    lifetime = page_lifetime(version)
    if lifetime >= 1:
        pages.set(key, value, timeout=lifetime)
    return value
