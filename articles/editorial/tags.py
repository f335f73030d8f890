"""
Tags as editors manage them: their usage, renaming and merging. Every name
an editor gives a tag passes ``content.tags.clean_tag_name``, so no topic is
left without an address.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from taggit.models import Tag

from ..content import derived, tag_usage
from ..content.tags import clean_tag_name, tag_slug
from ..models import TaggedArticle, TaggedSection

MAX_TAG_SLUG_LENGTH = Tag._meta.get_field("slug").max_length


def tags_with_usage():
    """Every tag with how many articles and sections carry it."""
    return Tag.objects.annotate(
        article_count=Count("articles_taggedarticle_items", distinct=True),
        section_count=Count("articles_taggedsection_items", distinct=True),
    )


def check_tag_name(*, tag, name, slug=None):
    """
    The (name, slug) ``tag`` may take, or a ValidationError naming the field
    at fault: a name needs a letter or digit (see ``clean_tag_name``), and no
    other tag may have the same name in any case, or the same slug. Without
    ``slug``, the address is made from the name.
    """
    name = clean_tag_name(name)
    slug = tag_slug(slug or name)[:MAX_TAG_SLUG_LENGTH]
    if not slug:
        raise ValidationError({"slug": "A tag's address needs at least one letter or digit."})
    others = Tag.objects.exclude(pk=tag.pk)
    clash = others.filter(name__iexact=name).first()
    if clash is not None:
        raise ValidationError(
            {"name": f"The tag “{clash.name}” already has this name; merge the two instead."}
        )
    clash = others.filter(slug=slug).first()
    if clash is not None:
        raise ValidationError(
            {"slug": f"The tag “{clash.name}” already has this address; merge the two instead."}
        )
    return name, slug


@transaction.atomic
def rename_tag(*, tag, name, slug=None):
    """
    Give ``tag`` a new name (and slug), or a new tag its first ones; raises
    ValidationError, changing nothing, if ``check_tag_name`` refuses them.
    """
    tag.name, tag.slug = check_tag_name(tag=tag, name=name, slug=slug)
    tag.save()
    return tag


def check_merge_target(*, tag):
    """
    Refuse to merge into a tag whose name could not be given to a new tag:
    everything tagged would move under a topic without an address. Merging
    such a tag into a good one is how it is cleared away.
    """
    clean_tag_name(tag.name)
    if not tag.slug:
        raise ValidationError(f"“{tag.name}” has no address; merge it into another tag instead.")
    return tag


@transaction.atomic
def merge_tags(*, tags, into):
    """
    Move every article and section tagged with one of ``tags`` to the tag
    ``into``, then delete ``tags``. An object already carrying ``into`` keeps
    a single tagging. Returns the number of tags merged. Raises
    ValidationError, changing nothing, if ``into`` is not a usable tag.
    """
    check_merge_target(tag=into)
    merged_ids = [tag.pk for tag in tags if tag.pk != into.pk]
    if not merged_ids:
        return 0
    for through in (TaggedArticle, TaggedSection):
        already = through.objects.filter(tag=into).values("content_object_id")
        # Objects that carry the target already: their other taggings just go.
        through.objects.filter(tag_id__in=merged_ids, content_object_id__in=already).delete()
        # Of an object's several merged taggings, the first one moves; the rest go.
        seen, duplicate_ids = set(), []
        moving = through.objects.filter(tag_id__in=merged_ids).order_by("pk")
        for pk, object_id in moving.values_list("pk", "content_object_id"):
            if object_id in seen:
                duplicate_ids.append(pk)
            seen.add(object_id)
        through.objects.filter(pk__in=duplicate_ids).delete()
        through.objects.filter(tag_id__in=merged_ids).update(tag=into)
    derived.passages_changed(tag_ids=[into.pk])  # update() sends no signals
    tag_usage.tags_changed(tag_ids=[into.pk], create=True)
    Tag.objects.filter(pk__in=merged_ids).delete()
    return len(merged_ids)
