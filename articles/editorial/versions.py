"""
Versions of an article as editors meet them: the stamp a form carries to
notice a save made after it was opened, who made the latest change,
restoring one version as a new one, and the repair after a revert or
recovery from the history.
"""

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from reversion.models import Version
from taggit.models import Tag

from ..content import tag_usage
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
    tag_usage.articles_changed(article_ids=[article.pk])  # its status may have been written back
    return article


def _rows_of(version):
    """
    The versions in ``version``'s revision that belong to its article: the
    article, its sections and the taggings of both (a revision made by an
    action on several articles holds theirs too).
    """
    article_id = str(version.object_id)
    rows = {Article: [], Section: [], TaggedArticle: [], TaggedSection: []}
    others = list(version.revision.version_set.all())
    for other in others:
        fields = other.field_dict
        if other._model is Article and str(other.object_id) == article_id:
            rows[Article].append(other)
        elif other._model is Section and str(fields["article_id"]) == article_id:
            rows[Section].append(other)
        elif other._model is TaggedArticle and str(fields["content_object_id"]) == article_id:
            rows[TaggedArticle].append(other)
    section_ids = {str(v.object_id) for v in rows[Section]}
    rows[TaggedSection] = [
        other
        for other in others
        if other._model is TaggedSection
        and str(other.field_dict["content_object_id"]) in section_ids
    ]
    return rows


@transaction.atomic
def restore_version(*, version):
    """
    Make the content ``version`` (a Version of an Article) holds the
    article's content again: its title, lead, tags and sections, the
    sections and taggings added since removed. Only this article is touched,
    and it keeps its status and publication date. Run inside a revision, the
    result is recorded as a new version.
    """
    article = Article.objects.get(pk=version.object_id)
    status, published_at = article.status, article.published_at
    rows = _rows_of(version)

    def kept(model):
        return [v.object_id for v in rows[model]]

    Section.objects.filter(article=article).exclude(pk__in=kept(Section)).delete()
    TaggedArticle.objects.filter(content_object=article).exclude(
        pk__in=kept(TaggedArticle)
    ).delete()
    TaggedSection.objects.filter(content_object__article=article).exclude(
        pk__in=kept(TaggedSection)
    ).delete()
    for model in (Article, Section, TaggedArticle, TaggedSection):
        for row in rows[model]:
            row.revert()
    Article.objects.filter(pk=article.pk).update(status=status, published_at=published_at)
    return repair_after_revert(article=article)
