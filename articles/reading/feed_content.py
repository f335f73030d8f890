"""
The whole text of articles for their feed entries: the lead and every passage
under its heading, as the article page shows them (cross-references to
published articles as absolute links, others as their plain words), in two
queries for a whole feed, whatever the number of entries.

The HTML was sanitized when each passage was saved; resolving the markers
only adds links built here, and headings are escaped.
"""

from collections import defaultdict

from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ..content.rendering import resolve_reference_markers
from ..models import CrossReference, Section
from .selectors import is_published


def full_texts(articles, absolute):
    """
    {article id: its whole text as HTML} for ``articles`` (published ones);
    ``absolute`` turns a path into an absolute URL.
    """
    ids = [article.pk for article in articles]
    if not ids:
        return {}
    targets = defaultdict(dict)  # article id -> {title key: absolute URL}
    for source, key, slug in (
        CrossReference.objects.filter(source_article__in=ids)
        .filter(is_published("target"))
        .order_by()
        .values_list("source_article", "target_key", "target__slug")
        .distinct()
    ):
        targets[source][key] = absolute(reverse("articles:detail", kwargs={"slug": slug}))
    passages = defaultdict(list)
    for section in (
        Section.objects.filter(article__in=ids)
        .order_by("article_id", "position", "pk")
        .only("article_id", "heading", "anchor", "level", "body_html")
    ):
        passages[section.article_id].append(section)
    texts = {}
    for article in articles:
        links = targets[article.pk]
        parts = [resolve_reference_markers(article.summary_html, links, mark_missing=False)]
        for section in passages[article.pk]:
            level = min(max(section.level, 2), 6)
            parts.append(str(format_html("<h{0}>{1}</h{0}>", level, section.heading)))
            parts.append(resolve_reference_markers(section.body_html, links, mark_missing=False))
        texts[article.pk] = mark_safe("\n".join(part for part in parts if part))
    return texts
