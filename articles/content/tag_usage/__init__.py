"""
Keeping ``TagUsage`` exact: each tag's counts among public articles, read by
the home page, the topic pages and lists, the sitemap and the API instead of
counting the whole site.

- ``counting``: a tag's counts from its taggings, a row counted again when
  due, every row from scratch (``repair``).
- ``changes``: a write counts again only the rows of the tags it touched;
  the bulk writes (a tag merge, an import, a backup load) call it themselves.
- ``receivers``: the signals that call it on every other save and deletion.
  Importing this package connects them (``ArticlesConfig.ready``).
"""

from . import receivers  # noqa: F401  (connects the receivers)
from .changes import after_import, articles_changed, articles_created, tags_changed
from .counting import Usage, count_usage, refresh, refresh_due, repair

__all__ = [
    "Usage",
    "after_import",
    "articles_changed",
    "articles_created",
    "count_usage",
    "refresh",
    "refresh_due",
    "repair",
    "tags_changed",
]
