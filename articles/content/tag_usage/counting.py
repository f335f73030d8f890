"""
A tag's counts, from its taggings: counted for some tags (``count_usage``),
stored again when a row is due (``refresh``, ``refresh_due``) or every row
from scratch (``repair``, ``manage.py refresh_tag_usage``).

A scheduled article starts to count at its time with no write at all: a row
holds until the first scheduled publication among its tag's articles
(``valid_until``), and the first reader after that counts it again.
"""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime

from django.db import DatabaseError, transaction
from django.db.models import Count, Exists, F, IntegerField, Max, Min, OuterRef, Q, Value
from django.utils import timezone

from ...models import Article, TaggedArticle, TaggedSection, TagUsage


@dataclass(frozen=True)
class Usage:
    """One tag's counts, as ``count_usage`` makes them."""

    article_count: int = 0
    passage_count: int = 0
    last_modified: datetime | None = None
    valid_until: datetime | None = None  # the first scheduled publication among its articles


def count_usage(*, tag_ids=None, now=None):
    """
    ``{tag id: Usage}`` counted from the taggings, for ``tag_ids`` (every tag
    when None; a tag nothing published uses is left out). An article carrying
    the tag itself counts once, whatever its passages carry.
    """
    now = now or timezone.now()
    public = Q(content_object__published_at__lte=now)
    on_articles = TaggedArticle.objects.filter(content_object__status=Article.Status.PUBLISHED)
    on_passages = TaggedSection.objects.filter(
        content_object__article__status=Article.Status.PUBLISHED
    )
    if tag_ids is not None:
        on_articles = on_articles.filter(tag_id__in=tag_ids)
        on_passages = on_passages.filter(tag_id__in=tag_ids)
    # One pass over each kind of tagging, grouped by tag, in a single query.
    on_articles = on_articles.values("tag").annotate(
        articles=Count("pk", filter=public),
        passages=Value(0, output_field=IntegerField()),
        changed=Max("content_object__updated_at", filter=public),
        upcoming=Min("content_object__published_at", filter=~public),
    )
    on_its_article = Exists(
        TaggedArticle.objects.filter(
            tag=OuterRef("tag"), content_object=OuterRef("content_object__article")
        )
    )
    in_public = Q(content_object__article__published_at__lte=now)
    on_passages = on_passages.values("tag").annotate(
        articles=Count(
            "content_object__article", distinct=True, filter=in_public & ~on_its_article
        ),
        passages=Count("pk", filter=in_public),
        changed=Max("content_object__article__updated_at", filter=in_public),
        upcoming=Min("content_object__article__published_at", filter=~in_public),
    )
    rows_of = defaultdict(list)
    for row in on_articles.union(on_passages, all=True):
        rows_of[row["tag"]].append(row)
    return {
        tag_id: Usage(
            article_count=sum(row["articles"] for row in rows),
            passage_count=sum(row["passages"] for row in rows),
            last_modified=max((row["changed"] for row in rows if row["changed"]), default=None),
            valid_until=min((row["upcoming"] for row in rows if row["upcoming"]), default=None),
        )
        for tag_id, rows in rows_of.items()
    }


def refresh(*, changes):
    """
    Count again the rows of ``changes`` ({tag id: the row's ``changes`` as
    read before counting}), and store each count unless a write moved the row
    since. Returns ``{tag id: Usage}`` as counted.
    """
    if not changes:
        return {}
    counted = count_usage(tag_ids=list(changes))
    try:
        with transaction.atomic():
            for tag_id, seen in changes.items():
                usage = counted.get(tag_id, Usage())
                TagUsage.objects.filter(tag_id=tag_id, changes=seen).update(
                    article_count=usage.article_count,
                    passage_count=usage.passage_count,
                    last_modified=usage.last_modified,
                    valid_until=usage.valid_until,
                    changes=F("changes") + 1,
                )
    except DatabaseError:
        # Busy with a long write (an import): the next reader stores it.
        pass
    return {tag_id: counted.get(tag_id, Usage()) for tag_id in changes}


def refresh_due(*, now=None):
    """Count again every row that is stale or past its ``valid_until``; ``{tag id: Usage}``."""
    due = TagUsage.objects.filter(valid_until__lte=now or timezone.now())
    return refresh(changes=dict(due.values_list("tag_id", "changes")))


def repair(*, dry_run=False):
    """
    Every tag's row counted from scratch; the rows that differed, as
    ``{tag id: (stored Usage or None, counted Usage)}``. Written unless ``dry_run``.
    """
    from taggit.models import Tag

    with transaction.atomic():
        stored = {
            row.tag_id: Usage(
                row.article_count, row.passage_count, row.last_modified, row.valid_until
            )
            for row in TagUsage.objects.select_for_update()
        }
        counted = count_usage()
        tag_ids = Tag.objects.values_list("pk", flat=True)
        wrong = {
            tag_id: (stored.get(tag_id), counted.get(tag_id, Usage()))
            for tag_id in tag_ids
            if not _holds(stored.get(tag_id), counted.get(tag_id, Usage()))
        }
        if not dry_run:
            TagUsage.objects.bulk_create(
                [TagUsage(tag_id=tag_id) for tag_id in wrong if tag_id not in stored],
                ignore_conflicts=True,
            )
            TagUsage.objects.bulk_update(
                [_row(tag_id, usage) for tag_id, (_, usage) in wrong.items()], _COUNTED_FIELDS
            )
    return wrong


def _holds(stored, counted):
    """
    Whether a stored row is right: the same counts, and counted again no
    later than it must be (sooner is only a needless count).
    """
    if stored is None or replace(stored, valid_until=None) != replace(counted, valid_until=None):
        return False
    if counted.valid_until is None:
        return True
    return stored.valid_until is not None and stored.valid_until <= counted.valid_until


_COUNTED_FIELDS = ["article_count", "passage_count", "last_modified", "valid_until", "changes"]


def _unused(tag_id):
    # The row of a tag used for the first time: every use comes through these
    # functions (the migration made the rows of the tags there were), so a tag
    # without one has none counted yet.
    return TagUsage(tag_id=tag_id, valid_until=None)


def _row(tag_id, usage):
    return TagUsage(
        tag_id=tag_id,
        article_count=usage.article_count,
        passage_count=usage.passage_count,
        last_modified=usage.last_modified,
        valid_until=usage.valid_until,
        changes=F("changes") + 1,
    )
