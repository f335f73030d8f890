"""
An article's history as text. A saved revision (django-reversion) is read
back into the same ``ArticleContent`` snapshot (``content/text.py``) as the
article saved now or an editor's form, and two snapshots are compared line by
line through ``ArticleContent.as_text()``. The admin's compare page and its
edit-conflict page both show these diffs.
"""

import difflib
from typing import NamedTuple

from taggit.models import Tag

from ..models import Section, TaggedArticle, TaggedSection
from .text import ArticleContent, SectionContent

DIFF_CONTEXT_LINES = 2


class DiffLine(NamedTuple):
    """One line of a unified diff and its kind: file, hunk, added, removed or same."""

    kind: str
    text: str


def revision_content(version):
    """
    The article as the revision holding ``version`` (a Version of an Article)
    saved it. Tags deleted since are named "(deleted tag N)". Two queries.
    """
    article_id = str(version.object_id)
    sections, section_tag_ids, article_tag_ids = {}, {}, []
    for other in version.revision.version_set.all():
        model, fields = other._model, other.field_dict
        # Foreign keys are stored under their column names (article_id, tag_id).
        if model is Section and str(fields["article_id"]) == article_id:
            sections[str(other.object_id)] = fields
        elif model is TaggedArticle and str(fields["content_object_id"]) == article_id:
            # One revision may hold several articles (an action on a selection).
            article_tag_ids.append(fields["tag_id"])
        elif model is TaggedSection:
            section_id = str(fields["content_object_id"])
            section_tag_ids.setdefault(section_id, []).append(fields["tag_id"])
    wanted_ids = set(article_tag_ids) | {i for ids in section_tag_ids.values() for i in ids}
    names = dict(Tag.objects.filter(pk__in=wanted_ids).values_list("pk", "name"))

    def tag_names(ids):
        return [names.get(i, f"(deleted tag {i})") for i in ids]

    ordered = sorted(sections.items(), key=lambda item: (item[1]["position"], int(item[0])))
    data = version.field_dict
    return ArticleContent(
        title=data.get("title", ""),
        summary=data.get("summary", ""),
        tags=tag_names(article_tag_ids),
        sections=[
            SectionContent(
                level=fields["level"],
                heading=fields["heading"],
                anchor=fields.get("anchor") or "",
                body=fields.get("body") or "",
                tags=tag_names(section_tag_ids.get(section_id, [])),
                position=fields["position"],
            )
            for section_id, fields in ordered
        ],
    )


def content_diff(old, new, *, old_label, new_label):
    """The unified diff from one ArticleContent to another, as DiffLines."""
    lines = difflib.unified_diff(
        old.as_text().splitlines(),
        new.as_text().splitlines(),
        fromfile=old_label,
        tofile=new_label,
        lineterm="",
        n=DIFF_CONTEXT_LINES,
    )
    kinds = {"+": "added", "-": "removed", "@": "hunk"}
    return [
        DiffLine("file" if line.startswith(("+++", "---")) else kinds.get(line[:1], "same"), line)
        for line in lines
    ]
