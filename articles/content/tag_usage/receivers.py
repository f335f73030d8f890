"""
The signal receivers that keep the counts on every save and deletion of an
article, a section or a tagging (connected when this package is imported,
from ``ArticlesConfig.ready``).

Deletions reach the counts through the taggings' own delete signals (a
section's or an article's cascade, a tag's).
"""

import threading
from collections import defaultdict

from django.db import connection
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from ...models import Article, Section, TaggedArticle, TaggedSection
from .. import signals  # noqa: F401  (its receivers touch the article first: see section_saved)
from .changes import (
    _article_changed_at,
    _carried_by,
    _tags_of,
    _uses,
    _uses_changed,
    articles_changed,
    tags_changed,
)

# Where the pre-save receivers keep what the stored row was.
_BEFORE = "_tag_usage_before_save"


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
