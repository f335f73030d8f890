"""
The signal receivers: an article's title, aliases or publication, a topic,
a passage or its tags changed queue the mentions to look for again (through
the package's queue). Registered when the package is imported (apps.py).
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone
from taggit.models import Tag

from ...caching import versions
from ...models import Article, Section, TaggedSection
from . import mentions_changed, names_gone, sections_changed
from .names import NAMES_VERSION, TITLE, TOPIC, article_names, forget_index

_STORED = "_names_before_save"


@receiver(pre_save, sender=Article, dispatch_uid="mentions_article_saving")
def _article_saving(sender, instance, raw=False, **kwargs):
    stored = None
    if instance.pk is not None:
        stored = (
            Article.objects.filter(pk=instance.pk)
            .values_list("title", "aliases", "status", "published_at")
            .first()
        )
    setattr(instance, _STORED, stored)


def _public(status, published_at):
    return (
        status == Article.Status.PUBLISHED
        and published_at is not None
        and published_at <= timezone.now()
    )


@receiver(post_save, sender=Article, dispatch_uid="mentions_article_saved")
def _article_saved(sender, instance, raw=False, **kwargs):
    stored = getattr(instance, _STORED, None)
    names = article_names(instance.title, instance.aliases) if instance.is_public else ()
    before = ()
    if stored is not None:
        title, aliases, status, published_at = stored
        before = article_names(title, aliases) if _public(status, published_at) else ()
    if names == before:
        return
    if set(before) - set(names):
        # A name gone: what was found under it goes now, and every name is looked for again.
        names_gone([(TITLE, instance.pk)])
        mentions_changed(names=names)
    else:
        mentions_changed(names=set(names) - set(before))


@receiver(post_delete, sender=Article, dispatch_uid="mentions_article_deleted")
@receiver(post_delete, sender=Tag, dispatch_uid="mentions_topic_deleted")
def _name_deleted(sender, instance, **kwargs):
    forget_index()
    versions.bump_after_commit([NAMES_VERSION])


@receiver(post_save, sender=Section, dispatch_uid="mentions_section_saved")
def _section_saved(sender, instance, raw=False, **kwargs):
    sections_changed([instance.pk])


@receiver(pre_save, sender=Tag, dispatch_uid="mentions_topic_saving")
def _topic_saving(sender, instance, raw=False, **kwargs):
    stored = None
    if instance.pk is not None:
        stored = Tag.objects.filter(pk=instance.pk).values_list("name", flat=True).first()
    setattr(instance, _STORED, stored)


@receiver(post_save, sender=Tag, dispatch_uid="mentions_topic_saved")
def _topic_saved(sender, instance, raw=False, **kwargs):
    stored = getattr(instance, _STORED, None)
    if stored == instance.name:
        return
    if stored is not None:
        names_gone([(TOPIC, instance.pk)])
    mentions_changed(names=[instance.name])


@receiver(m2m_changed, sender=TaggedSection, dispatch_uid="mentions_section_tagged")
def _section_tagged(sender, instance, action, reverse=False, pk_set=None, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if isinstance(instance, Section):
        sections_changed([instance.pk])
    elif pk_set:
        sections_changed(pk_set)
