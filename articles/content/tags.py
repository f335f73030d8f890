"""
Topic tags (django-taggit's ``Tag``): the rule for a usable tag name, applied
wherever a name is made — the admin's tag fields, renaming and merging, the
importer and the backup loader.
"""

from django.core.exceptions import ValidationError
from taggit.models import Tag

MAX_TAG_NAME_LENGTH = Tag._meta.get_field("name").max_length


def tag_slug(name):
    """The address taggit gives a new tag called ``name`` (without a clash suffix)."""
    return Tag().slugify(name)


def clean_tag_name(name):
    """
    ``name`` with its spacing tidied, or a ValidationError that says why it
    cannot name a topic: every topic needs an address (/tags/<slug>/), so a
    name with no letter or digit in it is refused.
    """
    cleaned = " ".join(str(name or "").split())
    if not cleaned:
        raise ValidationError("A tag needs a name.", code="empty")
    if len(cleaned) > MAX_TAG_NAME_LENGTH:
        raise ValidationError(
            f"“{cleaned[:40]}…” is too long for a tag: at most {MAX_TAG_NAME_LENGTH} characters.",
            code="too_long",
        )
    if not tag_slug(cleaned):
        raise ValidationError(
            f"“{cleaned}” cannot be a tag: a tag name needs at least one letter or digit, "
            "so that the topic has an address.",
            code="no_slug",
        )
    return cleaned
