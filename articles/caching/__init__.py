"""
Caching, in one place: the versions every cached thing is stored under, and
the anonymous page cache.

- ``store``: the caches, each behind ``TolerantCache`` (a failing cache costs
  the cache, never the page).
- ``versions``: the versions shared by every process (everything, any write,
  what lists show, each article's own page), the lifetime of a page (cut
  short by the next scheduled publication).
- ``middleware``: serving, and rendering and storing, pages for anonymous
  readers; ``shows``, by which a view says what its page shows.

Writes call ``bump_after_commit`` with what they changed (the content
signals), or ``bump_content_version`` after their own bulk writes, once they
are committed.
"""

from .middleware import shows
from .versions import (
    bump_after_commit,
    bump_content_version,
    content_version,
    next_scheduled_publication,
    page_lifetime,
    publication_version,
)

__all__ = [
    "bump_after_commit",
    "bump_content_version",
    "content_version",
    "next_scheduled_publication",
    "page_lifetime",
    "publication_version",
    "shows",
]
