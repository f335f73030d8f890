"""
Atom feeds: the newest articles, and the newest articles on one topic. Each
entry carries the article's whole text (``feed_content``) beside its lead; a
browser opening a feed is shown a readable page, by the XSLT stylesheet the
feed names (``stylesheet``, at /feed.xsl).
"""

from contextvars import ContextVar

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.xmlutils import SimplerXMLGenerator

from .. import caching
from ..content.rendering import plain_text
from . import feed_content, selectors, tags, views

FEED_ITEMS = 20

# The request being answered, for the entries' absolute links: a Feed is one
# object shared by every request, so nothing of one request is kept on it.
_request = ContextVar("feed_request", default=None)


class ReadableAtomFeed(Atom1Feed):
    """
    Atom, with an xml-stylesheet instruction and each entry's whole text as
    its content. Served as application/xml: feed readers take it as readily,
    and it is the type a browser renders, and so styles (Chromium shows
    application/atom+xml as plain text).
    """

    content_type = "application/xml; charset=utf-8"

    def write(self, outfile, encoding):
        handler = SimplerXMLGenerator(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        # Before the root element, as the instruction must be.
        if self.feed.get("stylesheet"):
            handler.processingInstruction(
                "xml-stylesheet", f'type="text/xsl" href="{self.feed["stylesheet"]}"'
            )
        handler.startElement("feed", self.root_attributes())
        self.add_root_elements(handler)
        self.write_items(handler)
        handler.endElement("feed")

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement(
                "content", item["content_html"], {"type": "html", "xml:base": item["link"]}
            )


class LatestArticlesFeed(Feed):
    feed_type = ReadableAtomFeed
    link = reverse_lazy("articles:home")

    def get_feed(self, obj, request):
        token = _request.set(request)
        try:
            return super().get_feed(obj, request)
        finally:
            _request.reset(token)

    def feed_extra_kwargs(self, obj):
        return {"stylesheet": reverse("articles:feed_stylesheet")}

    def item_extra_kwargs(self, item):
        return {"content_html": getattr(item, "full_text", "")}

    def with_full_texts(self, articles):
        """``articles`` as a list, each with its ``full_text`` (two queries for them all)."""
        articles = list(articles)
        request = _request.get()
        absolute = request.build_absolute_uri if request is not None else (lambda path: path)
        texts = feed_content.full_texts(articles, absolute)
        for article in articles:
            article.full_text = texts.get(article.pk, "")
        return articles

    def title(self):
        return settings.SITE_NAME

    def subtitle(self):
        return settings.SITE_TAGLINE

    def author_name(self):
        return settings.SITE_NAME

    def items(self):
        return self.with_full_texts(selectors.latest_articles(limit=FEED_ITEMS))

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        # Plain text: the lead's cross-reference markers need the page to be resolved.
        return plain_text(item.summary_html)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [tag.name for tag in tags.with_a_page(item.tags.all())]


class TagFeed(LatestArticlesFeed):
    def __call__(self, request, *args, **kwargs):
        if tags.public_tag(kwargs["slug"]) is None:
            # "/tags/Peacekeeping/feed/": to the topic's own feed, for good (or a 404).
            return views.tag_elsewhere(request, kwargs["slug"], "articles:tag_feed")
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request, slug):
        tag = tags.public_tag(slug)
        if tag is None:
            raise Http404("No published article carries this tag.")
        return tag

    def title(self, tag):
        return f"{settings.SITE_NAME}: {tag.name}"

    def subtitle(self, tag):
        # The editors' description of the topic, as plain text, or what the feed is.
        return plain_text(tags.description_of(tag)) or f"New articles on {tag.name}"

    def link(self, tag):
        return reverse("articles:tag", kwargs={"slug": tag.slug})

    def items(self, tag):
        return self.with_full_texts(selectors.articles_tagged(tag)[:FEED_ITEMS])


def stylesheet(request):
    """The XSLT stylesheet that shows a feed as a page in a browser."""
    caching.shows(request)
    return render(request, "feeds/atom.xsl", content_type="text/xsl; charset=utf-8")
