"""Atom feeds: the newest articles, and the newest articles on one topic."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse, reverse_lazy
from django.utils.feedgenerator import Atom1Feed

from ..content.rendering import plain_text
from . import selectors, tags, views

FEED_ITEMS = 20


class LatestArticlesFeed(Feed):
    feed_type = Atom1Feed
    link = reverse_lazy("articles:home")

    def title(self):
        return settings.SITE_NAME

    def subtitle(self):
        return settings.SITE_TAGLINE

    def author_name(self):
        return settings.SITE_NAME

    def items(self):
        return selectors.latest_articles(limit=FEED_ITEMS)

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
        return selectors.articles_tagged(tag)[:FEED_ITEMS]
