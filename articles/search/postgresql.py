"""
Search on PostgreSQL (migrations 0002 and 0008): one table of entries with two
generated tsvectors in the ``english`` configuration (stemmed), each with a GIN
index: the whole entry, weighted (A title and heading, B lead, C body, D its
compounds written as one word), and its title and heading alone. The
vocabulary, ``TERMS``, has a trigram index (pg_trgm): the words near a
misspelling are those that share most of its trigrams.

Raw SQL is used where the ORM has no words for it: the entries table has no
model, and the page ranks, cuts and highlights in one statement
(``to_tsquery``, ``ts_rank_cd``, ``ts_headline``).
"""

from django.db import transaction

from ..models import Article, Section
from .rows import INDEX_TABLE, TERMS_TABLE, read_page, vocabulary_of
from .text import MARK_END, MARK_START

INDEX = INDEX_TABLE
TERMS = TERMS_TABLE
ARTICLES = Article._meta.db_table
SECTIONS = Section._meta.db_table
HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=35, MinWords=15, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)
# The query is built from the reader's words alone (``render``), so to_tsquery
# sees no operator it did not write. It is written out in each part of the
# page's statement, not shared through a CTE, so that the planner sees how
# common the words are: for common words it walks the primary key backwards
# and stops at the LIMIT, for rare ones it takes the GIN index.
QUERY = "to_tsquery('english', %s)"
# Vocabulary words compared per word to correct: the most alike in trigrams.
NEAR_TERMS = 50
# Entries as readers may see them: the article published and, for a section's
# entry, the section still there (probed per entry, never hashed whole).
VISIBLE = (
    f"{INDEX} i LEFT JOIN {SECTIONS} vs ON vs.id = i.section_id "
    "WHERE i.article_id IN ({published}) AND (i.section_id IS NULL OR vs.id IS NOT NULL)"
)


# --- Searching -------------------------------------------------------------------------


def expression(cursor, required):
    """The to_tsquery text for ``required`` (text.requirements); no prefixes here."""
    # to_tsquery drops a stop word even from inside "|", which would leave a
    # typed stop word's joined forms ("at" → "stationedat") required on their
    # own and find nothing: such a word keeps only its plain form, which
    # to_tsquery then drops as it always has.
    typed = [forms[0].words[0] for forms in required if len(forms) > 1 and len(forms[0].words) == 1]
    if typed:
        cursor.execute(
            "SELECT w FROM unnest(%s::text[]) AS w "
            "WHERE numnode(to_tsquery('english', quote_literal(w))) = 0",
            [typed],
        )
        stop_words = {row[0] for row in cursor.fetchall()}
        required = [
            forms[:1] if len(forms[0].words) == 1 and forms[0].words[0] in stop_words else forms
            for forms in required
        ]
    return render(required)


def render(required, *, prefix=False):
    """
    ``required`` as to_tsquery text: each word a quoted lexeme (letters and
    digits only, so nothing in it is an operator), a phrase's words joined by
    ``<->``, forms by ``|``, requirements by ``&``. ``prefix`` is SQLite's.
    """
    return " & ".join(
        "(" + " | ".join(" <-> ".join(f"'{word}'" for word in form.words) for form in forms) + ")"
        for forms in required
    )


def find(cursor, query, *, limit, offset, cap, candidates):
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
        *(*published_params, query, query, candidates),
        *(*published_params, query, cap + 1),
        query,
        limit,
        offset,
        *(query, HEADLINE_OPTIONS),
    ]
    with transaction.atomic():
        # For words of middling frequency the planner prefers a parallel scan
        # that reads every entry's tsvector, where the GIN index answers far
        # sooner: no parallel plans for this statement.
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute(sql, params)
        return read_page(cursor)


def passages_matching(cursor, required, *, limit):
    """As on SQLite: passages (drafts too) whose body or compounds (weights C, D) hold ``required``."""
    query = " & ".join(
        "("
        + " | ".join(" <-> ".join(f"'{word}':CD" for word in form.words) for form in forms)
        + ")"
        for forms in required
    )
    limited = "" if limit is None else " LIMIT %s"
    cursor.execute(
        f"SELECT section_id FROM {INDEX} WHERE section_id IS NOT NULL AND document @@ {QUERY}"
        + limited,
        [query] if limit is None else [query, limit],
    )
    return [row[0] for row in cursor.fetchall()]


def counts(cursor, queries, *, up_to):
    """How many published entries each to_tsquery text of ``queries`` finds, each up to ``up_to``."""
    published_sql, published_params = (
        Article.objects.published().order_by().values("pk").query.sql_with_params()
    )
    count = (
        f"(SELECT COUNT(*) FROM (SELECT 1 FROM {VISIBLE.format(published=published_sql)} "
        f"AND i.document @@ {QUERY} LIMIT %s) AS m)"
    )
    cursor.execute(
        "SELECT " + ", ".join([count] * len(queries)),
        [param for query in queries for param in (*published_params, query, up_to)],
    )
    return list(cursor.fetchone())


def similar_terms(cursor, words, *, spread):
    """
    For each of ``words``, the NEAR_TERMS words of the vocabulary most alike
    in trigrams (pg_trgm's ``%``, through the trigram index) and within
    ``spread`` of its length, in one statement.
    """
    cursor.execute(
        "SELECT w.word, t.term FROM unnest(%s::text[]) AS w(word) CROSS JOIN LATERAL ("
        f"  SELECT term FROM {TERMS} WHERE term %% w.word "
        "  AND length(term) BETWEEN length(w.word) - %s AND length(w.word) + %s "
        "  ORDER BY similarity(term, w.word) DESC, term LIMIT %s) AS t",
        [list(words), spread, spread, NEAR_TERMS],
    )
    found = {word: [] for word in words}
    for word, term in cursor.fetchall():
        found[word].append(term)
    return found


# --- Writing ---------------------------------------------------------------------------


def write(cursor, entries):
    """Add or replace ``entries``; each one's title is read from its article's row."""
    # ON CONFLICT: an entry left under a reused id (after a flush) gives way.
    cursor.executemany(
        f"INSERT INTO {INDEX} "
        "(id, article_id, section_id, title, heading, summary, body, variants) "
        f"SELECT %s, a.id, %s, a.title, %s, %s, %s, %s FROM {ARTICLES} a WHERE a.id = %s "
        "ON CONFLICT (id) DO UPDATE SET article_id = EXCLUDED.article_id, "
        "section_id = EXCLUDED.section_id, title = EXCLUDED.title, "
        "heading = EXCLUDED.heading, summary = EXCLUDED.summary, body = EXCLUDED.body, "
        "variants = EXCLUDED.variants",
        [
            (
                entry.key,
                entry.section_id,
                entry.heading,
                entry.summary,
                entry.body,
                entry.variants,
                entry.article_id,
            )
            for entry in entries
        ],
    )
    add_terms(cursor, vocabulary_of(entries))


def add_terms(cursor, terms):
    """
    Add words to the vocabulary, in one statement. Words are never taken out
    as texts change (a rebuild does that): every suggestion is checked against
    the published entries before a reader sees it.
    """
    cursor.execute(
        f"INSERT INTO {TERMS} (term) SELECT unnest(%s::text[]) ON CONFLICT (term) DO NOTHING",
        [list(terms)],
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
    cursor.execute(f"DELETE FROM {TERMS}")


def refresh_statistics(cursor):
    """Fresh word statistics: they decide whether a search walks the newest entries or the GIN index."""
    cursor.execute(f"ANALYZE {INDEX}, {TERMS}")


def size(cursor):
    """(article entries, section entries) in the index."""
    cursor.execute(
        f"SELECT COUNT(*) FILTER (WHERE id < 0), COUNT(*) FILTER (WHERE id > 0) FROM {INDEX}"
    )
    articles, sections = cursor.fetchone()
    return int(articles), int(sections)
