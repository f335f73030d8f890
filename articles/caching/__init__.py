"""
Caching, in one place: the content version every cached thing is stored under,
and the anonymous page cache.

- ``store``: the caches, each behind ``TolerantCache`` (a failing cache costs
  the cache, never the page).
- ``versions``: the content version shared by every process, the lifetime of
  a page (cut short by the next scheduled publication), ``derived`` figures.
- ``middleware``: serving, and rendering and storing, pages for anonymous readers.

Writes call ``bump_content_version`` (through the content signals, or after
their own bulk writes) once they are committed.
"""

from .versions import (
    bump_content_version,
    content_version,
    derived,
    next_scheduled_publication,
    page_lifetime,
)

__all__ = [
    "bump_content_version",
    "content_version",
    "derived",
    "next_scheduled_publication",
    "page_lifetime",
]
