"""
Search on SQLite with FTS5 (migrations 0002 and 0005).

Three tables: the FTS5 index of every entry's title, heading, lead and body;
``HEADINGS``, a small FTS5 table of each entry's title and heading alone; and
``ENTRIES``, an ordinary table from each entry's key to its article. Filtering
many matches by article reads ``ENTRIES``, never the large stored text, and
the passages ranked first are found, and scored, in ``HEADINGS``: in the full
index a common word would walk past every passage that merely mentions it.

Raw SQL is used where the ORM has no words for it: ``MATCH``, ``snippet()``,
``bm25()`` and the FTS5 tables themselves, which have no model.
"""

from datetime import UTC

from django.conf import settings
from django.db.models.expressions import RawSQL
from django.utils.dateparse import parse_datetime

from ..models import Article, Section
from .rows import INDEX_TABLE, read_page
from .text import MARK_END, MARK_START

INDEX = INDEX_TABLE
HEADINGS = "articles_search_heading"
ENTRIES = "articles_search_index_entry"
ARTICLES = Article._meta.db_table
SECTIONS = Section._meta.db_table
# bm25 weights, in HEADINGS' column order: title, heading.
RANK = f"bm25({HEADINGS}, 8.0, 6.0)"


# --- Searching -------------------------------------------------------------------------


def expression(cursor, cleaned, terms):
    """The FTS5 query for ``terms``: every word, each a quoted string."""
    quoted = ['"' + term.replace('"', '""') + '"' for term in terms]
    # A word still being typed ("coop", "peacekee") matches as a prefix. A whole
    # word does not: a prefix makes FTS5 merge the postings of every word it
    # begins on each lookup, and the stemmer already matches a word's other forms.
    if len(terms[-1]) >= 3 and not _indexed(cursor, quoted[-1]):
        quoted[-1] += "*"
    return " ".join(quoted)


def _indexed(cursor, word):
    cursor.execute(f"SELECT 1 FROM {INDEX} WHERE {INDEX} MATCH %s LIMIT 1", [word])
    return cursor.fetchone() is not None


def find(cursor, match, *, limit, offset, cap, candidates):
    """
    (matches counted up to ``cap`` + 1, the page's Matches), in one statement.

    Two tiers, each the newest published matches: (0) ``candidates`` with every
    word in the title or a heading, by bm25 over those two columns; (1) the
    rest, unscored, newest article first and each article's passages in order.
    FTS5 hands matches over in rowid order and stops at the LIMIT, so each tier
    costs what it returns, not what matches. The second tier is also the count:
    it reads the newest ``cap`` + 1 matches, so fewer means that is all of them.
    Snippets for the page only.
    """
    # Published is probed per match (a primary-key lookup): the list of every
    # published article would cost more to build than the probes of a page.
    published_sql, published_params = _published_article("e.article_id")

    def newest(table, score):
        return (
            f"SELECT {table}.rowid AS id, e.article_id, {score} AS score "
            f"FROM {table} CROSS JOIN {ENTRIES} AS e ON e.id = {table}.rowid "
            f"WHERE {table} MATCH %s AND EXISTS ({published_sql}) "
            f"ORDER BY {table}.rowid DESC LIMIT %s"
        )

    cursor.execute(
        f"WITH heading AS MATERIALIZED ({newest(HEADINGS, RANK)}), "
        f"rest AS MATERIALIZED ({newest(INDEX, 0)}), "
        "top AS MATERIALIZED ("
        "  SELECT * FROM ("
        "    SELECT id, article_id, score, 0 AS tier FROM heading"
        "    UNION ALL SELECT id, article_id, -article_id, 1 FROM rest"
        "    WHERE id NOT IN (SELECT id FROM heading)"
        "  ) ORDER BY tier, score, id LIMIT %s OFFSET %s), "
        # The page's snippets through one FTS5 cursor walking the page's span of
        # rows: a cursor per row would seek every word's postings afresh.
        "snippets AS MATERIALIZED ("
        f"  SELECT rowid AS id, snippet({INDEX}, CASE WHEN rowid < 0 THEN 2 ELSE 3 END, "
        "  %s, %s, '…', 24) AS snippet "
        f"  FROM {INDEX} WHERE {INDEX} MATCH %s "
        "  AND rowid BETWEEN (SELECT MIN(id) FROM top) AND (SELECT MAX(id) FROM top) "
        "  AND +rowid IN (SELECT id FROM top)) "
        "SELECT found.total AS total, a.title AS title, a.slug AS slug, "
        "a.published_at AS published_at, s.heading AS heading, s.anchor AS anchor, "
        "snippets.snippet AS snippet "
        "FROM (SELECT COUNT(*) AS total FROM rest) AS found "
        "LEFT JOIN top ON 1 "
        f"LEFT JOIN {ARTICLES} a ON a.id = top.article_id "
        f"LEFT JOIN {SECTIONS} s ON top.id > 0 AND s.id = top.id "
        "LEFT JOIN snippets ON snippets.id = top.id "
        "ORDER BY top.tier, top.score, top.id",
        [
            *(match, *published_params, candidates),
            *(match, *published_params, cap + 1),
            *(limit, offset),
            *(MARK_START, MARK_END, match),
        ],
    )
    total, matches = read_page(cursor)
    return total, [
        match._replace(published_at=_as_datetime(match.published_at)) for match in matches
    ]


def _published_article(article_id_sql):
    """
    ``Article.objects.published()`` narrowed to the article whose id is the SQL
    ``article_id_sql``: a correlated subquery for EXISTS (…), probed by primary key.
    """
    return (
        Article.objects.published()
        .filter(pk=RawSQL(article_id_sql, ()))
        .order_by()
        .values("pk")
        .query.sql_with_params()
    )


def _as_datetime(value):
    # A raw SQLite cursor hands back the stored text, in UTC.
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and settings.USE_TZ and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


# --- Writing ---------------------------------------------------------------------------


def write(cursor, entries):
    """Add or replace ``entries``; each one's title is read from its article's row."""
    # OR REPLACE: an entry left under a reused id (after a flush) gives way.
    cursor.executemany(
        f"INSERT OR REPLACE INTO {ENTRIES} (id, article_id) "
        f"SELECT %s, a.id FROM {ARTICLES} a WHERE a.id = %s",
        [(entry.key, entry.article_id) for entry in entries],
    )
    cursor.executemany(
        f"INSERT OR REPLACE INTO {INDEX} (rowid, title, heading, summary, body) "
        f"SELECT %s, a.title, %s, %s, %s FROM {ARTICLES} a WHERE a.id = %s",
        [
            (entry.key, entry.heading, entry.summary, entry.body, entry.article_id)
            for entry in entries
        ],
    )
    cursor.executemany(
        f"INSERT OR REPLACE INTO {HEADINGS} (rowid, title, heading) "
        f"SELECT %s, a.title, %s FROM {ARTICLES} a WHERE a.id = %s",
        [(entry.key, entry.heading, entry.article_id) for entry in entries],
    )


def retitle(cursor, article_id, title):
    """Give the entries of an article's sections its new title."""
    for table in (INDEX, HEADINGS):
        cursor.execute(
            f"UPDATE {table} SET title = %s WHERE rowid IN "
            f"(SELECT id FROM {ENTRIES} WHERE article_id = %s AND id > 0) AND title <> %s",
            [title, article_id, title],
        )


def delete_article(cursor, article_id):
    """Remove every entry of an article."""
    for table in (INDEX, HEADINGS):
        cursor.execute(
            f"DELETE FROM {table} WHERE rowid IN (SELECT id FROM {ENTRIES} WHERE article_id = %s)",
            [article_id],
        )
    cursor.execute(f"DELETE FROM {ENTRIES} WHERE article_id = %s", [article_id])


def delete_section(cursor, section_id):
    for table in (INDEX, HEADINGS):
        cursor.execute(f"DELETE FROM {table} WHERE rowid = %s", [section_id])
    cursor.execute(f"DELETE FROM {ENTRIES} WHERE id = %s", [section_id])


def clear(cursor):
    for table in (INDEX, HEADINGS, ENTRIES):
        cursor.execute(f"DELETE FROM {table}")


def refresh_statistics(cursor):
    """Nothing to do: FTS5 keeps no planner statistics."""


def size(cursor):
    """(article entries, section entries) in the index."""
    cursor.execute("SELECT COALESCE(SUM(rowid < 0), 0), COALESCE(SUM(rowid > 0), 0) FROM " + INDEX)
    articles, sections = cursor.fetchone()
    return int(articles), int(sections)
