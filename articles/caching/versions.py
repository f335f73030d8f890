"""
The versions cached pages are stored under, each one value in the ``versions``
cache that a write replaces, so every process sharing that cache serves fresh
pages on its very next request:

- ``CONTENT``: everything. Bulk writes (an import, a backup load) and any
  write whose bump could not reach the cache replace it.
- ``ANY``: replaced by every write; the version of a page that does not say
  what it shows.
- ``LISTS``: what lists and links show of articles (titles, addresses, leads,
  dates, reading times, topics, section headings, publication): replaced by
  a write that changes any of it.
- ``article_key(slug)``: one article's own page (its body and everything on it).

A value is ``<random>@<time of the bump>``: pages may be served for a moment
after a bump (``GRACE_SECONDS``, see the middleware), never longer. A write that
withdraws something (unpublishes, reschedules or deletes an article, or a
bulk write) also moves ``WITHDRAWN``, and no page rendered before it is served
in grace.

Scheduled articles become public without any write, so every cached page also
expires no later than the next scheduled publication (``page_lifetime``).
"""

import math
import threading
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import Article
from .store import pages, versions

CONTENT = "content-version"
ANY = "version:any"
LISTS = "version:lists"
WITHDRAWN = "withdrawn-at"
NEXT_PUBLICATION_KEY = "next-publication:{version}"
NO_SCHEDULED_PUBLICATION = "none"


def article_key(slug):
    return f"version:article:{slug}"


# A write whose bump could not reach the cache: the pages stored before it are
# stale, so the next look at the versions (once the cache answers) bumps CONTENT first.
_bump_pending = False


def _new_version(now):
    # Random, never a counter: a bump needs no read-modify-write (two processes
    # bumping at once cannot both land on the same next value), and a version
    # lost with the cache's data is never followed by one that pages were
    # stored under before the loss.
    return f"{uuid.uuid4().hex}@{now:.3f}"


def bumped_at(value):
    """When the version ``value`` was made (seconds since the epoch); 0 if unknown."""
    try:
        return float(value.rpartition("@")[2])
    except (AttributeError, ValueError):
        return 0.0


def current(keys):
    """
    The current value of each of ``keys`` (a dict), in one read; a key that has
    none yet (or lost it) gets a new one. None while the cache is unreachable.
    """
    if _bump_pending and versions.available:
        bump_content_version()
    keys = list(dict.fromkeys(keys))
    found = versions.get_many(keys)
    if not versions.available:
        return None
    missing = [key for key in keys if key not in found]
    if missing:
        now = timezone.now().timestamp()
        raced = []
        for key in missing:
            # Lost or never made: for WITHDRAWN, "just now" (no page rendered
            # before may be served in grace).
            value = f"{now:.3f}" if key == WITHDRAWN else _new_version(now)
            if versions.add(key, value, timeout=None):
                found[key] = value
            else:  # another process made it first, or the cache failed
                raced.append(key)
        if raced:
            found.update(versions.get_many(raced))
        if any(key not in found for key in keys):
            return None
    return found


def content_version():
    """The current content version, or None while the cache is unreachable."""
    found = current([CONTENT])
    return None if found is None else found[CONTENT]


def bump(keys, *, withdrawn=False):
    """Give each of ``keys`` (and ``ANY``) a new value now; ``withdrawn``: no page rendered before is served in grace."""
    global _bump_pending
    now = timezone.now().timestamp()
    values = {key: _new_version(now) for key in {*keys, ANY}}
    if withdrawn:
        values[WITHDRAWN] = f"{now:.3f}"
    if not versions.set_many(values, timeout=None):
        _bump_pending = True


def bump_content_version():
    """Move every process to new versions of everything: nothing cached before is served again."""
    global _bump_pending
    _bump_pending = False
    bump([CONTENT, LISTS], withdrawn=True)


# Bumps asked for in the current transaction, made once it commits.
_pending = threading.local()


def bump_after_commit(keys, *, withdrawn=False):
    """``bump`` once the current transaction commits (at once outside one), with the other bumps asked for in it."""
    if not hasattr(_pending, "keys"):
        _pending.keys, _pending.withdrawn = set(), False
    _pending.keys.update(keys)
    _pending.withdrawn = _pending.withdrawn or withdrawn
    transaction.on_commit(_flush)


def _flush():
    # The first callback of a commit makes every bump asked for so far; the
    # rest find nothing left. (A rolled-back transaction's keys are bumped by
    # the next commit: a needless bump, never a missed one.)
    keys, withdrawn = getattr(_pending, "keys", set()), getattr(_pending, "withdrawn", False)
    if keys or withdrawn:
        _pending.keys, _pending.withdrawn = set(), False
        bump(keys, withdrawn=withdrawn)


def publication_version():
    """What the next scheduled publication is kept under: it changes with CONTENT and LISTS."""
    found = current([CONTENT, LISTS])
    return None if found is None else f"{found[CONTENT]}:{found[LISTS]}"


def next_scheduled_publication(version, *, now=None):
    """
    When the next scheduled article goes public (an aware datetime), or None.

    Computed once per ``version`` (``publication_version()``) and kept beside
    the pages; any write that schedules or reschedules an article makes a new one.
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
