"""
Backups: all content as one deterministic JSON document, and loading such a
document into a database (a fresh one, or the same one again).

- ``export_content()`` reads everything editors made (articles with their
  aliases, sections, tags with their topic descriptions, taggings,
  cross-references) by natural keys only — slugs and anchors, never database
  ids — in a stable order, so the same content always gives the same bytes
  (``dumps``, ``write_export``). Derived fields (rendered HTML, word counts,
  title keys) are left out: saving rebuilds them.
- ``validate_content()`` checks a whole document before anything is written
  and names the first thing wrong in it (``articles[3].sections[0].level: …``).
- ``load_content()`` validates, then saves in one transaction: all of it or
  nothing. An article that exists with other content is a conflict unless
  ``replace=True``; one with the same content is left alone. So is a topic
  description: a tag without one in the document keeps the one it has, and
  likewise an article's aliases.

The ``export_content`` and ``import_content`` commands are thin wrappers.
"""

from .export import FORMAT_NAME, FORMAT_VERSION, dumps, export_content, write_export
from .load import LoadResult, load_content
from .validation import ContentConflict, ContentFileError, read_content_file, validate_content

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "ContentConflict",
    "ContentFileError",
    "LoadResult",
    "dumps",
    "export_content",
    "load_content",
    "read_content_file",
    "validate_content",
    "write_export",
]
