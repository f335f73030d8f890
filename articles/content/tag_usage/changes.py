"""
Counting again on write. A write that may change a tag's counts counts that
tag's row again, in its own transaction and only for the tags it touched (an
aggregate restricted to them): a tagging added, removed or moved, an
article's publication changed, a section moved to another article, a revert,
a backup load. An article saved with its publication unchanged only moves its
tags' newest change; an import's new articles are added to the counts from
their own taggings.

Only ``merge_tags``, the import and the backup load write taggings or dates
in bulk, without signals: they call ``tags_changed``, ``after_import`` or
``articles_changed`` themselves; every other write reaches these functions
through the receivers.
"""

from collections import defaultdict

from django.db import transaction
from django.db.models import Case, Count, F, Q, Value, When
from django.utils import timezone

from ...models import Article, TaggedArticle, TaggedSection, TagUsage
from .counting import _COUNTED_FIELDS, Usage, _row, _unused, count_usage


def tags_changed(*, tag_ids, create=False):
    """
    Count again, in the current transaction, the rows of ``tag_ids``; their
    rows are locked first, so that of two writes to one tag the later counts
    what the earlier committed. ``create`` adds the row a tag lacks (a tag
    used for the first time).
    """
    tag_ids = sorted(set(tag_ids))
    if not tag_ids:
        return
    with transaction.atomic():
        rows = TagUsage.objects.select_for_update().filter(tag_id__in=tag_ids).order_by("pk")
        locked = list(rows.values_list("tag_id", flat=True))
        if create and len(locked) < len(tag_ids):
            from taggit.models import Tag

            existing = Tag.objects.filter(pk__in=tag_ids).values_list("pk", flat=True)
            TagUsage.objects.bulk_create(
                [TagUsage(tag_id=tag_id) for tag_id in existing], ignore_conflicts=True
            )
            locked = list(rows.values_list("tag_id", flat=True))
        if not locked:
            return
        counted = count_usage(tag_ids=locked)
        TagUsage.objects.bulk_update(
            [_row(tag_id, counted.get(tag_id, Usage())) for tag_id in locked], _COUNTED_FIELDS
        )


def articles_changed(*, article_ids):
    """Count again the rows of every tag ``article_ids`` carry, themselves or in passages."""
    if article_ids:
        tags_changed(tag_ids=_tags_of(_carried_by(article_ids)))


def _tags_of(rows):
    return set(TagUsage.objects.filter(rows).values_list("tag_id", flat=True))


def articles_created(*, article_ids):
    """
    Add to the counts the articles ``article_ids``, just written in bulk (an
    import): their taggings are read, not the site's, so a batch costs the
    same however large the site is.
    """
    now = timezone.now()
    public = dict(
        Article.objects.filter(pk__in=article_ids, published_at__lte=now)
        .filter(status=Article.Status.PUBLISHED)
        .values_list("pk", "updated_at")
    )
    others = set(article_ids) - set(public)
    if others:  # drafts count nowhere; a scheduled one is counted as any change is
        articles_changed(article_ids=others)
    if not public:
        return
    articles, passages = defaultdict(set), defaultdict(int)
    for tag_id, article_id in TaggedArticle.objects.filter(
        content_object_id__in=public
    ).values_list("tag_id", "content_object_id"):
        articles[tag_id].add(article_id)
    for tag_id, article_id in TaggedSection.objects.filter(
        content_object__article_id__in=public
    ).values_list("tag_id", "content_object__article_id"):
        articles[tag_id].add(article_id)
        passages[tag_id] += 1
    if not articles:
        return
    TagUsage.objects.bulk_create([_unused(tag_id) for tag_id in articles], ignore_conflicts=True)
    rows = []
    for tag_id, carrying in articles.items():
        newest = max(public[article_id] for article_id in carrying)
        rows.append(
            TagUsage(
                tag_id=tag_id,
                article_count=F("article_count") + len(carrying),
                passage_count=F("passage_count") + passages[tag_id],
                last_modified=Case(
                    When(last_modified__gt=newest, then=F("last_modified")), default=Value(newest)
                ),
                changes=F("changes") + 1,
            )
        )
    TagUsage.objects.bulk_update(
        rows, ["article_count", "passage_count", "last_modified", "changes"], batch_size=500
    )


def after_import(*, results):
    """
    The counts after an import's batch (its ``ImportResult``s): the articles it
    created in bulk are added; those it replaced (through their own save, then
    taggings written in bulk) are counted again.
    """
    written = defaultdict(list)
    for result in results:
        if getattr(result, "article", None) is not None:
            written[result.action].append(result.article.pk)
    articles_created(article_ids=written["created"])
    articles_changed(article_ids=written["updated"])


def _carried_by(article_ids):
    """The rows of the tags the articles carry, on themselves or in a passage (a Q)."""
    return Q(
        tag_id__in=TaggedArticle.objects.filter(content_object_id__in=article_ids).values("tag_id")
    ) | Q(
        tag_id__in=TaggedSection.objects.filter(content_object__article_id__in=article_ids).values(
            "tag_id"
        )
    )


def _article_changed_at(*, article_id, updated_at):
    """
    A public article saved with its publication unchanged: it is the newest
    change to its tags, unless one of theirs reads later (a clock set back):
    those are counted again.
    """
    rows = TagUsage.objects.filter(_carried_by([article_id]))
    rows.filter(Q(last_modified__lte=updated_at) | Q(last_modified__isnull=True)).update(
        last_modified=updated_at, changes=F("changes") + 1
    )
    later = rows.filter(last_modified__gt=updated_at).values_list("tag_id", flat=True)
    tags_changed(tag_ids=list(later))


def _uses(*, article_id, tag_ids=None):
    """``{tag id: (whether the article carries it itself, how many of its passages do)}``."""
    on_article = TaggedArticle.objects.filter(content_object_id=article_id)
    on_passages = TaggedSection.objects.filter(content_object__article_id=article_id)
    if tag_ids is not None:
        on_article = on_article.filter(tag_id__in=tag_ids)
        on_passages = on_passages.filter(tag_id__in=tag_ids)
    itself = set(on_article.values_list("tag_id", flat=True))
    passages = dict(
        on_passages.order_by().values("tag_id").annotate(n=Count("pk")).values_list("tag_id", "n")
    )
    return {
        tag_id: (tag_id in itself, passages.get(tag_id, 0)) for tag_id in itself | set(passages)
    }


def _uses_changed(
    *, article_id, before, after, was_updated, updated_at, scheduled_at, create=False, tag_ids=()
):
    """
    Move the counts of one article's tags from ``before`` to ``after`` (its
    uses, as ``_uses`` gives them, where it counts: empty when not public).
    A tag it stops counting for whose newest change was this article's is
    counted again; a scheduled article brings its tags' ``valid_until`` forward.
    """
    tag_ids = set(tag_ids) | set(before) | set(after)
    deltas, leaving = {}, set()
    for tag_id in set(before) | set(after):
        was, now = before.get(tag_id, (False, 0)), after.get(tag_id, (False, 0))
        counted_before, counted_now = int(was[0] or was[1] > 0), int(now[0] or now[1] > 0)
        if (counted_before, was[1]) != (counted_now, now[1]):
            deltas[tag_id] = (counted_now - counted_before, now[1] - was[1])
        if counted_before and not counted_now:
            leaving.add(tag_id)
    if create:
        TagUsage.objects.bulk_create([_unused(tag_id) for tag_id in tag_ids], ignore_conflicts=True)
    if leaving:
        newest_was_this = set(
            TagUsage.objects.filter(tag_id__in=leaving, last_modified__lte=was_updated).values_list(
                "tag_id", flat=True
            )
        )
        for tag_id in newest_was_this:
            deltas.pop(tag_id)
        tags_changed(tag_ids=newest_was_this)
    rows = []
    for tag_id, (articles, passages) in deltas.items():
        row = TagUsage(
            tag_id=tag_id,
            article_count=F("article_count") + articles,
            passage_count=F("passage_count") + passages,
            last_modified=F("last_modified"),
            changes=F("changes") + 1,
        )
        if tag_id in after:
            row.last_modified = Case(
                When(last_modified__gt=updated_at, then=F("last_modified")),
                default=Value(updated_at),
            )
        rows.append(row)
    TagUsage.objects.bulk_update(
        rows, ["article_count", "passage_count", "last_modified", "changes"]
    )
    if scheduled_at is not None:
        TagUsage.objects.filter(tag_id__in=tag_ids).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=scheduled_at)
        ).update(valid_until=scheduled_at, changes=F("changes") + 1)
