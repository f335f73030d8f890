"""
Versions of an article as editors meet them: the stamp a form carries to
notice a save made after it was opened, who made the latest change, and the
repair after a revert or recovery from the history.
"""

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from reversion.models import Version
from taggit.models import Tag

from ..models import Article, Section, TaggedArticle, TaggedSection


def version_stamp(value):
    """How an article's updated_at travels through a form: an exact, comparable string."""
    return value.isoformat() if value else ""


def last_change(article):
    """(who, when) of the latest change to an article, as well as the history knows."""
    version = (
        Version.objects.get_for_object_reference(Article, article.pk)
        .select_related("revision__user")
        .first()
    )
    when = Article.objects.filter(pk=article.pk).values_list("updated_at", flat=True).first()
    if version is not None and version.revision.user is not None:
        return version.revision.user, when
    entry = (
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Article), object_id=str(article.pk)
        )
        .select_related("user")
        .order_by("-action_time")
        .first()
    )
    return (entry.user if entry else None), when


@transaction.atomic
def repair_after_revert(*, article):
    """
    A revert or recovery writes the revision's rows back without the save
    signals. Taggings of tags deleted since are dropped (tags are shared by
    the whole site and not part of an article's revision), then the derived
    data of the article and its sections is computed again.
    """
    tags = Tag.objects.values("pk")
    TaggedArticle.objects.filter(content_object=article).exclude(tag_id__in=tags).delete()
    TaggedSection.objects.filter(content_object__article=article).exclude(tag_id__in=tags).delete()
    article.refresh_from_db()
    article.save()
    for section in Section.objects.filter(article=article).select_related("article"):
        section.save()
    return article
