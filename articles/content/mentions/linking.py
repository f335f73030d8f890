"""Linking or tagging a mention from the editors' pages, as one revision."""

import reversion
from django.db import transaction

from ...models import Section, UnlinkedMention
from .names import TITLE, TOPIC


class MentionError(ValueError):
    """A mention that cannot be linked or tagged any more; the message says why."""


def _current(mention, kind):
    section = Section.objects.select_related("article").get(pk=mention.section_id)
    if mention.kind != kind:
        raise MentionError("This mention is not of that kind.")
    if section.body[mention.start : mention.end] != mention.text:
        raise MentionError("The passage has changed since the mention was found.")
    return section


def _recorded(*, user, comment, section, change):
    with reversion.create_revision():
        reversion.set_user(user)
        reversion.set_comment(comment)
        change()
        reversion.add_to_revision(section.article)


@transaction.atomic
def link_mention(*, mention, user):
    """
    Put a cross-reference to the named article where the passage names it,
    as one revision by ``user``. The mention goes with the save that follows.
    """
    section = _current(mention, TITLE)
    title = mention.article.title
    body = section.body
    section.body = f"{body[: mention.start]}[[{title}]]{body[mention.end :]}"
    _recorded(
        user=user,
        comment=f"Linked “{mention.text}” to “{title}” (unlinked mentions).",
        section=section,
        change=section.save,
    )
    UnlinkedMention.objects.filter(pk=mention.pk).delete()
    return section


@transaction.atomic
def tag_mention(*, mention, user):
    """Put the named topic on the passage, as one revision by ``user``."""
    section = _current(mention, TOPIC)
    tag = mention.tag
    _recorded(
        user=user,
        comment=f"Tagged “{section.heading}” with “{tag.name}” (unlinked mentions).",
        section=section,
        change=lambda: section.tags.add(tag),
    )
    UnlinkedMention.objects.filter(pk=mention.pk).delete()
    return section
