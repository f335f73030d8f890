"""
What both backends write and read: an entry of the index, and a passage found.

The index holds one entry per article (its title and lead; a hit links to the
article) and one per section (the article's title, the heading and the body; a
hit links to ``article_url#anchor``). An entry's key is the section's id, or
the negated article id for the article's own entry, so that a save touches
exactly one entry. Its title is always read from the article's row as it is
written, so it cannot drift from the stored title.

Beside its texts an entry carries ``variants``, its hyphenated compounds
written as one word (text.compounds), indexed after the body with the least
weight, and the words it adds to the vocabulary that "Did you mean"
corrections are drawn from (``words``).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from .text import compounds, vocabulary

# The index: an FTS5 table on SQLite, a table with generated tsvectors on
# PostgreSQL (migration 0002).
INDEX_TABLE = "articles_search_index"
# The vocabulary: every word of the index, as written, lower-cased (migration 0008).
TERMS_TABLE = "articles_search_term"


class Terms(NamedTuple):
    """What an entry holds beside its texts: ``variants`` and its vocabulary's words."""

    variants: str
    words: frozenset


def article_terms(title, summary):
    """An article's own entry's Terms: pure, so that an import's worker processes make them."""
    variants = compounds(title, summary)
    return Terms(variants, frozenset(vocabulary(title, summary, variants)))


def section_terms(heading, body):
    """A section's entry's Terms: pure, so that an import's worker processes make them."""
    variants = compounds(heading, body)
    return Terms(variants, frozenset(vocabulary(heading, body, variants)))


@dataclass(frozen=True)
class IndexEntry:
    key: int
    article_id: int
    section_id: int | None
    heading: str
    summary: str
    body: str
    variants: str
    words: frozenset

    @classmethod
    def for_article(cls, article_id, *, title, summary, terms=None):
        variants, words = terms or article_terms(title, summary)
        return cls(-article_id, article_id, None, "", summary, "", variants, words)

    @classmethod
    def for_section(cls, section_id, *, article_id, heading, body, terms=None):
        variants, words = terms or section_terms(heading, body)
        return cls(section_id, article_id, section_id, heading, "", body, variants, words)


def vocabulary_of(entries):
    """The words that ``entries`` add to the vocabulary, sorted."""
    return sorted(set().union(*(entry.words for entry in entries)))


class Match(NamedTuple):
    """A published passage found, with the engine's snippet (highlight delimiters and all)."""

    title: str
    slug: str
    published_at: datetime | None
    heading: str | None
    anchor: str | None
    snippet: str | None


def read_page(cursor):
    """
    (total, matches) from a backend's page statement, whose columns are
    ``total`` and then a Match's fields by name; a row without a title only
    carries the total (a page past the last match).
    """
    names = [column[0] for column in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    total = rows[0]["total"] if rows else 0
    fields = Match._fields
    matches = [
        Match(**{name: row[name] for name in fields}) for row in rows if row["title"] is not None
    ]
    return total, matches
