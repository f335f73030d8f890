"""
Full-text search with the database's own engine: an FTS5 table on SQLite, a
weighted tsvector with a GIN index on PostgreSQL. One backend per database,
chosen by ``connection.vendor``; the schema is made by migration 0002.

The index holds one row per article (its title and lead; a hit links to the
article) and one row per section (the article's title, the heading and the
body; a hit links to ``article_url#anchor``). Rows are keyed so that a save
touches exactly one row: a section's row by the section's id, an article's
row by the negated article id. Drafts are indexed too, so publishing or a
scheduled date coming round needs no re-indexing: only what
``Article.objects.published()`` admits at query time is ever returned.

User input never reaches the engine's query syntax unchecked. On SQLite
each word becomes a quoted FTS5 string; on PostgreSQL the text goes through
``websearch_to_tsquery``, which accepts anything. Snippets are highlighted
with private-use sentinel characters, then the whole snippet is escaped and
only the sentinels become ``<mark>`` tags, so document text cannot inject
markup.
"""

import html
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.safestring import SafeString, mark_safe

from .rendering import plain_text

TABLE = "articles_search_index"
MAX_QUERY_LENGTH = 200
MAX_TERMS = 32
MAX_PER_PAGE = 100

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
    text = _UNWANTED.sub(" ", str(raw or ""))
    text = " ".join(text.split())
    return text[:MAX_QUERY_LENGTH].strip()


def search(query, *, page=1, per_page=None):
    """
    One page of published passages matching ``query``, best first.

    Never raises on user input; an empty query, or one without a single word
    in it, returns empty results without touching the database. Two queries
    at most: a count, then the page (an out-of-range page is clamped).
    """
    cleaned = clean_query(query)
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
        return SearchResults(query=cleaned)

    published_sql, published_params = _published_articles()
    with connection.cursor() as cursor:
        total = backend.count(cursor, cleaned, terms, published_sql, published_params)
        num_pages = max(1, math.ceil(total / per_page))
        page = min(page, num_pages)
        rows = []
        if total:
            rows = backend.page(
                cursor,
                cleaned,
                terms,
                published_sql,
                published_params,
                limit=per_page,
                offset=(page - 1) * per_page,
            )
    hits = [_hit(*row) for row in rows]
    return SearchResults(query=cleaned, hits=hits, total=total, page=page, num_pages=num_pages)


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
    from .models import Article, Section

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
    FTS5, ranked by bm25 with the title and heading above the lead and the body.

    The FTS5 table holds the text; ``ENTRY`` maps each of its rows to its
    article, so that filtering many matches by article reads a small table,
    not the stored text (ten times faster at 200,000 passages).
    """

    key = "rowid"
    columns = "rowid, title, heading, summary, body"
    entry = f"{TABLE}_entry"
    # bm25 weights, in column order: title, heading, summary, body.
    rank = f"bm25({TABLE}, 8.0, 6.0, 2.0, 1.0)"
    matches = (
        f"FROM {TABLE} CROSS JOIN {TABLE}_entry AS e ON e.id = {TABLE}.rowid "
        f"WHERE {TABLE} MATCH %s AND e.article_id IN ({{published}})"
    )

    def match_expression(self, terms):
        quoted = ['"' + term.replace('"', '""') + '"' for term in terms]
        if len(terms[-1]) >= 3:
            quoted[-1] += "*"  # words still being typed match too
        return " ".join(quoted)

    def count(self, cursor, cleaned, terms, published_sql, published_params):
        cursor.execute(
            "SELECT COUNT(*) " + self.matches.format(published=published_sql),
            [self.match_expression(terms), *published_params],
        )
        return cursor.fetchone()[0]

    def page(self, cursor, cleaned, terms, published_sql, published_params, *, limit, offset):
        # Rank every match, keep the page, and only then read text for snippets.
        snippet = f"snippet({TABLE}, %s, %s, %s, '…', 24)"
        match = self.match_expression(terms)
        cursor.execute(
            f"SELECT a.title, a.slug, a.published_at, s.heading, s.anchor, "
            f"CASE WHEN top.id < 0 THEN {snippet} ELSE {snippet} END "
            f"FROM (SELECT {TABLE}.rowid AS id, e.article_id, {self.rank} AS score "
            + self.matches.format(published=published_sql)
            + f" ORDER BY score, {TABLE}.rowid LIMIT %s OFFSET %s) AS top "
            f"CROSS JOIN {TABLE} ON {TABLE}.rowid = top.id "
            "JOIN articles_article a ON a.id = top.article_id "
            "LEFT JOIN articles_section s ON top.id > 0 AND s.id = top.id "
            f"WHERE {TABLE} MATCH %s "
            "ORDER BY top.score, top.id",
            [
                *(2, MARK_START, MARK_END, 3, MARK_START, MARK_END),
                match,
                *published_params,
                limit,
                offset,
                match,
            ],
        )
        return cursor.fetchall()

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
            f"UPDATE {TABLE} SET title = %s WHERE rowid IN "
            f"(SELECT id FROM {self.entry} WHERE article_id = %s AND id > 0) AND title <> %s",
            [title, article_id, title],
        )

    def unindex_article(self, cursor, article_id):
        cursor.execute(
            f"DELETE FROM {TABLE} WHERE rowid IN "
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

    def index_section(self, cursor, section_id, article_id, heading, body):
        self.index_sections(cursor, [(section_id, article_id, heading, body)])

    def unindex_section(self, cursor, section_id):
        cursor.execute(f"DELETE FROM {TABLE} WHERE rowid = %s", [section_id])
        cursor.execute(f"DELETE FROM {self.entry} WHERE id = %s", [section_id])

    def clear(self, cursor):
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(f"DELETE FROM {self.entry}")

    def insert_many(self, cursor, rows):
        rows = list(rows)
        cursor.executemany(
            f"INSERT INTO {self.entry} (id, article_id) VALUES (%s, %s)",
            [(key, article_id) for key, article_id, *_rest in rows],
        )
        cursor.executemany(
            f"INSERT INTO {TABLE} ({self.columns}) VALUES (%s, %s, %s, %s, %s)",
            [
                (key, title, heading, summary, body)
                for key, _article, _section, title, heading, summary, body in rows
            ],
        )


class PostgreSQLBackend:
    """A generated, weighted tsvector (A title and heading, B lead, C body) with a GIN index."""

    key = "id"
    columns = "id, article_id, section_id, title, heading, summary, body"
    headline_options = (
        f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=35, MinWords=15, "
        'MaxFragments=2, FragmentDelimiter=" … "'
    )

    def count(self, cursor, cleaned, terms, published_sql, published_params):
        cursor.execute(
            f"SELECT COUNT(*) FROM {TABLE} "
            f"LEFT JOIN articles_section s ON s.id = {TABLE}.section_id "
            f"WHERE {TABLE}.document @@ websearch_to_tsquery('english', %s) "
            f"AND {TABLE}.article_id IN ({published_sql}) "
            f"AND ({TABLE}.section_id IS NULL OR s.id IS NOT NULL)",
            [cleaned, *published_params],
        )
        return cursor.fetchone()[0]

    def page(self, cursor, cleaned, terms, published_sql, published_params, *, limit, offset):
        # Rank and cut the page first; headlines are costly, so only the page gets them.
        cursor.execute(
            "WITH q AS (SELECT websearch_to_tsquery('english', %s) AS query) "
            "SELECT hit.title, hit.slug, hit.published_at, hit.heading, hit.anchor, "
            "ts_headline('english', hit.passage, q.query, %s) "
            "FROM q, ("
            "  SELECT a.title, a.slug, a.published_at, s.heading, s.anchor, "
            f"   CASE WHEN {TABLE}.section_id IS NULL THEN {TABLE}.summary "
            f"   ELSE {TABLE}.body END AS passage, "
            f"   ts_rank_cd({TABLE}.document, q.query) AS score, "
            "    a.id AS article_id, s.position, s.id AS section_id "
            f"  FROM q, {TABLE} "
            f"  JOIN articles_article a ON a.id = {TABLE}.article_id "
            f"  LEFT JOIN articles_section s ON s.id = {TABLE}.section_id "
            f"  WHERE {TABLE}.document @@ q.query AND {TABLE}.article_id IN ({published_sql}) "
            f"  AND ({TABLE}.section_id IS NULL OR s.id IS NOT NULL) "
            "  ORDER BY score DESC, a.published_at DESC, a.id, s.position NULLS FIRST, s.id "
            "  LIMIT %s OFFSET %s"
            ") AS hit "
            "ORDER BY hit.score DESC, hit.published_at DESC, hit.article_id, "
            "hit.position NULLS FIRST, hit.section_id",
            [cleaned, self.headline_options, *published_params, limit, offset],
        )
        return cursor.fetchall()

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
        cursor.executemany(
            f"INSERT INTO {TABLE} ({self.columns}) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            list(rows),
        )


_BACKENDS = {"sqlite": SQLiteBackend(), "postgresql": PostgreSQLBackend()}


def _backend():
    return _BACKENDS.get(connection.vendor)


# --- Helpers -------------------------------------------------------------------------


def _published_articles():
    """The SQL of Article.objects.published(): the one rule for what readers may see."""
    from .models import Article

    return Article.objects.published().order_by().values("pk").query.sql_with_params()


def _text(rendered_html):
    """Indexed text: visible, and free of the characters reserved for highlighting."""
    return plain_text(rendered_html).replace(MARK_START, "").replace(MARK_END, "")


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


def _hit(title, slug, published_at, heading, anchor, snippet):
    url = reverse("articles:detail", kwargs={"slug": slug})
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
