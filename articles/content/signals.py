"""
Derived data after each save or delete of one object (the admin, the shell,
a backup load, a replaced import): cross-references, word counts, the search
index and the cache version. Raw saves are skipped; an import's bulk creation
calls the same functions itself (see ``ArticlesConfig.ready``).
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from taggit.models import Tag

from .. import search
from ..caching import bump_content_version
from ..models import Article, CrossReference, Section, TaggedArticle, TaggedSection
from . import references, totals


def _bump_after_commit():
    transaction.on_commit(bump_content_version)


@receiver(post_save, sender=Article)
def article_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    references.sync_references(article=instance, section=None)
    references.resolve_cross_references(article=instance)
    search.index_article(instance)
    _bump_after_commit()


@receiver(post_save, sender=Section)
def section_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    references.sync_references(article=instance.article, section=instance)
    totals.update_word_count(instance.article)
    totals.touch(instance.article)
    search.index_section(instance)
    _bump_after_commit()


@receiver(post_delete, sender=Section)
def section_deleted(sender, instance, **kwargs):
    search.unindex_section(instance)
    try:
        totals.update_word_count(instance.article)
    except Article.DoesNotExist:  # the whole article is being deleted
        pass
    _bump_after_commit()


@receiver(post_delete, sender=Article)
def article_deleted(sender, instance, **kwargs):
    search.unindex_article(instance)
    _bump_after_commit()


@receiver(post_save, sender=CrossReference)
@receiver(post_delete, sender=CrossReference)
@receiver(post_save, sender=TaggedArticle)
@receiver(post_delete, sender=TaggedArticle)
@receiver(post_save, sender=TaggedSection)
@receiver(post_delete, sender=TaggedSection)
@receiver(post_save, sender=Tag)
@receiver(post_delete, sender=Tag)
def content_changed(sender, raw=False, **kwargs):
    if not raw:
        _bump_after_commit()


@receiver(m2m_changed)
def tags_changed(sender, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"}:
        _bump_after_commit()
