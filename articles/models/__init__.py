"""
The content model: an Article is made of ordered Sections; both carry topic
tags (django-taggit, through typed tables); a CrossReference points from a
passage to another article by title, and resolves once that article exists.
One module per concern; everything is importable from ``articles.models``.
"""

from .articles import (
    WORDS_PER_MINUTE,
    Article,
    ArticleQuerySet,
    RenderedBody,
    Section,
    TaggedArticle,
    TaggedSection,
    first_free,
    render_body,
    slug_base,
    unique_anchor,
    unique_slug,
)
from .derived import ArticleNeighbours, RelatedPassage, StaleSection, StaleTopic
from .previews import PreviewLink
from .references import CrossReference, PendingMentionName, UnlinkedMention
from .tag_usage import TagUsage
from .topics import TopicDescription

__all__ = [
    "WORDS_PER_MINUTE",
    "Article",
    "ArticleNeighbours",
    "ArticleQuerySet",
    "CrossReference",
    "PendingMentionName",
    "PreviewLink",
    "RelatedPassage",
    "RenderedBody",
    "Section",
    "StaleSection",
    "StaleTopic",
    "TaggedArticle",
    "TagUsage",
    "TaggedSection",
    "TopicDescription",
    "UnlinkedMention",
    "first_free",
    "render_body",
    "slug_base",
    "unique_anchor",
    "unique_slug",
]
