"""
Full-text search with the database's own engine: an FTS5 table on SQLite, a
weighted tsvector with a GIN index on PostgreSQL. One backend per database,
chosen by ``connection.vendor``; the schema is made by migrations 0002 and
0005.

The index holds one row per article (its title and lead; a hit links to the
article) and one row per section (the article's title, the heading and the
body; a hit links to ``article_url#anchor``). Rows are keyed so that a save
touches exactly one row: a section's row by the section's id, an article's
row by the negated article id. Drafts are indexed too, so publishing or a
scheduled date coming round needs no re-indexing: only what
``Article.objects.published()`` admits at query time is ever returned.

User input never reaches the engine's query syntax unchecked. On SQLite
each word becomes a quoted FTS5 string, the last one a prefix when it is
not a whole word of the index (still being typed); on PostgreSQL the text
goes through ``websearch_to_tsquery``, which accepts anything. Snippets are highlighted
with private-use sentinel characters, then the whole snippet is escaped and
only the sentinels become ``<mark>`` tags, so document text cannot inject
markup.

Common words match most of the index (on this site nearly every passage
mentions military diplomacy), so no query may cost in proportion to its
matches. Counting stops at ``RESULT_CAP`` (a reader is told "more than
500 results" and can page up to there: 50 pages), and ranking scores a bounded
candidate set: the newest ``CANDIDATES`` published passages matching in
the title or a heading, ranked first, then the newest ``CANDIDATES``
matching only elsewhere. Both engines find the newest matches by walking
their index in key order and stopping, so the cost follows the page
asked for, not the size of the corpus.
"""

import html
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils.dateparse import parse_datetime
from django.utils.safestring import SafeString, mark_safe

from ..content.rendering import plain_text

TABLE = "articles_search_index"
MAX_QUERY_LENGTH = 200
MAX_TERMS = 32
MAX_PER_PAGE = 100
# Matches counted (and reachable by paging) at most; beyond it, "more than 500".
# Fifty pages is more than anyone reads; each match counted is a row read on
# every search for a common word (at 10,000 articles, 1,000 cost ~2 ms more).
RESULT_CAP = 500
# Newest matches in a title or heading that are scored and ranked first; the
# other matches follow, newest first, up to RESULT_CAP.
CANDIDATES = 200

# Private-use characters: never in indexed text (stripped on the way in), so
# in a snippet they can only be the engine's highlight delimiters.
MARK_START = "\ue000"
MARK_END = "\ue001"
_MARKED = re.compile(f"{MARK_START}([^{MARK_START}{MARK_END}]*){MARK_END}")

# Letters and digits: what both engines treat as word characters.
_WORD = re.compile(r"[^\W_]+")
_UNWANTED = re.compile(r"[\x00-\x1f\x7f-\x9f\ue000\ue001\ud800-\udfff]")


@dataclass(frozen=True)
class SearchHit:
    article_title: str
    section_heading: str | None
    url: str
    snippet: SafeString
    published_at: datetime | None


@dataclass
class SearchResults:
    query: str
    hits: list = field(default_factory=list)
    total: int = 0
    page: int = 1
    num_pages: int = 1
    # True when more than ``total`` (= RESULT_CAP) passages match: "more than 500 results".
    total_is_capped: bool = False
    # True when the query was longer than MAX_QUERY_LENGTH: only its beginning was searched.
    shortened: bool = False

    @property
    def has_next(self):
        return self.page < self.num_pages

    @property
    def has_previous(self):
        return self.page > 1

    def __len__(self):
        return len(self.hits)

    def __iter__(self):
        return iter(self.hits)


def clean_query(raw):
    """The query as it will be searched: printable, one-spaced, at most 200 characters."""
    return _printable(raw)[:MAX_QUERY_LENGTH].strip()


def _printable(raw):
    return " ".join(_UNWANTED.sub(" ", str(raw or "")).split())


def search(query, *, page=1, per_page=None):
    """
    One page of published passages matching ``query``, best first.

    Never raises on user input; an empty query, or one without a single word
    in it, returns empty results without touching the database. On SQLite
    two statements (is the last word a whole word? then the count and the
    page together); an out-of-range page is clamped, at one more.

    ``total`` counts up to ``RESULT_CAP``; when more match, ``total`` is the
    cap, ``total_is_capped`` is set and pages run up to the cap.
    """
    cleaned = clean_query(query)
    shortened = len(_printable(query)) > MAX_QUERY_LENGTH
    per_page = _bounded_int(
        per_page if per_page is not None else settings.SEARCH_RESULTS_PER_PAGE,
        default=settings.SEARCH_RESULTS_PER_PAGE,
        low=1,
        high=MAX_PER_PAGE,
    )
    page = _bounded_int(page, default=1, low=1)
    backend = _backend()
    terms = _WORD.findall(cleaned)[:MAX_TERMS]
    if backend is None or not terms:
        return SearchResults(query=cleaned, shortened=shortened)

    with connection.cursor() as cursor:
        expression = backend.expression(cursor, cleaned, terms)
        total, rows = backend.page(cursor, expression, limit=per_page, offset=(page - 1) * per_page)
        capped = total > RESULT_CAP
        total = min(total, RESULT_CAP)
        num_pages = max(1, math.ceil(total / per_page))
        if page > num_pages:
            # Out of range: show the last page (a second statement, only then).
            page = num_pages
            _total, rows = backend.page(
                cursor, expression, limit=per_page, offset=(page - 1) * per_page
            )
    # The ranking runs past the cap; the last page stops at it.
    rows = rows[: max(0, total - (page - 1) * per_page)]
    from ..reading.selectors import SlugAddresses

    article_url = SlugAddresses("articles:detail")
    hits = [_hit(article_url, *row) for row in rows]
    return SearchResults(
        query=cleaned,
        hits=hits,
        total=total,
        page=page,
        num_pages=num_pages,
        total_is_capped=capped,
        shortened=shortened,
    )


# --- Index maintenance (called from signals.py on every save path) ---------------


def index_article(article):
    """(Re)index an article's own row, and the title its sections' rows carry."""
    backend = _backend()
    if backend is not None and article.pk is not None:
        with connection.cursor() as cursor:
            backend.index_article(cursor, article.pk, article.title, _text(article.summary_html))


def unindex_article(article):
    """Remove an article's rows (its sections' rows normally went with the sections)."""
    backend = _backend()
    if backend is not None and article.pk is not None:
        with connection.cursor() as cursor:
            backend.unindex_article(cursor, article.pk)


def index_section(section):
    backend = _backend()
    if backend is not None and section.pk is not None:
        with connection.cursor() as cursor:
            backend.index_section(
                cursor, section.pk, section.article_id, section.heading, _text(section.body_html)
            )


def index_sections(sections):
    """index_section for many sections at once (a bulk import), in one round of statements."""
    backend = _backend()
    rows = [
        (section.pk, section.article_id, section.heading, _text(section.body_html))
        for section in sections
        if section.pk is not None
    ]
    if backend is not None and rows:
        with connection.cursor() as cursor:
            backend.index_sections(cursor, rows)


def index_new(*, articles=(), sections=()):
    """
    Index articles and sections just created, in bulk (an import): ``articles``
    as (id, title, indexed summary), ``sections`` as (id, article id, article
    title, heading, indexed body), the texts made by ``indexable``.
    """
    backend = _backend()
    if backend is None:
        return
    rows = [(-pk, pk, None, title, "", summary, "") for pk, title, summary in articles]
    rows += [
        (pk, article_id, pk, title, heading, "", body)
        for pk, article_id, title, heading, body in sections
    ]
    if rows:
        with connection.cursor() as cursor:
            backend.insert_many(cursor, rows)


def unindex_section(section):
    backend = _backend()
    if backend is not None and section.pk is not None:
        with connection.cursor() as cursor:
            backend.unindex_section(cursor, section.pk)


def rebuild_index(*, batch_size=2000):
    """
    Empty the index and fill it again from every article and section.
    Returns (articles, sections) indexed. Call inside a transaction.
    """
    from ..models import Article, Section

    backend = _backend()
    if backend is None:
        return 0, 0
    articles = sections = 0
    with connection.cursor() as cursor:
        backend.clear(cursor)
        rows = (
            (-pk, pk, None, title, "", _text(summary_html), "")
            for pk, title, summary_html in Article.objects.order_by("pk")
            .values_list("pk", "title", "summary_html")
            .iterator(chunk_size=batch_size)
        )
        articles = _insert_in_batches(cursor, rows, batch_size)
        rows = (
            (pk, article_id, pk, title, heading, "", _text(body_html))
            for pk, article_id, title, heading, body_html in Section.objects.order_by("pk")
            .values_list("pk", "article_id", "article__title", "heading", "body_html")
            .iterator(chunk_size=batch_size)
        )
        sections = _insert_in_batches(cursor, rows, batch_size)
    return articles, sections


def clear_index():
    backend = _backend()
    if backend is not None:
        with connection.cursor() as cursor:
            backend.clear(cursor)


def index_size():
    """(article rows, section rows) in the index."""
    backend = _backend()
    if backend is None:
        return 0, 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COALESCE(SUM(CASE WHEN {backend.key} < 0 THEN 1 ELSE 0 END), 0), "
            f"COALESCE(SUM(CASE WHEN {backend.key} > 0 THEN 1 ELSE 0 END), 0) FROM {TABLE}"
        )
        articles, sections = cursor.fetchone()
    return int(articles), int(sections)


# --- Backends ----------------------------------------------------------------------


class SQLiteBackend:
    """
    FTS5: passages with every word in their title or heading first, ranked by
    bm25 over those two columns, then the other matches, newest first.

    The FTS5 table holds the text; ``ENTRY`` maps each of its rows to its
    article, so that filtering many matches by article reads a small table,
    not the stored text (ten times faster at 200,000 passages).

    bm25 reads each scored row's sizes and positions, so it is only ever run
    on a bounded candidate set: FTS5 hands matches over in rowid order and
    stops at the LIMIT, newest (highest rowid) first.
    """

    key = "rowid"
    columns = "rowid, title, heading, summary, body"
    entry = f"{TABLE}_entry"
    # Each row's title and heading again, in a table of their own (migration
    # 0005): the passages ranked first are found, and scored, there.
    headings = "articles_search_heading"
    # bm25 weights, in column order: title, heading.
    rank = f"bm25({headings}, 8.0, 6.0)"

    def expression(self, cursor, cleaned, terms):
        """Every word, as an FTS5 query."""
        quoted = ['"' + term.replace('"', '""') + '"' for term in terms]
        # A word still being typed ("coop", "peacekee") matches as a prefix. A
        # whole word does not: a prefix costs FTS5 a merge of every matching
        # word's postings on each lookup, tens of milliseconds for a common
        # word, and the stemmer already matches its other forms.
        if len(terms[-1]) >= 3 and not self._indexed(cursor, quoted[-1]):
            quoted[-1] += "*"
        return " ".join(quoted)

    def _indexed(self, cursor, word):
        cursor.execute(f"SELECT 1 FROM {TABLE} WHERE {TABLE} MATCH %s LIMIT 1", [word])
        return cursor.fetchone() is not None

    def page(self, cursor, expression, *, limit, offset):
        """
        (matches counted up to RESULT_CAP + 1, the page's rows), in one statement.

        Two tiers, each the newest published matches: (0) CANDIDATES with
        every word in the title or a heading, by bm25 over those two columns
        (found in the small table of headings: in the full index, common
        words would walk past every passage that merely mentions them, and
        bm25 read their every occurrence); (1) the rest, unscored,
        newest article first and each article's passages in order. The second
        tier is also the count: it reads the newest RESULT_CAP + 1 matches, so
        fewer means that is all of them, and with the first tier it fills
        every page up to the cap. Snippets for the page only.
        """
        match = expression
        # Published is probed per match (a primary-key lookup): the IN list of
        # every published article costs more to build than the probes of a page.
        published_sql, published_params = _published_article("e.article_id")

        def newest(table, score):
            return (
                f"SELECT {table}.rowid AS id, e.article_id, {score} AS score "
                f"FROM {table} CROSS JOIN {self.entry} AS e ON e.id = {table}.rowid "
                f"WHERE {table} MATCH %s AND EXISTS ({published_sql}) "
                f"ORDER BY {table}.rowid DESC LIMIT %s"
            )

        cursor.execute(
            f"WITH heading AS MATERIALIZED ({newest(self.headings, self.rank)}), "
            f"rest AS MATERIALIZED ({newest(TABLE, 0)}), "
            "top AS MATERIALIZED ("
            "  SELECT * FROM ("
            "    SELECT id, article_id, score, 0 AS tier FROM heading"
            "    UNION ALL SELECT id, article_id, -article_id, 1 FROM rest"
            "    WHERE id NOT IN (SELECT id FROM heading)"
            "  ) ORDER BY tier, score, id LIMIT %s OFFSET %s), "
            # Snippets for the page through one FTS5 cursor walking the page's
            # span of rows: a cursor per row would seek each word's postings
            # afresh (a fifth of a millisecond per row for a common word).
            "snippets AS MATERIALIZED ("
            f"  SELECT rowid AS id, snippet({TABLE}, CASE WHEN rowid < 0 THEN 2 ELSE 3 END, "
            "  %s, %s, '…', 24) AS snippet "
            f"  FROM {TABLE} WHERE {TABLE} MATCH %s "
            "  AND rowid BETWEEN (SELECT MIN(id) FROM top) AND (SELECT MAX(id) FROM top) "
            "  AND +rowid IN (SELECT id FROM top)) "
            "SELECT found.total, a.title, a.slug, a.published_at, s.heading, s.anchor, "
            "snippets.snippet "
            "FROM (SELECT COUNT(*) AS total FROM rest) AS found "
            "LEFT JOIN top ON 1 "
            "LEFT JOIN articles_article a ON a.id = top.article_id "
            "LEFT JOIN articles_section s ON top.id > 0 AND s.id = top.id "
            "LEFT JOIN snippets ON snippets.id = top.id "
            "ORDER BY top.tier, top.score, top.id",
            [
                *(match, *published_params, CANDIDATES),
                *(match, *published_params, RESULT_CAP + 1),
                *(limit, offset),
                *(MARK_START, MARK_END, match),
            ],
        )
        rows = cursor.fetchall()
        total = rows[0][0]
        return total, [row[1:] for row in rows if row[1] is not None]

    def index_article(self, cursor, article_id, title, summary):
        cursor.execute(
            f"INSERT OR REPLACE INTO {self.entry} (id, article_id) VALUES (%s, %s)",
            [-article_id, article_id],
        )
        cursor.execute(
            f"INSERT OR REPLACE INTO {TABLE} ({self.columns}) VALUES (%s, %s, '', %s, '')",
            [-article_id, title, summary],
        )
        cursor.execute(
            f"INSERT OR REPLACE INTO {self.headings} (rowid, title, heading) VALUES (%s, %s, '')",
            [-article_id, title],
        )
        for table in (TABLE, self.headings):
            cursor.execute(
                f"UPDATE {table} SET title = %s WHERE rowid IN "
                f"(SELECT id FROM {self.entry} WHERE article_id = %s AND id > 0) AND title <> %s",
                [title, article_id, title],
            )

    def unindex_article(self, cursor, article_id):
        for table in (TABLE, self.headings):
            cursor.execute(
                f"DELETE FROM {table} WHERE rowid IN "
                f"(SELECT id FROM {self.entry} WHERE article_id = %s)",
                [article_id],
            )
        cursor.execute(f"DELETE FROM {self.entry} WHERE article_id = %s", [article_id])

    def index_sections(self, cursor, rows):
        cursor.executemany(
            f"INSERT OR REPLACE INTO {self.entry} (id, article_id) VALUES (%s, %s)",
            [(pk, article_id) for pk, article_id, _heading, _body in rows],
        )
        cursor.executemany(
            f"INSERT OR REPLACE INTO {TABLE} ({self.columns}) "
            "SELECT %s, a.title, %s, '', %s FROM articles_article a WHERE a.id = %s",
            [(pk, heading, body, article_id) for pk, article_id, heading, body in rows],
        )
        cursor.executemany(
            f"INSERT OR REPLACE INTO {self.headings} (rowid, title, heading) "
            "SELECT %s, a.title, %s FROM articles_article a WHERE a.id = %s",
            [(pk, heading, article_id) for pk, article_id, heading, _body in rows],
        )

    def index_section(self, cursor, section_id, article_id, heading, body):
        self.index_sections(cursor, [(section_id, article_id, heading, body)])

    def unindex_section(self, cursor, section_id):
        cursor.execute(f"DELETE FROM {TABLE} WHERE rowid = %s", [section_id])
        cursor.execute(f"DELETE FROM {self.headings} WHERE rowid = %s", [section_id])
        cursor.execute(f"DELETE FROM {self.entry} WHERE id = %s", [section_id])

    def clear(self, cursor):
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(f"DELETE FROM {self.headings}")
        cursor.execute(f"DELETE FROM {self.entry}")

    def insert_many(self, cursor, rows):
        # OR REPLACE: a row left under a reused id (after a flush) gives way.
        rows = list(rows)
        cursor.executemany(
            f"INSERT OR REPLACE INTO {self.entry} (id, article_id) VALUES (%s, %s)",
            [(key, article_id) for key, article_id, *_rest in rows],
        )
        cursor.executemany(
            f"INSERT OR REPLACE INTO {TABLE} ({self.columns}) VALUES (%s, %s, %s, %s, %s)",
            [
                (key, title, heading, summary, body)
                for key, _article, _section, title, heading, summary, body in rows
            ],
        )
        cursor.executemany(
            f"INSERT OR REPLACE INTO {self.headings} (rowid, title, heading) VALUES (%s, %s, %s)",
            [(key, title, heading) for key, _article, _section, title, heading, *_text in rows],
        )


class PostgreSQLBackend:
    """A generated, weighted tsvector (A title and heading, B lead, C body) with a GIN index."""

    key = "id"
    columns = "id, article_id, section_id, title, heading, summary, body"
    headline_options = (
        f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=35, MinWords=15, "
        'MaxFragments=2, FragmentDelimiter=" … "'
    )

    # Rows as readers may see them: the article published and, for a section's
    # row, the section still there (probed per row, never hashed whole).
    visible_rows = (
        f"{TABLE} i LEFT JOIN articles_section vs ON vs.id = i.section_id "
        "WHERE i.article_id IN ({published}) AND (i.section_id IS NULL OR vs.id IS NOT NULL)"
    )

    def expression(self, cursor, cleaned, terms):
        # websearch_to_tsquery accepts anything a reader types.
        return cleaned

    def page(self, cursor, cleaned, *, limit, offset):
        """
        (matches counted up to RESULT_CAP + 1, the page's rows), in one statement.

        As on SQLite: (0) the newest CANDIDATES matching in the title or a
        heading (the GIN index on heading_document finds them), ranked by
        ts_rank_cd; (1) the rest, newest article first, each article's
        passages in order. The second tier reads the newest RESULT_CAP + 1
        matches and is also the count. Headlines are costly: the page only.
        """
        published_sql, published_params = _published_articles()
        visible_rows = self.visible_rows.format(published=published_sql)
        # The tsquery is written out in each part, not shared through a CTE, so
        # that the planner sees how common its words are: for common words it
        # walks the primary key backwards and stops at the LIMIT, for rare
        # ones it takes the GIN index.
        query = "websearch_to_tsquery('english', %s)"
        # The page is ordered and cut on narrow columns; the passage's text is
        # read for its ten rows only.
        sql = (
            "WITH heading AS MATERIALIZED ("
            f"  SELECT i.id, i.article_id, i.section_id FROM {visible_rows} "
            f"  AND i.heading_document @@ {query} AND i.document @@ {query} "
            "   ORDER BY i.id DESC LIMIT %s), "
            "rest AS MATERIALIZED ("
            f"  SELECT i.id, i.article_id, i.section_id FROM {visible_rows} "
            f"  AND i.document @@ {query} ORDER BY i.id DESC LIMIT %s), "
            "ranked AS ("
            "  SELECT h.id, h.article_id, h.section_id, 0 AS tier, "
            f"  ts_rank_cd(i.document, {query}) AS score "
            f"  FROM heading h JOIN {TABLE} i ON i.id = h.id "
            "  UNION ALL SELECT r.id, r.article_id, r.section_id, 1, 0 FROM rest r "
            "  WHERE r.id NOT IN (SELECT id FROM heading)), "
            "hit AS ("
            "  SELECT ranked.id, a.title, a.slug, a.published_at, s.heading, s.anchor, "
            "   ranked.tier, ranked.score, a.id AS article_id, s.position, s.id AS section_id "
            "  FROM ranked JOIN articles_article a ON a.id = ranked.article_id "
            "  LEFT JOIN articles_section s ON s.id = ranked.section_id "
            "  ORDER BY ranked.tier, ranked.score DESC, a.published_at DESC, a.id, "
            "  s.position NULLS FIRST, s.id "
            "  LIMIT %s OFFSET %s) "
            "SELECT found.total, hit.title, hit.slug, hit.published_at, hit.heading, hit.anchor, "
            "ts_headline('english', "
            f"CASE WHEN i.section_id IS NULL THEN i.summary ELSE i.body END, {query}, %s) "
            "FROM (SELECT COUNT(*) AS total FROM rest) AS found LEFT JOIN hit ON TRUE "
            f"LEFT JOIN {TABLE} i ON i.id = hit.id "
            "ORDER BY hit.tier, hit.score DESC, hit.published_at DESC, hit.article_id, "
            "hit.position NULLS FIRST, hit.section_id"
        )
        params = [
            *(*published_params, cleaned, cleaned, CANDIDATES),
            *(*published_params, cleaned, RESULT_CAP + 1),
            cleaned,
            limit,
            offset,
            *(cleaned, self.headline_options),
        ]
        with transaction.atomic():
            # A parallel sequential scan looks cheap to the planner for words
            # of middling frequency, but it reads every row's tsvector (67 ms
            # for 'chile' at 1,000 articles) where the GIN index answers in
            # under a millisecond: no parallel plans for this statement.
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return rows[0][0], [row[1:] for row in rows if row[1] is not None]

    def index_article(self, cursor, article_id, title, summary):
        cursor.execute(
            f"INSERT INTO {TABLE} ({self.columns}) VALUES (%s, %s, NULL, %s, '', %s, '') "
            "ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, summary = EXCLUDED.summary",
            [-article_id, article_id, title, summary],
        )
        cursor.execute(
            f"UPDATE {TABLE} SET title = %s WHERE article_id = %s AND id > 0 AND title <> %s",
            [title, article_id, title],
        )

    def unindex_article(self, cursor, article_id):
        cursor.execute(f"DELETE FROM {TABLE} WHERE article_id = %s", [article_id])

    def unindex_section(self, cursor, section_id):
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [section_id])

    def clear(self, cursor):
        cursor.execute(f"DELETE FROM {TABLE}")

    upsert_section = (
        f"INSERT INTO {TABLE} (id, article_id, section_id, title, heading, summary, body) "
        "SELECT %s, a.id, %s, a.title, %s, '', %s FROM articles_article a WHERE a.id = %s "
        "ON CONFLICT (id) DO UPDATE SET article_id = EXCLUDED.article_id, "
        "title = EXCLUDED.title, heading = EXCLUDED.heading, body = EXCLUDED.body"
    )

    def index_section(self, cursor, section_id, article_id, heading, body):
        self.index_sections(cursor, [(section_id, article_id, heading, body)])

    def index_sections(self, cursor, rows):
        params = [(pk, pk, heading, body, article_id) for pk, article_id, heading, body in rows]
        if len(params) == 1:
            cursor.execute(self.upsert_section, params[0])
        else:
            cursor.executemany(self.upsert_section, params)

    def insert_many(self, cursor, rows):
        # ON CONFLICT: a row left under a reused id (after a flush) gives way.
        cursor.executemany(
            f"INSERT INTO {TABLE} ({self.columns}) VALUES (%s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (id) DO UPDATE SET article_id = EXCLUDED.article_id, "
            "section_id = EXCLUDED.section_id, title = EXCLUDED.title, "
            "heading = EXCLUDED.heading, summary = EXCLUDED.summary, body = EXCLUDED.body",
            list(rows),
        )


_BACKENDS = {"sqlite": SQLiteBackend(), "postgresql": PostgreSQLBackend()}


def _backend():
    return _BACKENDS.get(connection.vendor)


# --- Helpers -------------------------------------------------------------------------


def _published_articles():
    """The SQL of Article.objects.published(): the one rule for what readers may see."""
    from ..models import Article

    return Article.objects.published().order_by().values("pk").query.sql_with_params()


def _published_article(article_id_sql):
    """
    Article.objects.published() narrowed to the article whose id is the SQL
    ``article_id_sql``: a correlated subquery for EXISTS (…), probed by primary key.
    """
    from ..models import Article

    return (
        Article.objects.published()
        .filter(pk=RawSQL(article_id_sql, ()))
        .order_by()
        .values("pk")
        .query.sql_with_params()
    )


def _text(rendered_html):
    """Indexed text: visible, and free of the characters reserved for highlighting."""
    return indexable(plain_text(rendered_html))


def indexable(text):
    """Plain text as the index holds it: free of the characters reserved for highlighting."""
    return text.replace(MARK_START, "").replace(MARK_END, "")


def _insert_in_batches(cursor, rows, batch_size):
    backend, batch, count = _backend(), [], 0
    for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            backend.insert_many(cursor, batch)
            count, batch = count + len(batch), []
    if batch:
        backend.insert_many(cursor, batch)
        count += len(batch)
    return count


def _hit(article_url, title, slug, published_at, heading, anchor, snippet):
    url = article_url(slug)
    if anchor:
        url = f"{url}#{anchor}"
    return SearchHit(
        article_title=title,
        section_heading=heading,
        url=url,
        snippet=highlight(snippet or ""),
        published_at=_as_datetime(published_at),
    )


def highlight(marked_text):
    """Engine output with sentinel delimiters → escaped HTML whose only tags are <mark>."""
    escaped = html.escape(marked_text, quote=True)
    marked = _MARKED.sub(r"<mark>\1</mark>", escaped)
    return mark_safe(marked.replace(MARK_START, "").replace(MARK_END, ""))


def _as_datetime(value):
    # A raw SQLite cursor hands back text; PostgreSQL an aware datetime.
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and settings.USE_TZ and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _bounded_int(value, *, default, low, high=None):
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        number = default
    number = max(low, number)
    return min(number, high) if high is not None else number
