"""
Link health: where the web of published articles is thin. Titles passages
want that no article has (editorial/wanted.py), articles no other published
article links to, articles that link to no other, passages that carry no
topic, and topics that only one article carries. What readers can follow is
what counts: links from and to published articles, an article's links to
itself left aside. Each list is one query, whatever the size of the site.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from ..models import Article, CrossReference, Section, TaggedArticle, TaggedSection
from .wanted import wanted_articles


@dataclass(frozen=True)
class WantedTitle:
    """A title passages refer to that no article has, and the articles that name it."""

    title: str
    references: int
    articles: list

    @property
    def wanted_by(self):
        return len(self.articles)


@dataclass(frozen=True)
class SingleArticleTopic:
    """A topic that one published article carries (on itself or on its passages) and no other."""

    name: str
    slug: str
    article_pk: int
    article_title: str


@dataclass(frozen=True)
class LinkHealth:
    wanted: list
    orphaned: list
    dead_ends: list
    untagged_passages: list
    single_article_topics: list


def wanted_titles():
    """The wanted articles, the one wanted by most articles first. One query."""
    titles = [
        WantedTitle(title=w.title, references=w.count, articles=w.source_articles)
        for w in wanted_articles()
    ]
    return sorted(titles, key=lambda w: (-w.wanted_by, -w.references, w.title.casefold()))


def _links(**where):
    """Links readers can follow: resolved, between two published articles, not to oneself."""
    return (
        CrossReference.objects.filter(
            source_article__in=Article.objects.published(),
            target__in=Article.objects.published(),
            **where,
        )
        .exclude(source_article=OuterRef("pk"), target=OuterRef("pk"))
        .values("pk")
    )


def orphaned_articles():
    """Published articles that no other published article links to."""
    return (
        Article.objects.published().filter(~Exists(_links(target=OuterRef("pk")))).order_by("title")
    )


def dead_end_articles():
    """Published articles that link to no other published article."""
    return (
        Article.objects.published()
        .filter(~Exists(_links(source_article=OuterRef("pk"))))
        .order_by("title")
    )


def untagged_passages():
    """The sections of published articles that carry no topic, article by article."""
    tagged = TaggedSection.objects.filter(content_object=OuterRef("pk"))
    return (
        Section.objects.filter(article__in=Article.objects.published())
        .filter(~Exists(tagged))
        .select_related("article")
        .order_by("article__title", "position", "pk")
    )


def single_article_topics():
    """
    Topics that exactly one published article carries, on itself or on any
    of its passages, by name. One query: the distinct (topic, article) pairs
    of both kinds of tagging, counted here.
    """
    published = Article.objects.published()
    on_articles = TaggedArticle.objects.filter(content_object__in=published).values_list(
        "tag__name", "tag__slug", "content_object_id", "content_object__title"
    )
    on_passages = TaggedSection.objects.filter(content_object__article__in=published).values_list(
        "tag__name",
        "tag__slug",
        "content_object__article_id",
        "content_object__article__title",
    )
    articles_of = defaultdict(set)
    for name, slug, article_pk, title in on_articles.union(on_passages):
        articles_of[(name, slug)].add((article_pk, title))
    single = [
        SingleArticleTopic(name=name, slug=slug, article_pk=pk, article_title=title)
        for (name, slug), articles in articles_of.items()
        if len(articles) == 1
        for pk, title in articles
    ]
    return sorted(single, key=lambda topic: topic.name.casefold())


def link_health():
    """Every list of the link health page, evaluated: five queries."""
    return LinkHealth(
        wanted=wanted_titles(),
        orphaned=list(orphaned_articles()),
        dead_ends=list(dead_end_articles()),
        untagged_passages=list(untagged_passages()),
        single_article_topics=single_article_topics(),
    )


def link_health_counts():
    """How long each list is, for the editors' dashboard: five queries."""
    wanted_keys = CrossReference.objects.filter(target__isnull=True).values("target_key").distinct()
    return {
        "wanted": wanted_keys.count(),
        "orphaned": orphaned_articles().count(),
        "dead_ends": dead_end_articles().count(),
        "untagged_passages": untagged_passages().count(),
        "single_article_topics": len(single_article_topics()),
    }
