"""
Keeping the search index right: the signal handlers (``content/signals.py``)
index every article and section as it is saved and unindex it as it is
deleted, the importer indexes what it creates in bulk, and
``rebuild_search_index`` fills the index again from scratch.

Drafts are indexed too, so publishing, or a scheduled date coming round, needs
no re-indexing: only what ``Article.objects.published()`` admits at query time
is ever found.
"""

from itertools import islice

from django.db import connection, transaction

from ..models import Article, Section
from . import backends
from .rows import IndexEntry
from .text import indexed_text


def index_article(article):
    """(Re)index an article's own entry, and the title its sections' entries carry."""
    backend = backends.current()
    if backend is not None and article.pk is not None:
        entry = IndexEntry.for_article(
            article.pk, title=article.title, summary=indexed_text(article.summary_html)
        )
        with connection.cursor() as cursor:
            backend.write(cursor, [entry])
            backend.retitle(cursor, article.pk, article.title)


def index_section(section):
    index_sections([section])


def index_sections(sections):
    """(Re)index sections, in one round of statements however many."""
    entries = [
        IndexEntry.for_section(
            section.pk,
            article_id=section.article_id,
            heading=section.heading,
            body=indexed_text(section.body_html),
        )
        for section in sections
        if section.pk is not None
    ]
    index_entries(entries)


def index_new(*, articles=(), sections=()):
    """
    Index articles and sections just created in bulk (an import), from the
    indexed texts and Terms it has already made: ``articles`` as (id, title,
    summary, terms), ``sections`` as (id, article id, heading, body, terms).
    Each entry's title is read from its article's row.
    """
    entries = [
        IndexEntry.for_article(pk, title=title, summary=summary, terms=terms)
        for pk, title, summary, terms in articles
    ]
    entries += [
        IndexEntry.for_section(pk, article_id=article_id, heading=heading, body=body, terms=terms)
        for pk, article_id, heading, body, terms in sections
    ]
    index_entries(entries)


def index_entries(entries):
    """Add or replace index entries whose texts are already indexable."""
    backend = backends.current()
    entries = list(entries)
    if backend is not None and entries:
        with connection.cursor() as cursor:
            backend.write(cursor, entries)


def unindex_article(article):
    """Remove an article's entries (its sections' entries normally went with the sections)."""
    backend = backends.current()
    if backend is not None and article.pk is not None:
        with connection.cursor() as cursor:
            backend.delete_article(cursor, article.pk)


def unindex_section(section):
    backend = backends.current()
    if backend is not None and section.pk is not None:
        with connection.cursor() as cursor:
            backend.delete_section(cursor, section.pk)


def rebuild_index(*, batch_size=2000):
    """
    Empty the index and its vocabulary and fill them again from every article
    and section, in one transaction (searches see the old index until it
    commits). Returns (articles, sections) indexed.
    """
    backend = backends.current()
    if backend is None:
        return 0, 0
    articles = (
        IndexEntry.for_article(pk, title=title, summary=indexed_text(summary_html))
        for pk, title, summary_html in Article.objects.order_by("pk")
        .values_list("pk", "title", "summary_html")
        .iterator(chunk_size=batch_size)
    )
    sections = (
        IndexEntry.for_section(
            pk, article_id=article_id, heading=heading, body=indexed_text(body_html)
        )
        for pk, article_id, heading, body_html in Section.objects.order_by("pk")
        .values_list("pk", "article_id", "heading", "body_html")
        .iterator(chunk_size=batch_size)
    )
    with transaction.atomic(), connection.cursor() as cursor:
        backend.clear(cursor)
        counts = tuple(
            _write_in_batches(backend, cursor, entries, batch_size)
            for entries in (articles, sections)
        )
    with connection.cursor() as cursor:
        backend.refresh_statistics(cursor)
    return counts


def _write_in_batches(backend, cursor, entries, batch_size):
    count = 0
    while batch := list(islice(entries, batch_size)):
        backend.write(cursor, batch)
        count += len(batch)
    return count


def clear_index():
    backend = backends.current()
    if backend is not None:
        with connection.cursor() as cursor:
            backend.clear(cursor)


def index_size():
    """(article entries, section entries) in the index."""
    backend = backends.current()
    if backend is None:
        return 0, 0
    with connection.cursor() as cursor:
        return backend.size(cursor)
