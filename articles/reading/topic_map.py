"""
The topic map: every published article holding its passages, the topics they
carry and the cross-references between them, as one graph.

``graph_data`` is the single read behind both the map page's list (drawn on
the server, so the page reads without scripts) and the API's graph endpoint,
which the map's script fetches to draw the graph. It runs a fixed number of
queries whatever the size of the corpus: one per kind of row, never one per
article. Both responses go through the anonymous page cache like any page.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.shortcuts import render
from django.urls import reverse

from ..models import Article, CrossReference, Section, TaggedArticle, TaggedSection
from . import tags


@dataclass
class MapPassage:
    anchor: str
    heading: str
    level: int
    url: str
    topics: list = field(default_factory=list)  # topic slugs


@dataclass
class MapArticle:
    slug: str
    title: str
    url: str
    published_at: object
    topics: list = field(default_factory=list)  # topic slugs, on the article itself
    passages: list = field(default_factory=list)


@dataclass(frozen=True)
class MapTopic:
    slug: str
    name: str
    url: str
    article_count: int
    passage_count: int


@dataclass(frozen=True)
class MapReference:
    source: str  # article slug
    source_anchor: str | None  # the passage it stands in; None: the lead
    target: str  # article slug (always a published one)


@dataclass
class Graph:
    articles: list
    topics: list
    references: list


def graph_data():
    """The published corpus as a ``Graph``: newest article first, passages in reading order."""
    published = Article.objects.published()
    articles = {
        pk: MapArticle(
            slug=slug,
            title=title,
            url=reverse("articles:detail", kwargs={"slug": slug}),
            published_at=published_at,
        )
        for pk, slug, title, published_at in published.order_by("-published_at", "-pk").values_list(
            "pk", "slug", "title", "published_at"
        )
    }
    passages = {}
    sections = (
        Section.objects.filter(article__in=published)
        .order_by("article", "position", "pk")
        .values_list("pk", "article_id", "anchor", "heading", "level")
    )
    for pk, article_id, anchor, heading, level in sections:
        article = articles.get(article_id)
        if article is None:  # published between the two reads
            continue
        passage = MapPassage(anchor, heading, level, f"{article.url}#{anchor}")
        article.passages.append(passage)
        passages[pk] = passage

    # Only topics that have a page: the same list, and counts, as the topic index.
    topics = [
        MapTopic(
            slug=tag.slug,
            name=tag.name,
            url=reverse("articles:tag", kwargs={"slug": tag.slug}),
            article_count=tag.article_count,
            passage_count=tag.passage_count,
        )
        for tag in tags.public_tags()
    ]
    known = {topic.slug for topic in topics}
    on_articles = tags.taggings_with_a_page(
        TaggedArticle.objects.filter(content_object__in=published)
    )
    for article_id, slug in on_articles.order_by("tag__name").values_list(
        "content_object", "tag__slug"
    ):
        if article_id in articles and slug in known:
            articles[article_id].topics.append(slug)
    on_passages = tags.taggings_with_a_page(
        TaggedSection.objects.filter(content_object__article__in=published)
    )
    for section_id, slug in on_passages.order_by("tag__name").values_list(
        "content_object", "tag__slug"
    ):
        if section_id in passages and slug in known:
            passages[section_id].topics.append(slug)

    return Graph(
        articles=list(articles.values()),
        topics=topics,
        references=_references(published, articles),
    )


def _references(published, articles):
    """Each (passage or lead → published article) link once, in the source's reading order."""
    rows = (
        CrossReference.objects.filter(source_article__in=published, target__in=published)
        .order_by("source_article", "position", "pk")
        .values_list("source_article", "source_section__anchor", "target")
    )
    seen, references = set(), []
    for source_id, anchor, target_id in rows:
        if source_id not in articles or target_id not in articles or source_id == target_id:
            continue
        reference = MapReference(articles[source_id].slug, anchor, articles[target_id].slug)
        if reference not in seen:
            seen.add(reference)
            references.append(reference)
    return references


def topics_by_passage_count(graph):
    """The graph's topics, the most discussed first: the order of the map's topic filter."""
    return sorted(graph.topics, key=lambda topic: (-topic.passage_count, topic.name))


def topic_map(request):
    graph = graph_data()
    names = {topic.slug: topic.name for topic in graph.topics}
    references_from = defaultdict(list)
    titles = {article.slug: article.title for article in graph.articles}
    for reference in graph.references:
        references_from[reference.source].append(reference.target)
    for article in graph.articles:
        article.topic_names = [names[slug] for slug in article.topics]
        article.cites = [
            {"slug": slug, "title": titles[slug], "url": reverse("articles:detail", args=[slug])}
            for slug in dict.fromkeys(references_from[article.slug])
        ]
        for passage in article.passages:
            passage.topic_names = [names[slug] for slug in passage.topics]
    return render(
        request,
        "articles/topic_map.html",
        {
            "graph": graph,
            "topics": topics_by_passage_count(graph),
            "passage_count": sum(len(article.passages) for article in graph.articles),
            "canonical_path": reverse("articles:topic_map"),
        },
    )
