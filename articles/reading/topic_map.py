"""
The topic map: every published article holding its passages, the topics they
carry and the cross-references between them, as one graph.

``graph_data`` is the single read behind both the map page's list (drawn on
the server, so the page reads without scripts) and the API's graph endpoint,
which the map's script fetches to draw the graph. ``neighbourhood_data`` is
the same for one article's local map (its page at /articles/<slug>/map/ and
/api/articles/<slug>/graph). Each runs a fixed number of queries whatever the
size of the corpus: one per kind of row, never one per article. All go
through the anonymous page cache like any page.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.http import Http404
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

    @property
    def counts(self):
        return tags.counts_label(self.article_count, self.passage_count)


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
    return _graph(
        articles=published,
        sections=Section.objects.filter(article__in=published),
        references=CrossReference.objects.filter(
            source_article__in=published, target__in=published
        ),
    )


def neighbourhood_data(slug):
    """
    One published article's neighbourhood as a ``Graph``, or None if no
    published article has ``slug``: the article with all its passages, the
    published articles it cites and those citing it (each holding only the
    passages that cite it), the references between it and them, and the topics
    it or its passages carry. The same fixed number of queries as the whole
    map: the neighbours are found by subqueries, not one read per neighbour.
    """
    published = Article.objects.published()
    focus = published.filter(slug=slug).values_list("pk", flat=True).first()
    if focus is None:
        return None
    citing = CrossReference.objects.filter(target=focus, source_article__in=published)
    references = CrossReference.objects.filter(
        Q(source_article=focus, target__in=published)
        | Q(target=focus, source_article__in=published)
    )
    graph = _graph(
        articles=published.filter(
            Q(pk=focus)
            | Q(pk__in=references.values("target"))
            | Q(pk__in=citing.values("source_article"))
        ),
        sections=Section.objects.filter(
            Q(article=focus) | Q(pk__in=citing.values("source_section")),
            article__in=published,
        ),
        references=references,
    )
    article = next((article for article in graph.articles if article.slug == slug), None)
    if article is None:  # unpublished between the two reads
        return None
    discussed = set(article.topics).union(*(passage.topics for passage in article.passages))
    graph.topics = [topic for topic in graph.topics if topic.slug in discussed]
    for other in graph.articles:
        other.topics = [topic for topic in other.topics if topic in discussed]
        for passage in other.passages:
            passage.topics = [topic for topic in passage.topics if topic in discussed]
    return graph


def _graph(*, articles, sections, references):
    """
    A ``Graph`` of the given querysets' rows, one query for each kind (the
    tag counts are kept per content version): ``sections`` and
    ``references`` may only name articles of ``articles``.
    """
    nodes = {
        pk: MapArticle(
            slug=slug,
            title=title,
            url=reverse("articles:detail", kwargs={"slug": slug}),
            published_at=published_at,
        )
        for pk, slug, title, published_at in articles.order_by("-published_at", "-pk").values_list(
            "pk", "slug", "title", "published_at"
        )
    }
    passages = {}
    rows = sections.order_by("article", "position", "pk").values_list(
        "pk", "article_id", "anchor", "heading", "level"
    )
    for pk, article_id, anchor, heading, level in rows:
        article = nodes.get(article_id)
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
        TaggedArticle.objects.filter(content_object__in=articles)
    )
    for article_id, slug in on_articles.order_by("tag__name").values_list(
        "content_object", "tag__slug"
    ):
        if article_id in nodes and slug in known:
            nodes[article_id].topics.append(slug)
    on_passages = tags.taggings_with_a_page(
        TaggedSection.objects.filter(content_object__in=sections)
    )
    for section_id, slug in on_passages.order_by("tag__name").values_list(
        "content_object", "tag__slug"
    ):
        if section_id in passages and slug in known:
            passages[section_id].topics.append(slug)

    return Graph(
        articles=list(nodes.values()),
        topics=topics,
        references=_references(references, nodes),
    )


def _references(references, articles):
    """Each (passage or lead → article) link once, in the source's reading order."""
    rows = references.order_by("source_article", "position", "pk").values_list(
        "source_article", "source_section__anchor", "target"
    )
    seen, found = set(), []
    for source_id, anchor, target_id in rows:
        if source_id not in articles or target_id not in articles or source_id == target_id:
            continue
        reference = MapReference(articles[source_id].slug, anchor, articles[target_id].slug)
        if reference not in seen:
            seen.add(reference)
            found.append(reference)
    return found


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


@dataclass
class Neighbour:
    """An article next to the focus, and the passages (None: the lead) that link the two."""

    article: MapArticle
    passages: list


def article_map(request, slug):
    graph = neighbourhood_data(slug)
    if graph is None:
        raise Http404("No published article has this address.")
    article = next(article for article in graph.articles if article.slug == slug)
    others = {other.slug: other for other in graph.articles if other.slug != slug}
    passages = {
        (owner.slug, passage.anchor): passage
        for owner in graph.articles
        for passage in owner.passages
    }
    # Each (source, passage, target) comes once: the passages linking a neighbour are distinct.
    cites, cited_by = defaultdict(list), defaultdict(list)
    for reference in graph.references:
        passage = passages.get((reference.source, reference.source_anchor))
        if reference.source == slug:
            cites[reference.target].append(passage)
        else:
            cited_by[reference.source].append(passage)
    names = {topic.slug: topic.name for topic in graph.topics}
    for passage in article.passages:
        passage.topic_names = [names[topic] for topic in passage.topics]
    shared_with = defaultdict(list)
    for other in others.values():
        for topic in set(other.topics).union(*(passage.topics for passage in other.passages)):
            shared_with[topic].append(other)
    return render(
        request,
        "articles/topic_map_article.html",
        {
            "article": article,
            "article_topics": [names[topic] for topic in article.topics],
            "cites": [Neighbour(others[target], found) for target, found in cites.items()],
            "cited_by": [Neighbour(others[source], found) for source, found in cited_by.items()],
            # The most discussed first, each with the neighbours that share it.
            "topics": [
                (topic, shared_with[topic.slug]) for topic in topics_by_passage_count(graph)
            ],
            "canonical_path": reverse("articles:article_map", kwargs={"slug": slug}),
        },
    )
