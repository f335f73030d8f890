"""/sitemap.xml: the published articles and the tags published content carries."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from . import selectors, tags


class PageSitemap(Sitemap):
    """The fixed pages a crawler should start from."""

    def items(self):
        return ["articles:home", "articles:list", "articles:tags"]

    def location(self, item):
        return reverse(item)


class ArticleSitemap(Sitemap):
    def items(self):
        return selectors.latest_articles(with_tags=False).only("slug", "updated_at")

    def lastmod(self, article):
        return article.updated_at


class TagSitemap(Sitemap):
    def items(self):
        return tags.public_tags()

    def location(self, tag):
        return reverse("articles:tag", kwargs={"slug": tag.slug})

    def lastmod(self, tag):
        return tag.last_modified


SITEMAPS = {"pages": PageSitemap, "articles": ArticleSitemap, "tags": TagSitemap}
