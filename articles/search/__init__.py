"""
Full-text search with the database's own engine: FTS5 on SQLite
(``sqlite.py``), weighted tsvectors with GIN indexes on PostgreSQL
(``postgresql.py``); ``indexing.py`` keeps the index right on every save.

User input never reaches an engine's query syntax unchecked: the query's
words (letters and digits) and the forms they may take (``text.requirements``:
"peace-keeping" or "peace keeping" also as "peacekeeping") are written into
the engine's syntax by its backend, on SQLite each form a quoted FTS5 string,
the last word a prefix while it is not a whole word of the index (still being
typed), on PostgreSQL each word a quoted lexeme for ``to_tsquery``. Both
engines stem English (FTS5's porter tokenizer, PostgreSQL's ``english``
configuration), so "exercise" finds "exercises" and the reverse. A search that
finds nothing, or very little, may come with a correction from the index's
vocabulary ("Did you mean …", ``suggest.py``). Snippets are
highlighted with private-use sentinel characters, then the whole snippet is
escaped and only the sentinels become ``<mark>`` tags (``text.py``), so
document text cannot inject markup.

Common words match most of the index (on this site nearly every passage
mentions military diplomacy), so no search may cost in proportion to its
matches. Counting stops at ``RESULT_CAP`` (a reader is told "more than 500
results" and can page up to there), and ranking scores a bounded candidate
set: the newest ``CANDIDATES`` published passages matching in the title or a
heading, ranked first, then the other matches, newest first. Both engines find
the newest matches by walking their index in key order and stopping, so the
cost follows the page asked for, not the size of the corpus.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils.safestring import SafeString

from . import backends, suggest
from .indexing import (
    clear_index,
    index_article,
    index_entries,
    index_new,
    index_section,
    index_sections,
    index_size,
    rebuild_index,
    unindex_article,
    unindex_section,
)
from .text import (
    MAX_QUERY_LENGTH,
    Form,
    clean_query,
    highlight,
    indexable,
    is_shortened,
    requirements,
)

__all__ = [
    "MAX_QUERY_LENGTH",
    "Form",
    "SearchHit",
    "SearchResults",
    "clean_query",
    "clear_index",
    "index_article",
    "index_entries",
    "index_new",
    "index_section",
    "index_sections",
    "index_size",
    "indexable",
    "passages_naming",
    "rebuild_index",
    "search",
    "unindex_article",
    "unindex_section",
]

MAX_PER_PAGE = 100
# Matches counted (and reachable by paging) at most; beyond it, "more than 500".
# Fifty pages is more than anyone reads, and each match counted is an entry
# read on every search for a common word.
RESULT_CAP = 500
# Newest matches in a title or heading that are scored and ranked first; the
# other matches follow, newest first, up to RESULT_CAP.
CANDIDATES = 200


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
    # A corrected query that finds more, when this one found little ("Did you mean …"), or "".
    suggestion: str = ""

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


def search(query, *, page=1, per_page=None):
    """
    One page of published passages matching ``query``, best first.

    Never raises on user input; an empty query, or one without a single word
    in it, returns empty results without touching the database. On SQLite
    two statements (is the last word a whole word? then the count and the
    page together); an out-of-range page is clamped, at one more. Fewer
    than ``suggest.SUGGEST_BELOW`` matches and a correction is looked for,
    in two or three statements more.

    ``total`` counts up to ``RESULT_CAP``; when more match, ``total`` is the
    cap, ``total_is_capped`` is set and pages run up to the cap.
    """
    cleaned = clean_query(query)
    shortened = is_shortened(query)
    per_page = _bounded_int(
        per_page if per_page is not None else settings.SEARCH_RESULTS_PER_PAGE,
        default=settings.SEARCH_RESULTS_PER_PAGE,
        low=1,
        high=MAX_PER_PAGE,
    )
    page = _bounded_int(page, default=1, low=1)
    backend = backends.current()
    required = requirements(cleaned)
    if backend is None or not required:
        return SearchResults(query=cleaned, shortened=shortened)

    with connection.cursor() as cursor:
        expression = backend.expression(cursor, required)

        def matches_on(number):
            return backend.find(
                cursor,
                expression,
                limit=per_page,
                offset=(number - 1) * per_page,
                cap=RESULT_CAP,
                candidates=CANDIDATES,
            )

        total, matches = matches_on(page)
        capped = total > RESULT_CAP
        total = min(total, RESULT_CAP)
        num_pages = max(1, math.ceil(total / per_page))
        if page > num_pages:
            # Out of range: show the last page (a second statement, only then).
            page = num_pages
            _total, matches = matches_on(page)
        suggestion = ""
        if total < suggest.SUGGEST_BELOW:
            suggestion = suggest.suggestion(cursor, backend, cleaned, total)
    # The ranking runs past the cap; the last page stops at it.
    matches = matches[: max(0, total - (page - 1) * per_page)]
    return SearchResults(
        query=cleaned,
        hits=[_hit(match) for match in matches],
        total=total,
        page=page,
        num_pages=num_pages,
        total_is_capped=capped,
        shortened=shortened,
        suggestion=suggestion,
    )


def passages_naming(required, *, limit=None):
    """
    The ids of the passages, drafts too, whose text may hold every word of
    ``required`` (``text.requirements``, or Forms of words already folded):
    a superset the caller reads again, such as the passages that may
    mention a title (content/mentions.py). At most ``limit``; on a database
    without a search index, None (the caller reads every passage).
    """
    backend = backends.current()
    if backend is None:
        return None
    if not required:
        return []
    with connection.cursor() as cursor:
        return backend.passages_matching(cursor, required, limit=limit)


def _hit(match):
    url = reverse("articles:detail", kwargs={"slug": match.slug})
    if match.anchor:
        url = f"{url}#{match.anchor}"
    return SearchHit(
        article_title=match.title,
        section_heading=match.heading,
        url=url,
        snippet=highlight(match.snippet or ""),
        published_at=match.published_at,
    )


def _bounded_int(value, *, default, low, high=None):
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        number = default
    number = max(low, number)
    return min(number, high) if high is not None else number
