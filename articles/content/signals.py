"""
Derived data after each save or delete of one object (the admin, the shell,
a backup load, a replaced import): cross-references, word counts, the search
index and the cache versions of what changed. Raw saves are skipped; an
import's bulk creation calls the same functions itself (see
``ArticlesConfig.ready``).

The article page's related passages and neighbours (``derived``) are kept
for each tagging written or deleted, each change to an article's publication
or a passage's place, and each article created or deleted.

The cache versions (articles/caching/versions.py) are bumped as narrowly as
the change allows, and wider when in doubt: an article's own page for a change
only its page shows (a passage's body), the lists too for a change lists or
links show (a title, an address, a lead, a date, a reading time, a topic, a
heading, a publication), and a withdrawal when a public article stops being
public.
"""

from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from taggit.models import Tag

from .. import search
from ..caching import bump_after_commit
from ..caching.versions import CONTENT, LISTS, article_key
from ..models import Article, CrossReference, Section, TaggedArticle, TaggedSection
from . import derived, references, totals

# What lists and links show of an article and of a passage.
ARTICLE_LISTED_FIELDS = ("title", "slug", "summary", "status", "published_at")
SECTION_LISTED_FIELDS = ("heading", "anchor", "position", "level", "article_id")

# Where the pre-save handlers keep the stored row on the instance.
_BEFORE = "_stored_before_save"


def _raw_write():
    # Rows written as they are (a revert or a recovery writes a revision back,
    # loaddata a fixture): what changed is unknown, so everything is bumped,
    # with no grace.
    bump_after_commit({CONTENT}, withdrawn=True)


def _stored(instance, fields, update_fields):
    """The stored row's ``fields`` before this save (a dict), or None for a new row."""
    if instance.pk is None or instance._state.adding:
        return None
    if update_fields is not None and not set(update_fields) & set(fields):
        return {field: getattr(instance, field) for field in fields}  # none of them written
    return type(instance).objects.filter(pk=instance.pk).values(*fields).first()


def _was_public(row):
    article = Article(status=row["status"], published_at=row["published_at"])
    return article.is_public


def _cited_slugs(article, section):
    """The slugs of the articles one passage's cross-references point at."""
    return set(
        CrossReference.objects.filter(
            source_article=article, source_section=section, target__isnull=False
        ).values_list("target__slug", flat=True)
    )


@receiver(pre_save, sender=Article)
def article_saving(sender, instance, raw=False, update_fields=None, **kwargs):
    if not raw:
        setattr(instance, _BEFORE, _stored(instance, ARTICLE_LISTED_FIELDS, update_fields))


@receiver(post_save, sender=Article)
def article_saved(sender, instance, raw=False, created=False, **kwargs):
    if raw:
        _article_derived_data(instance, before=None)
        _raw_write()
        return
    cited = _cited_slugs(instance, None)
    references.sync_references(article=instance, section=None)
    references.resolve_cross_references(article=instance)
    search.index_article(instance)
    cited ^= _cited_slugs(instance, None)

    before = None if created else getattr(instance, _BEFORE, None)
    _article_derived_data(instance, before=before)
    keys = {article_key(instance.slug), *map(article_key, cited)}
    withdrawn = False
    if before is None:
        keys.add(LISTS)
    else:
        keys.add(article_key(before["slug"]))
        listed = any(before[field] != getattr(instance, field) for field in ARTICLE_LISTED_FIELDS)
        # A draft shows nowhere; a scheduled article counts, for the next publication.
        shown = Article.Status.PUBLISHED in {before["status"], instance.status}
        if listed and shown:
            keys.add(LISTS)
        withdrawn = _was_public(before) and not instance.is_public
    bump_after_commit(keys, withdrawn=withdrawn)


def _article_derived_data(article, *, before):
    """Neighbours and related passages after a save that may change the article's publication."""
    published = (article.status, article.published_at)
    if before is not None and (before["status"], before["published_at"]) == published:
        return
    derived.rebuild_neighbours()
    derived.article_passages_changed(article_ids=[article.pk])


@receiver(post_delete, sender=Article)
def article_deleted(sender, instance, **kwargs):
    derived.rebuild_neighbours()
    search.unindex_article(instance)
    bump_after_commit(
        {article_key(instance.slug), LISTS},
        withdrawn=instance.status == Article.Status.PUBLISHED,
    )


@receiver(pre_save, sender=Section)
def section_saving(sender, instance, raw=False, update_fields=None, **kwargs):
    if not raw:
        setattr(instance, _BEFORE, _stored(instance, SECTION_LISTED_FIELDS, update_fields))


@receiver(post_save, sender=Section)
def section_saved(sender, instance, raw=False, created=False, **kwargs):
    before = None if created or raw else getattr(instance, _BEFORE, None)
    if raw or (before is not None and before["position"] != instance.position):
        # Its place among the article's passages ranks it among related ones.
        derived.passages_changed(tag_ids=instance.tags.values_list("pk", flat=True))
    if raw:
        _raw_write()
        return
    article = instance.article
    cited = _cited_slugs(article, instance)
    references.sync_references(article=article, section=instance)
    cited ^= _cited_slugs(article, instance)
    minutes = Article(word_count=article_word_count(article)).reading_minutes
    totals.update_word_count(article)
    totals.touch(article)
    search.index_section(instance)

    listed = (
        before is None
        or any(before[field] != getattr(instance, field) for field in SECTION_LISTED_FIELDS)
        or article.reading_minutes != minutes
    )
    keys = {article_key(article.slug), *map(article_key, cited)}
    if listed and article.status == Article.Status.PUBLISHED:
        keys.add(LISTS)
    bump_after_commit(keys)


def article_word_count(article):
    return Article.objects.filter(pk=article.pk).values_list("word_count", flat=True).first() or 0


@receiver(post_delete, sender=Section)
def section_deleted(sender, instance, **kwargs):
    search.unindex_section(instance)
    try:
        article = instance.article
        totals.update_word_count(article)
    except Article.DoesNotExist:  # the whole article is being deleted: its own bump covers it
        bump_after_commit({LISTS})
        return
    bump_after_commit({article_key(article.slug), LISTS})


@receiver(post_save, sender=CrossReference)
@receiver(post_delete, sender=CrossReference)
def cross_reference_changed(sender, instance, raw=False, **kwargs):
    # The citing article's page links it; the cited one's lists who cites it.
    if raw:
        _raw_write()
    else:
        ends = {instance.source_article_id, instance.target_id} - {None}
        slugs = Article.objects.filter(pk__in=ends).values_list("slug", flat=True)
        bump_after_commit({article_key(slug) for slug in slugs})


@receiver(post_save, sender=TaggedArticle)
@receiver(post_delete, sender=TaggedArticle)
@receiver(post_save, sender=TaggedSection)
@receiver(post_delete, sender=TaggedSection)
@receiver(post_save, sender=Tag)
@receiver(post_delete, sender=Tag)
def topics_changed(sender, raw=False, **kwargs):
    if raw:
        _raw_write()
    else:
        bump_after_commit({LISTS})


@receiver(m2m_changed, sender=TaggedArticle)
@receiver(m2m_changed, sender=TaggedSection)
def tags_changed(sender, action, pk_set=None, **kwargs):
    if action == "post_clear" or (action in {"post_add", "post_remove"} and pk_set):
        bump_after_commit({LISTS})


@receiver(post_save, sender=TaggedSection)
@receiver(post_delete, sender=TaggedSection)
def section_tagging_changed(sender, instance, origin=None, **kwargs):
    # A passage's tags and the tag's newest passages changed. Raw writes (a
    # revert) too. A tagging deleted with its passage leaves the passage out:
    # it is about to go, and its rankings with it.
    deleted_with = origin.model if isinstance(origin, QuerySet) else type(origin)
    dying = origin is not None and deleted_with in {Section, Article}
    derived.passages_changed(
        section_ids=[] if dying else [instance.content_object_id], tag_ids=[instance.tag_id]
    )


@receiver(pre_save, sender=Tag)
def tag_saving(sender, instance, raw=False, **kwargs):
    if not raw and instance.pk is not None:
        setattr(instance, _BEFORE, Tag.objects.filter(pk=instance.pk).values("slug").first())


@receiver(post_save, sender=Tag)
def tag_saved(sender, instance, raw=False, created=False, **kwargs):
    # A tag with no address is left out of related passages: gaining or losing one counts.
    before = getattr(instance, _BEFORE, None)
    if raw or (before is not None and bool(before["slug"]) != bool(instance.slug)):
        derived.passages_changed(tag_ids=[instance.pk])
