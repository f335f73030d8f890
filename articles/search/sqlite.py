"""
Search on SQLite with FTS5 (migrations 0002, 0005 and 0008).

Four tables: the FTS5 index of every entry's title, heading, lead, body and
compounds written as one word, stemmed (porter over unicode61, diacritics folded);
``HEADINGS``, a small FTS5 table of each entry's title and heading alone; and
``ENTRIES``, an ordinary table from each entry's key to its article. Filtering
many matches by article reads ``ENTRIES``, never the large stored text, and
the passages ranked first are found, and scored, in ``HEADINGS``: in the full
index a common word would walk past every passage that merely mentions it.
``TERMS`` is the vocabulary, each word keyed by its length, so that the words
near a misspelling in length and first letter are a few ranges of its key.

Raw SQL is used where the ORM has no words for it: ``MATCH``, ``snippet()``,
``bm25()`` and the FTS5 tables themselves, which have no model.
"""

import json
from datetime import UTC

from django.conf import settings
from django.db.models.expressions import RawSQL
from django.utils.dateparse import parse_datetime

from ..models import Article, Section
from .rows import INDEX_TABLE, TERMS_TABLE, read_page, vocabulary_of
from .text import MARK_END, MARK_START

INDEX = INDEX_TABLE
HEADINGS = "articles_search_heading"
ENTRIES = "articles_search_index_entry"
TERMS = TERMS_TABLE
ARTICLES = Article._meta.db_table
SECTIONS = Section._meta.db_table
# Vocabulary words read per word to correct: a bound on the Python comparison
# after, far above what one first letter and five lengths hold in practice.
NEAR_TERMS = 5000
# bm25 weights, in HEADINGS' column order: title, heading.
RANK = f"bm25({HEADINGS}, 8.0, 6.0)"


# --- Searching -------------------------------------------------------------------------


def expression(cursor, required):
    """
    The FTS5 query for ``required`` (text.requirements): every requirement,
    each of its forms a quoted string (a phrase if several words).
    """
    # A word still being typed ("coop", "peacekee") matches as a prefix. A whole
    # word does not: a prefix makes FTS5 merge the postings of every word it
    # begins on each lookup, and the stemmer already matches a word's other forms.
    last = required[-1][0].words[-1]
    typing = len(last) >= 3 and not _indexed(cursor, _quoted((last,)))
    return render(required, prefix=typing)


def render(required, *, prefix=False):
    """The FTS5 query for ``required``; with ``prefix``, the query's last word as a prefix."""

    def quoted(form):
        return _quoted(form.words) + ("*" if prefix and form.ends_query else "")

    return " AND ".join("(" + " OR ".join(map(quoted, forms)) + ")" for forms in required)


def _quoted(words):
    return '"' + " ".join(words).replace('"', '""') + '"'


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


def passages_matching(cursor, required, *, limit):
    """
    The ids of the passages (drafts too) whose text or compounds hold
    ``required`` (text.requirements), at most ``limit``; titles and headings
    are not looked in.
    """
    match = "{body variants} : (" + render(required) + ")"
    cursor.execute(
        f"SELECT rowid FROM {INDEX} WHERE {INDEX} MATCH %s AND rowid > 0 LIMIT %s",
        [match, -1 if limit is None else limit],
    )
    return [row[0] for row in cursor.fetchall()]


def counts(cursor, matches, *, up_to):
    """How many published entries each FTS5 query of ``matches`` finds, each counted up to ``up_to``."""
    published_sql, published_params = _published_article("e.article_id")
    count = (
        f"(SELECT COUNT(*) FROM (SELECT 1 FROM {INDEX} CROSS JOIN {ENTRIES} AS e "
        f"ON e.id = {INDEX}.rowid WHERE {INDEX} MATCH %s AND EXISTS ({published_sql}) LIMIT %s))"
    )
    cursor.execute(
        "SELECT " + ", ".join([count] * len(matches)),
        [param for match in matches for param in (match, *published_params, up_to)],
    )
    return list(cursor.fetchone())


def similar_terms(cursor, words, *, spread):
    """
    For each of ``words``, the words of the vocabulary that begin with its
    letter and are within ``spread`` of its length (a spelling is rarely
    wrong in its first letter), at most NEAR_TERMS, in one statement.
    """
    near = (
        f"SELECT %s AS word, term FROM {TERMS} WHERE length IN ({{lengths}}) "
        "AND term >= %s AND term < %s LIMIT %s"
    )
    parts, params = [], []
    for word in words:
        lengths = range(max(1, len(word) - spread), len(word) + spread + 1)
        parts.append(
            "SELECT * FROM (" + near.format(lengths=", ".join(["%s"] * len(lengths))) + ")"
        )
        params += [word, *lengths, word[0], chr(ord(word[0]) + 1), NEAR_TERMS]
    cursor.execute(" UNION ALL ".join(parts), params)
    found = {word: [] for word in words}
    for word, term in cursor.fetchall():
        found[word].append(term)
    return found


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
        f"INSERT OR REPLACE INTO {INDEX} (rowid, title, heading, summary, body, variants) "
        f"SELECT %s, a.title, %s, %s, %s, %s FROM {ARTICLES} a WHERE a.id = %s",
        [
            (
                entry.key,
                entry.heading,
                entry.summary,
                entry.body,
                entry.variants,
                entry.article_id,
            )
            for entry in entries
        ],
    )
    cursor.executemany(
        f"INSERT OR REPLACE INTO {HEADINGS} (rowid, title, heading) "
        f"SELECT %s, a.title, %s FROM {ARTICLES} a WHERE a.id = %s",
        [(entry.key, entry.heading, entry.article_id) for entry in entries],
    )
    add_terms(cursor, vocabulary_of(entries))


def add_terms(cursor, terms):
    """
    Add words to the vocabulary, in one statement. Words are never taken out
    as texts change (a rebuild does that): every suggestion is checked against
    the published entries before a reader sees it.
    """
    cursor.execute(
        f"INSERT OR IGNORE INTO {TERMS} (length, term) "
        "SELECT length(value), value FROM json_each(%s)",
        [json.dumps(list(terms))],
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
    for table in (INDEX, HEADINGS, ENTRIES, TERMS):
        cursor.execute(f"DELETE FROM {table}")


def refresh_statistics(cursor):
    """Nothing to do: FTS5 keeps no planner statistics."""


def size(cursor):
    """(article entries, section entries) in the index."""
    cursor.execute("SELECT COALESCE(SUM(rowid < 0), 0), COALESCE(SUM(rowid > 0), 0) FROM " + INDEX)
    articles, sections = cursor.fetchone()
    return int(articles), int(sections)
