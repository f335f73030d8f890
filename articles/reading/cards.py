"""
Preview cards: small server-rendered pages that ``static/js/previews.js``
fetches when a reader hovers, focuses or taps a link to a passage, an article
or a topic, and shows beside the link. Each is a whole (tiny) HTML document,
so that it can be checked like any page; the script takes its card out.

Published content only, as everywhere on the reading side: a card for a
draft, a scheduled article or a topic only they use is a 404. Cards go
through the page cache like pages, stored under what they show.
"""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from .. import caching
from ..models import Section, TaggedSection
from . import selectors, tags
from .selectors import is_published

TOPIC_CARD_PASSAGES = 3


def _card(request, context):
    return render(request, "articles/card.html", {"noindex": True, **context})


def _published_article(slug):
    article = selectors.published_article(slug)
    if article is None:
        raise Http404("No published article has this address.")
    return article


def passage_card(request, slug, anchor):
    caching.shows(request, article=slug)
    article = _published_article(slug)
    section = (
        Section.objects.filter(article=article, anchor=anchor)
        .only("heading", "anchor", "body_html", "article_id")
        .first()
    )
    if section is None:
        raise Http404("The article has no passage with this address.")
    section.article = article  # for its address, without reading the article again
    return _card(
        request,
        {
            "kind": "passage",
            "article": article,
            "section": section,
            "url": section.get_absolute_url(),
        },
    )


def article_card(request, slug):
    caching.shows(request, article=slug)
    article = _published_article(slug)
    return _card(
        request, {"kind": "article", "article": article, "url": article.get_absolute_url()}
    )


def topic_card(request, slug):
    caching.shows(request)
    tag = tags.public_tag(slug)
    if tag is None:
        raise Http404("No published article carries this tag.")
    # The newest passages carrying it (its taggings, newest first, by the tag's index).
    passages = (
        TaggedSection.objects.filter(tag=tag.pk)
        .filter(is_published("content_object__article"))
        .order_by("-pk")
        .values_list(
            "content_object__heading",
            "content_object__anchor",
            "content_object__article__title",
            "content_object__article__slug",
            named=True,
        )[:TOPIC_CARD_PASSAGES]
    )
    return _card(
        request,
        {
            "kind": "topic",
            "tag": tag,
            "description": tags.description_of(tag),
            "passages": [
                {
                    "heading": row.content_object__heading,
                    "article_title": row.content_object__article__title,
                    "url": reverse(
                        "articles:detail", kwargs={"slug": row.content_object__article__slug}
                    )
                    + f"#{row.content_object__anchor}",
                }
                for row in passages
            ],
            "url": reverse("articles:tag", kwargs={"slug": tag.slug}),
        },
    )
