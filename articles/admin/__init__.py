"""
The editors' admin, one module per concern:

- ``articles``: the article list, the change form with sections inline, and
  the publishing actions; ``forms`` and ``conflicts`` hold its forms and the
  edit-conflict screen;
- ``wanted``, ``importing``, ``preview_links``, ``history``: the article
  admin's other pages (wanted articles, source upload, preview links,
  history with compare and revert);
- ``tags``: tags with usage counts, renaming and merging; ``topics``: the
  topics' descriptions shown to readers;
- ``revisions``: what a revision holds, and ``recorded_revision`` for changes
  made outside the change form; ``pages``: the frame of the extra pages;
- ``publishing``: the change form's publishing buttons and status line;
- ``site``: the admin's name and the names of its sections.

Importing this package (``admin.autodiscover``) registers every model admin.
"""

from . import articles, preview_links, site, tags, topics  # noqa: F401
