"""
Keeping ``TagUsage`` exact: each tag's counts among public articles, read by
the home page, the topic pages and lists, the sitemap and the API instead of
counting the whole site.

A write that may change a tag's counts counts that tag's row again, in its
own transaction and only for the tags it touched (an aggregate restricted to
them): a tagging added, removed or moved, an article's publication changed, a
section moved to another article, a revert, a backup load. An article saved
with its publication unchanged only moves its tags' newest change; an
import's new articles are added to the counts from their own taggings.

A scheduled article starts to count at its time with no write at all: a row
holds until the first scheduled publication among its tag's articles
(``valid_until``), and the first reader after that counts it again.

Deletions reach the counts through the taggings' own delete signals (a
section's or an article's cascade, a tag's). Only ``merge_tags``, the import
and the backup load write taggings or dates in bulk, without signals: they
call ``tags_changed``, ``after_import`` or ``articles_changed`` themselves.
``repair`` (``manage.py refresh_tag_usage``) counts every row from scratch.
"""

import threading
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime

from django.db import DatabaseError, connection, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone

from ..models import Article, Section, TaggedArticle, TaggedSection, TagUsage
from . import signals  # noqa: F401  (its receivers touch the article first: see section_saved)

# Where the pre-save receivers keep what the stored row was.
_BEFORE = "_tag_usage_before_save"


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


# --- Counting again on write ----------------------------------------------------------


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


# --- Receivers -------------------------------------------------------------------------


def _state(article_id):
    """(public?, updated_at, its publication if scheduled) of an article, or None if it is gone."""
    row = (
        Article.objects.filter(pk=article_id)
        .values_list("status", "published_at", "updated_at")
        .first()
    )
    if row is None:
        return None
    article = Article(status=row[0], published_at=row[1])
    return article.is_public, row[2], row[1] if article.is_scheduled else None


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


def _publication(article):
    return (article.status, article.published_at)


@receiver(pre_save, sender=Article)
def article_saving(sender, instance, raw=False, update_fields=None, **kwargs):
    before = None
    if instance.pk is not None and (
        raw or update_fields is None or {"status", "published_at"} & set(update_fields)
    ):
        before = (
            Article.objects.filter(pk=instance.pk)
            .values_list("status", "published_at", "updated_at")
            .first()
        )
    setattr(instance, _BEFORE, before)


@receiver(post_save, sender=Article)
def article_saved(sender, instance, raw=False, created=False, **kwargs):
    before = getattr(instance, _BEFORE, None)
    if created and not raw:
        return  # nothing is tagged with it yet
    if raw:  # a revert writes the dates of the revision back: counted again
        articles_changed(article_ids=[instance.pk])
    elif before is not None and before[:2] != _publication(instance):
        was = Article(status=before[0], published_at=before[1])
        uses = _uses(article_id=instance.pk)
        _uses_changed(
            article_id=instance.pk,
            before=uses if was.is_public else {},
            after=uses if instance.is_public else {},
            was_updated=before[2],
            updated_at=instance.updated_at,
            scheduled_at=instance.published_at if instance.is_scheduled else None,
        )
    elif instance.is_public:
        _article_changed_at(article_id=instance.pk, updated_at=instance.updated_at)


@receiver(pre_save, sender=Section)
def section_saving(sender, instance, raw=False, **kwargs):
    before = None
    if raw or (instance.pk is not None and not instance._state.adding):
        before = Section.objects.filter(pk=instance.pk).values_list("article_id", flat=True).first()
    setattr(instance, _BEFORE, before)


@receiver(post_save, sender=Section)
def section_saved(sender, instance, raw=False, **kwargs):
    before = getattr(instance, _BEFORE, None)
    if before is not None and before != instance.article_id:
        tags_changed(
            tag_ids=TaggedSection.objects.filter(content_object=instance).values_list(
                "tag_id", flat=True
            )
        )
    if raw:
        return
    # The section's save touched its article (content.signals, connected first).
    article = (
        Article.objects.filter(pk=instance.article_id)
        .values_list("status", "published_at", "updated_at")
        .first()
    )
    if article is not None:
        status, published_at, updated_at = article
        if Article(status=status, published_at=published_at).is_public:
            _article_changed_at(article_id=instance.article_id, updated_at=updated_at)


def _tagging_saving(sender, instance, raw=False, **kwargs):
    before = None
    if raw or not instance._state.adding:
        before = sender.objects.filter(pk=instance.pk).values_list("tag_id", flat=True).first()
    setattr(instance, _BEFORE, before)


def _tagging_saved(sender, instance, raw=False, created=False, **kwargs):
    if raw or not created:  # written back or moved: which tag it had is all we know
        tags_changed(
            tag_ids={instance.tag_id, getattr(instance, _BEFORE, None)} - {None}, create=True
        )
    else:
        _one_tagging(sender, instance, added=True)


# A queryset's deletion sends every pre_delete, deletes every row, then sends
# every post_delete, all inside the deletion's own atomic block. The uses an
# article had of a tag are read before the first row goes; at the first
# post_delete the block's changes are counted once: by what each article lost
# where only one article lost the tag, by a recount of the tag where several did.
_removing = threading.local()


def _removals():
    """The current deletion's {(article id, tag id): uses before}, for deletions still running."""
    pending = [
        (block, uses)
        for block, uses in getattr(_removing, "pending", [])
        if block in connection.atomic_blocks
    ]
    _removing.pending = pending
    block = connection.atomic_blocks[-1]
    for found_block, uses in pending:
        if found_block is block:
            return uses
    pending.append((block, {}))
    return pending[-1][1]


def _tagging_deleting(sender, instance, **kwargs):
    owner = Article if sender is TaggedArticle else Section
    if _being_deleted(owner, instance.content_object_id) is not None:
        return
    article_id = _article_of(sender, instance)
    uses = _removals()
    if (article_id, instance.tag_id) not in uses:
        before = _uses(article_id=article_id, tag_ids=[instance.tag_id])
        uses[article_id, instance.tag_id] = before.get(instance.tag_id, (False, 0))


def _tagging_deleted(sender, instance, **kwargs):
    owner = Article if sender is TaggedArticle else Section
    if _being_deleted(owner, instance.content_object_id) is not None:
        return
    uses = _removals()
    removed = dict(uses)
    uses.clear()  # the block's later post_delete signals find nothing left to count
    articles_losing = defaultdict(list)
    for (article_id, tag_id), before in removed.items():
        articles_losing[tag_id].append((article_id, before))
    recount = [tag_id for tag_id, losing in articles_losing.items() if len(losing) > 1]
    for tag_id, losing in articles_losing.items():
        if len(losing) == 1:
            ((article_id, before),) = losing
            _count_tagging(article_id=article_id, tag=tag_id, other=before, added=False)
    if recount:
        tags_changed(tag_ids=recount)


def _article_of(sender, instance):
    if sender is TaggedArticle:
        return instance.content_object_id
    return (
        Section.objects.filter(pk=instance.content_object_id)
        .values_list("article_id", flat=True)
        .first()
    )


def _one_tagging(sender, instance, *, added):
    """The counts of one tagging added: its article's uses of the tag, before and after."""
    article_id = _article_of(sender, instance)
    tag = instance.tag_id
    now = _uses(article_id=article_id, tag_ids=[tag]).get(tag, (False, 0))
    # The same article's uses without this tagging.
    other = (False, now[1]) if sender is TaggedArticle else (now[0], now[1] - 1)
    _count_tagging(article_id=article_id, tag=tag, other=other, added=added, now=now)


def _count_tagging(*, article_id, tag, other, added, now=None):
    """Move the counts of ``tag`` from the article's uses ``other`` to what they are now."""
    state = _state(article_id)
    if state is None:
        return
    is_public, updated_at, scheduled_at = state
    if now is None:
        now = _uses(article_id=article_id, tag_ids=[tag]).get(tag, (False, 0))
    before, after = ({tag: other}, {tag: now}) if is_public else ({}, {})
    _uses_changed(
        article_id=article_id,
        before=before,
        after=after,
        was_updated=updated_at,
        updated_at=updated_at,
        scheduled_at=scheduled_at,
        create=added,
        tag_ids=[tag],
    )


# An article's or a section's deletion deletes its taggings first, one signal
# each: their tags are counted once, when the article or section itself is gone.
_deleting = threading.local()


def _being_deleted(model, pk):
    """The tag ids recorded for ``model`` ``pk`` if it is being deleted in the current deletion, else None."""
    found = getattr(_deleting, "rows", {}).get((model, pk))
    if found is None:
        return None
    block, tag_ids = found
    # Recorded inside the deletion's atomic block; a deletion that failed left it.
    return tag_ids if block in connection.atomic_blocks else None


@receiver(pre_delete, sender=Article)
@receiver(pre_delete, sender=Section)
def owner_deleting(sender, instance, **kwargs):
    if sender is Article:
        tag_ids = _tags_of(_carried_by([instance.pk]))
    else:
        tag_ids = set(
            TaggedSection.objects.filter(content_object=instance).values_list("tag_id", flat=True)
        )
    rows = getattr(_deleting, "rows", {})
    rows = {key: found for key, found in rows.items() if found[0] in connection.atomic_blocks}
    rows[sender, instance.pk] = (connection.atomic_blocks[-1], tag_ids)
    _deleting.rows = rows


@receiver(post_delete, sender=Article)
@receiver(post_delete, sender=Section)
def owner_deleted(sender, instance, **kwargs):
    tag_ids = _being_deleted(sender, instance.pk)
    _deleting.rows.pop((sender, instance.pk), None)
    if sender is Section and _being_deleted(Article, instance.article_id) is not None:
        return  # its article's deletion counts them
    tags_changed(tag_ids=tag_ids or ())


for _through in (TaggedArticle, TaggedSection):
    pre_save.connect(_tagging_saving, sender=_through, dispatch_uid=f"tag_usage_{_through}_pre")
    post_save.connect(_tagging_saved, sender=_through, dispatch_uid=f"tag_usage_{_through}_save")
    pre_delete.connect(
        _tagging_deleting, sender=_through, dispatch_uid=f"tag_usage_{_through}_deleting"
    )
    post_delete.connect(
        _tagging_deleted, sender=_through, dispatch_uid=f"tag_usage_{_through}_delete"
    )
