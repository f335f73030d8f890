"""
The newest articles as a JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/),
beside the Atom feed: each item carries the whole article (lead and sections)
as the sanitized HTML the page shows, its cross-references linking only to
published articles, every address absolute as feed readers need.

Four queries whatever the size of the corpus: the articles, their tags, their
sections, and the published targets of their references.
"""

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.urls import reverse
from django.utils.html import escape

from ..content.rendering import plain_text, resolve_reference_markers
from ..models import CrossReference, Section
from . import selectors, tags
from .feeds import FEED_ITEMS

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
CONTENT_TYPE = "application/feed+json; charset=utf-8"


def json_feed(request):
    articles = list(selectors.latest_articles(limit=FEED_ITEMS))
    sections_of = {article.pk: [] for article in articles}
    for section in (
        Section.objects.filter(article__in=list(sections_of))
        .order_by("article", "position", "pk")
        .defer("body")
    ):
        sections_of[section.article_id].append(section)
    targets = _reference_targets(request, list(sections_of))

    def for_reading(rendered):
        return resolve_reference_markers(rendered, targets, mark_missing=False)

    feed = {
        "version": JSON_FEED_VERSION,
        "title": settings.SITE_NAME,
        "home_page_url": request.build_absolute_uri(reverse("articles:home")),
        "feed_url": request.build_absolute_uri(reverse("articles:json_feed")),
        "description": settings.SITE_TAGLINE,
        "language": "en-GB",
        "authors": [{"name": settings.SITE_NAME}],
        "items": [
            _item(request, article, sections_of[article.pk], for_reading) for article in articles
        ],
    }
    return HttpResponse(
        json.dumps(feed, cls=DjangoJSONEncoder, ensure_ascii=False), content_type=CONTENT_TYPE
    )


def _item(request, article, sections, for_reading):
    url = request.build_absolute_uri(article.get_absolute_url())
    parts = [for_reading(article.summary_html)]
    for section in sections:
        # The page's h2/h3 for sections and subsections: the bodies use h4 and below.
        level = 2 if section.level == Section.Level.SECTION else 3
        parts.append(f"<h{level}>{escape(section.heading)}</h{level}>")
        parts.append(for_reading(section.body_html))
    item = {
        # The article's address is its identity: it never changes once published.
        "id": url,
        "url": url,
        "title": article.title,
        "content_html": "\n".join(part for part in parts if part),
        "date_published": article.published_at.isoformat(),
        "date_modified": article.updated_at.isoformat(),
    }
    summary = plain_text(article.summary_html)
    if summary:
        item["summary"] = summary
    topics = [tag.name for tag in tags.with_a_page(article.tags.all())]
    if topics:
        item["tags"] = sorted(topics)
    return item


def _reference_targets(request, article_ids):
    """Normalised title → absolute address, for the references of these articles to published ones."""
    rows = (
        CrossReference.objects.filter(source_article__in=article_ids)
        .filter(selectors.is_published("target"))
        .order_by()
        .values_list("target_key", "target__slug")
        .distinct()
    )
    return {
        key: request.build_absolute_uri(reverse("articles:detail", kwargs={"slug": slug}))
        for key, slug in rows
    }
