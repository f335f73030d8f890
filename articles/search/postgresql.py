"""
Search on PostgreSQL (migration 0002): one table of entries with two generated
tsvectors, each with a GIN index: the whole entry, weighted (A title and
heading, B lead, C body), and its title and heading alone.

Raw SQL is used where the ORM has no words for it: the entries table has no
model, and the page ranks, cuts and highlights in one statement
(``websearch_to_tsquery``, ``ts_rank_cd``, ``ts_headline``).
"""

from django.db import transaction

from ..models import Article, Section
from .rows import INDEX_TABLE, read_page
from .text import MARK_END, MARK_START

INDEX = INDEX_TABLE
ARTICLES = Article._meta.db_table
SECTIONS = Section._meta.db_table
HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=35, MinWords=15, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)
# websearch_to_tsquery accepts anything a reader types. It is written out in
# each part of the page's statement, not shared through a CTE, so that the
# planner sees how common the words are: for common words it walks the primary
# key backwards and stops at the LIMIT, for rare ones it takes the GIN index.
QUERY = "websearch_to_tsquery('english', %s)"
# Entries as readers may see them: the article published and, for a section's
# entry, the section still there (probed per entry, never hashed whole).
VISIBLE = (
    f"{INDEX} i LEFT JOIN {SECTIONS} vs ON vs.id = i.section_id "
    "WHERE i.article_id IN ({published}) AND (i.section_id IS NULL OR vs.id IS NOT NULL)"
)


# --- Searching -------------------------------------------------------------------------


def expression(cursor, cleaned, terms):
    """The query as typed (cleaned): websearch_to_tsquery parses it."""
    return cleaned


def find(cursor, cleaned, *, limit, offset, cap, candidates):
    """
    (matches counted up to ``cap`` + 1, the page's Matches), in one statement.

    As on SQLite: (0) the newest ``candidates`` matching in the title or a
    heading (the GIN index on heading_document finds them), ranked by
    ts_rank_cd; (1) the rest, newest article first, each article's passages in
    order. The second tier reads the newest ``cap`` + 1 matches and is also the
    count. The page is ordered and cut on narrow columns; the passage's text is
    read, and headlined, for the page's rows only.
    """
    published_sql, published_params = (
        Article.objects.published().order_by().values("pk").query.sql_with_params()
    )
    visible = VISIBLE.format(published=published_sql)
    sql = (
        "WITH heading AS MATERIALIZED ("
        f"  SELECT i.id, i.article_id, i.section_id FROM {visible} "
        f"  AND i.heading_document @@ {QUERY} AND i.document @@ {QUERY} "
        "   ORDER BY i.id DESC LIMIT %s), "
        "rest AS MATERIALIZED ("
        f"  SELECT i.id, i.article_id, i.section_id FROM {visible} "
        f"  AND i.document @@ {QUERY} ORDER BY i.id DESC LIMIT %s), "
        "ranked AS ("
        "  SELECT h.id, h.article_id, h.section_id, 0 AS tier, "
        f"  ts_rank_cd(i.document, {QUERY}) AS score "
        f"  FROM heading h JOIN {INDEX} i ON i.id = h.id "
        "  UNION ALL SELECT r.id, r.article_id, r.section_id, 1, 0 FROM rest r "
        "  WHERE r.id NOT IN (SELECT id FROM heading)), "
        "hit AS ("
        "  SELECT ranked.id, a.title, a.slug, a.published_at, s.heading, s.anchor, "
        "   ranked.tier, ranked.score, a.id AS article_id, s.position, s.id AS section_id "
        f"  FROM ranked JOIN {ARTICLES} a ON a.id = ranked.article_id "
        f"  LEFT JOIN {SECTIONS} s ON s.id = ranked.section_id "
        "  ORDER BY ranked.tier, ranked.score DESC, a.published_at DESC, a.id, "
        "  s.position NULLS FIRST, s.id "
        "  LIMIT %s OFFSET %s) "
        "SELECT found.total AS total, hit.title AS title, hit.slug AS slug, "
        "hit.published_at AS published_at, hit.heading AS heading, hit.anchor AS anchor, "
        "ts_headline('english', "
        f"CASE WHEN i.section_id IS NULL THEN i.summary ELSE i.body END, {QUERY}, %s) AS snippet "
        "FROM (SELECT COUNT(*) AS total FROM rest) AS found LEFT JOIN hit ON TRUE "
        f"LEFT JOIN {INDEX} i ON i.id = hit.id "
        "ORDER BY hit.tier, hit.score DESC, hit.published_at DESC, hit.article_id, "
        "hit.position NULLS FIRST, hit.section_id"
    )
    params = [
        *(*published_params, cleaned, cleaned, candidates),
        *(*published_params, cleaned, cap + 1),
        cleaned,
        limit,
        offset,
        *(cleaned, HEADLINE_OPTIONS),
    ]
    with transaction.atomic():
        # For words of middling frequency the planner prefers a parallel scan
        # that reads every entry's tsvector, where the GIN index answers far
        # sooner: no parallel plans for this statement.
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute(sql, params)
        return read_page(cursor)


# --- Writing ---------------------------------------------------------------------------


def write(cursor, entries):
    """Add or replace ``entries``; each one's title is read from its article's row."""
    # ON CONFLICT: an entry left under a reused id (after a flush) gives way.
    cursor.executemany(
        f"INSERT INTO {INDEX} (id, article_id, section_id, title, heading, summary, body) "
        f"SELECT %s, a.id, %s, a.title, %s, %s, %s FROM {ARTICLES} a WHERE a.id = %s "
        "ON CONFLICT (id) DO UPDATE SET article_id = EXCLUDED.article_id, "
        "section_id = EXCLUDED.section_id, title = EXCLUDED.title, "
        "heading = EXCLUDED.heading, summary = EXCLUDED.summary, body = EXCLUDED.body",
        [
            (
                entry.key,
                entry.section_id,
                entry.heading,
                entry.summary,
                entry.body,
                entry.article_id,
            )
            for entry in entries
        ],
    )


def retitle(cursor, article_id, title):
    """Give the entries of an article's sections its new title."""
    cursor.execute(
        f"UPDATE {INDEX} SET title = %s WHERE article_id = %s AND id > 0 AND title <> %s",
        [title, article_id, title],
    )


def delete_article(cursor, article_id):
    """Remove every entry of an article."""
    cursor.execute(f"DELETE FROM {INDEX} WHERE article_id = %s", [article_id])


def delete_section(cursor, section_id):
    cursor.execute(f"DELETE FROM {INDEX} WHERE id = %s", [section_id])


def clear(cursor):
    cursor.execute(f"DELETE FROM {INDEX}")


def refresh_statistics(cursor):
    """Fresh word statistics: they decide whether a search walks the newest entries or the GIN index."""
    cursor.execute(f"ANALYZE {INDEX}")


def size(cursor):
    """(article entries, section entries) in the index."""
    cursor.execute(
        f"SELECT COUNT(*) FILTER (WHERE id < 0), COUNT(*) FILTER (WHERE id > 0) FROM {INDEX}"
    )
    articles, sections = cursor.fetchone()
    return int(articles), int(sections)
