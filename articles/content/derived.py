"""
What the article page shows from the rest of the corpus, kept by the writes
that change it (the content signals after each save or delete, the importer
after each batch), so that a page reads it in a query or two:

- the ranking of each section's related passages (``reading.related``'s
  ``rank_related``), ranked again for the sections whose tags changed and for
  the sections carrying a tag whose passages, or their publication or order,
  changed;
- each published article's neighbours by publication date.

A tag carried by more passages than ``SYNC_SECTIONS`` is not ranked again in
the write: it is queued (``StaleTopic``) and ranked by ``refresh_stale``
(``manage.py refresh_derived``, or after an import batch); until then the
pages of its passages rank them as they are read, so a page is right at
every moment. Publication is never stored: the rows hold scheduled articles
too, and the page filters them by the published rule as it reads them.
"""

from itertools import islice

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from ..models import (
    Article,
    ArticleNeighbours,
    RelatedPassage,
    Section,
    StaleSection,
    StaleTopic,
    TaggedSection,
)
from ..reading import related
from ..reading.tags import taggings_with_a_page

# Passages ranked again within a write; a tag carried by more of them is
# queued. Ranking costs about the same per passage whatever the corpus, and
# this many stay well under the CPU a save may cost.
SYNC_SECTIONS = 64
# Passages ranked per statement when a queue is drained.
CHUNK = 500


def passages_changed(*, section_ids=(), tag_ids=()):
    """
    Rank again the related passages of ``section_ids`` (their own tags
    changed) and of every section carrying one of ``tag_ids`` (the tag's
    newest passages changed, or one of its passages' publication or place);
    a tag carried by many passages is queued instead.
    """
    tag_ids = set(tag_ids)
    queued = tag_ids - _at_most(tag_ids, SYNC_SECTIONS)
    _mark(StaleTopic, "tag_id", queued)
    sections = set(section_ids) | set(
        TaggedSection.objects.filter(tag_id__in=tag_ids - queued).values_list(
            "content_object_id", flat=True
        )
    )
    if len(sections) > SYNC_SECTIONS:
        _mark(StaleSection, "section_id", sections)
    else:
        rank_and_store(section_ids=sections)


def article_passages_changed(*, article_ids):
    """An article's publication or date changed: rank again where its passages are candidates."""
    passages_changed(
        tag_ids=TaggedSection.objects.filter(content_object__article__in=article_ids)
        .values_list("tag_id", flat=True)
        .distinct()
    )


def refresh_stale(*, limit=None):
    """
    Rank again every queued section and the sections of every queued tag
    (with ``limit``, of those carried by at most so many passages). The
    marks are taken first, in the same transaction: a mark made meanwhile
    waits for it and stays queued. Returns the number of sections ranked.
    """
    with transaction.atomic():
        tag_ids = list(StaleTopic.objects.values_list("tag_id", flat=True))
        if limit is not None:
            tag_ids = _at_most(tag_ids, limit)
        section_ids = set(StaleSection.objects.values_list("section_id", flat=True))
        StaleTopic.objects.filter(tag_id__in=tag_ids).delete()
        StaleSection.objects.filter(section_id__in=section_ids).delete()
        section_ids |= set(
            TaggedSection.objects.filter(tag_id__in=tag_ids).values_list(
                "content_object_id", flat=True
            )
        )
        _rank_many(section_ids)
    return len(section_ids)


def refresh_all():
    """Rank every section and link every article again: for a database written without them."""
    with transaction.atomic():
        StaleTopic.objects.all().delete()
        StaleSection.objects.all().delete()
        _rank_many(Section.objects.values_list("pk", flat=True))
        rebuild_neighbours()


def _rank_many(section_ids):
    """``rank_and_store`` in chunks, the candidates of every tag read and ranked once for all."""
    section_ids = sorted(section_ids)
    if not section_ids:
        return
    tag_ids = set()
    for chunk in _chunks(section_ids):
        taggings = TaggedSection.objects.filter(content_object__in=chunk)
        tag_ids.update(taggings.values_list("tag_id", flat=True).distinct())
    candidates = related.Candidates(related.candidates_of(sorted(tag_ids)))
    for chunk in _chunks(section_ids):
        rank_and_store(section_ids=chunk, candidates=candidates)


def rank_and_store(*, section_ids, candidates=None):
    """Store the ranking of these sections' related passages, replacing theirs."""
    section_ids = list(section_ids)
    if not section_ids:
        return
    tags_of = {
        pk: (article_id, [])
        for pk, article_id in Section.objects.filter(pk__in=section_ids).values_list(
            "pk", "article_id"
        )
    }
    taggings = taggings_with_a_page(TaggedSection.objects.filter(content_object__in=tags_of))
    for section_id, tag_id in taggings.order_by("tag_id").values_list("content_object", "tag"):
        tags_of[section_id][1].append(tag_id)
    ranked = related.rank_related(tags_of, candidates=candidates)
    RelatedPassage.objects.filter(section_id__in=section_ids).delete()
    RelatedPassage.objects.bulk_create(
        RelatedPassage(
            section_id=section_id, passage_id=row.passage, shared_tags=row.shared_tags, rank=rank
        )
        for section_id, rows in ranked.items()
        for rank, row in enumerate(rows)
    )
    StaleSection.objects.filter(section_id__in=section_ids).delete()


def rebuild_neighbours():
    """
    Link each published or scheduled article to the ones before and after it
    by publication date (then key), as the page's "previous" and "next":
    what changed is written, the rest is left.
    """
    order = list(
        Article.objects.filter(status=Article.Status.PUBLISHED)
        .order_by("published_at", "pk")
        .values_list("pk", flat=True)
    )
    wanted = {
        pk: (order[n - 1] if n else None, order[n + 1] if n + 1 < len(order) else None)
        for n, pk in enumerate(order)
    }
    stored = {
        pk: (previous, following)
        for pk, previous, following in ArticleNeighbours.objects.values_list(
            "article_id", "previous_id", "next_id"
        )
    }
    ArticleNeighbours.objects.filter(article_id__in=stored.keys() - wanted.keys()).delete()
    changed = [pk for pk, pair in wanted.items() if stored.get(pk) != pair]
    ArticleNeighbours.objects.filter(article_id__in=changed).delete()
    ArticleNeighbours.objects.bulk_create(
        ArticleNeighbours(article_id=pk, previous_id=wanted[pk][0], next_id=wanted[pk][1])
        for pk in changed
    )


def after_import(*, results):
    """
    An import batch's articles were written in bulk, with no save signals:
    link them, and queue their tags, whose sections are ranked once the batch
    commits (a tag carried by many passages stays queued for
    ``refresh_derived``). The statements stay the same however many files
    the batch holds.
    """
    article_ids = [
        result.article.pk
        for result in results
        if getattr(result, "action", None) in {"created", "updated"} and result.article
    ]
    if not article_ids:
        return
    rebuild_neighbours()
    taggings = TaggedSection.objects.filter(content_object__article__in=article_ids)
    _mark(StaleTopic, "tag_id", taggings.values_list("tag_id", flat=True).distinct())
    transaction.on_commit(lambda: refresh_stale(limit=SYNC_SECTIONS))


def _at_most(tag_ids, limit):
    """The tags of ``tag_ids`` carried by at most ``limit`` passages."""
    sizes = dict(
        TaggedSection.objects.filter(tag_id__in=tag_ids)
        .order_by()
        .values_list("tag_id")
        .annotate(Count("pk"))
    )
    return {tag_id for tag_id in tag_ids if sizes.get(tag_id, 0) <= limit}


def _mark(model, field, ids):
    now = timezone.now()
    model.objects.bulk_create(
        [model(**{field: pk}, marked_at=now) for pk in ids],
        update_conflicts=True,
        unique_fields=[field],
        update_fields=["marked_at"],
    )


def _chunks(ids):
    ids = iter(ids)
    while chunk := list(islice(ids, CHUNK)):
        yield chunk
