"""
The read-only JSON API under /api/: articles, topics, search and the topic
map's graph, published content only, for anyone, GET only.

Thin like the pages: each operation asks the reading side's selectors (or
``api.selectors``, built on them) and shapes the answer into a schema. No
operation writes; anonymous GETs are stored and invalidated by the page cache
like the pages (under the content version, ``X-Cache`` telling which), and
what reaches a view is throttled per client.

The docs page is off: ninja's loads Swagger UI from a CDN, which the site's
Content-Security-Policy forbids and a reader never needs. The OpenAPI
description at /api/openapi.json is the documentation.
"""

from collections import defaultdict
from datetime import date
from operator import attrgetter
from typing import Annotated

from django.conf import settings
from django.core.paginator import EmptyPage, Paginator
from django.urls import reverse
from ninja import NinjaAPI, Query
from ninja.errors import HttpError, ValidationError

from .. import search as search_backend
from ..content.rendering import plain_text, resolve_reference_markers
from ..reading import selectors, tags, topic_map
from ..reading.views import CountedPaginator
from . import schemas
from . import selectors as api_selectors
from .throttling import ClientRateThrottle

PER_PAGE = 20
MAX_PAGE = 10**6
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE, description="From 1.")]
NOT_FOUND = {404: schemas.Message, 422: schemas.Message, 429: schemas.Message}

api = NinjaAPI(
    title=f"{settings.SITE_NAME} API",
    version="1",
    description="Read-only: published articles, their passages, topics and links.",
    urls_namespace="api",
    docs_url=None,
    throttle=[ClientRateThrottle()],
)


@api.exception_handler(ValidationError)
def invalid_request(request, exc):
    # One sentence per wrong parameter, e.g. "page: Input should be greater
    # than or equal to 1", instead of pydantic's nested structure.
    problems = []
    for error in exc.errors:
        where = ".".join(str(part) for part in error.get("loc", ())[1:]) or "request"
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    return api.create_response(request, {"detail": "; ".join(problems)}, status=422)


def counts_label(article_count, passage_count):
    articles = f"{article_count} article{'' if article_count == 1 else 's'}"
    passages = f"{passage_count} passage{'' if passage_count == 1 else 's'}"
    return f"{articles} · {passages}"


def topic_ref(tag):
    return {"name": tag.name, "slug": tag.slug, "url": reverse("articles:tag", args=[tag.slug])}


def topic_with_counts(tag):
    return {
        **topic_ref(tag),
        "article_count": tag.article_count,
        "passage_count": tag.passage_count,
        "counts": counts_label(tag.article_count, tag.passage_count),
    }


def paged(paginator, number):
    """Page ``number`` of ``paginator`` and its paging fields; past the end, a 404 saying so."""
    try:
        page = paginator.page(number)
    except EmptyPage:
        last = paginator.num_pages
        raise HttpError(
            404, f"There is no page {number}: the list has {last} page{'' if last == 1 else 's'}."
        ) from None
    fields = {
        "count": paginator.count,
        "page": page.number,
        "num_pages": paginator.num_pages,
        "per_page": paginator.per_page,
        "next_page": page.next_page_number() if page.has_next() else None,
        "previous_page": page.previous_page_number() if page.has_previous() else None,
    }
    return page, fields


def public_topic_or_404(slug):
    tag = tags.public_tag(slug)
    if tag is None:
        raise HttpError(404, f"No published article carries the topic {slug!r}.")
    return tag


# --- Articles ---------------------------------------------------------------------


@api.get("/articles", response={200: schemas.ArticleList, **NOT_FOUND}, tags=["articles"])
def article_list(
    request,
    page: PageNumber = 1,
    topic: Annotated[str | None, Query(description="A topic slug, as in /tags/<slug>/.")] = None,
    published_from: Annotated[date | None, Query(description="YYYY-MM-DD, inclusive.")] = None,
    published_to: Annotated[date | None, Query(description="YYYY-MM-DD, inclusive.")] = None,
):
    """Published articles, newest first (then by key: a stable order to page through)."""
    if published_from and published_to and published_from > published_to:
        raise HttpError(422, "published_from is after published_to: nothing can match.")
    found = api_selectors.articles(
        topic=public_topic_or_404(topic) if topic else None,
        published_from=published_from,
        published_to=published_to,
    )
    page_, fields = paged(Paginator(found, PER_PAGE), page)
    return {**fields, "items": [_summary(article) for article in page_.object_list]}


def _summary(article):
    return {
        "slug": article.slug,
        "title": article.title,
        "url": article.get_absolute_url(),
        "summary": plain_text(article.summary_html),
        "published_at": article.published_at,
        "updated_at": article.updated_at,
        "reading_minutes": article.reading_minutes,
        "topics": [
            topic_ref(tag)
            for tag in sorted(tags.with_a_page(article.tags.all()), key=attrgetter("name"))
        ],
    }


@api.get("/articles/{slug}", response={200: schemas.ArticleDetail, **NOT_FOUND}, tags=["articles"])
def article_detail(request, slug: str):
    """One published article: lead, sections with their topics, references and backlinks."""
    article = selectors.published_article(slug)
    if article is None:
        raise HttpError(404, "No published article has this slug.")
    article_tags, sections = selectors.tags_and_sections(article)
    references, targets = api_selectors.reference_rows_and_targets(article)

    def for_reading(rendered):
        # As readers see it: links to published articles only, the rest as text.
        return resolve_reference_markers(rendered, targets, mark_missing=False)

    url = article.get_absolute_url()
    return {
        "slug": article.slug,
        "title": article.title,
        "url": url,
        "summary_html": for_reading(article.summary_html),
        "published_at": article.published_at,
        "updated_at": article.updated_at,
        "reading_minutes": article.reading_minutes,
        "word_count": article.word_count,
        "topics": [topic_ref(tag) for tag in sorted(article_tags, key=attrgetter("name"))],
        "sections": [
            {
                "anchor": section.anchor,
                "heading": section.heading,
                "level": section.level,
                "url": f"{url}#{section.anchor}",
                "html": for_reading(section.body_html),
                "topics": [
                    topic_ref(tag) for tag in sorted(section.tag_list, key=attrgetter("name"))
                ],
            }
            for section in sections
        ],
        "references": references,
        "backlinks": [
            {
                "slug": source.slug,
                "title": source.title,
                "url": source.get_absolute_url(),
                "published_at": source.published_at,
            }
            for source in selectors.referenced_by(article)
        ],
    }


# --- Topics -----------------------------------------------------------------------


@api.get("/topics", response={200: schemas.TopicList, **NOT_FOUND}, tags=["topics"])
def topic_list(request, page: PageNumber = 1):
    """Every topic published content carries, by name, with its counts."""
    page_, fields = paged(Paginator(tags.public_tags(), PER_PAGE), page)
    return {**fields, "items": [topic_with_counts(tag) for tag in page_.object_list]}


@api.get("/topics/{slug}", response={200: schemas.TopicDetail, **NOT_FOUND}, tags=["topics"])
def topic_detail(request, slug: str, page: PageNumber = 1):
    """A topic's counts, and a page of the articles carrying it with their passages on it."""
    tag = public_topic_or_404(slug)
    paginator = CountedPaginator(
        selectors.articles_tagged(tag, with_tags=False), PER_PAGE, count=tag.article_count
    )
    page_, fields = paged(paginator, page)
    articles = list(page_.object_list)
    passages_of = defaultdict(list)
    for passage in selectors.passages_tagged(tag, articles=articles):
        passages_of[passage.article_id].append(
            {
                "anchor": passage.anchor,
                "heading": passage.heading,
                "url": passage.get_absolute_url(),
            }
        )
    return {
        **fields,
        "topic": topic_with_counts(tag),
        "items": [
            {
                "slug": article.slug,
                "title": article.title,
                "url": article.get_absolute_url(),
                "published_at": article.published_at,
                "passages": passages_of[article.pk],
            }
            for article in articles
        ],
    }


# --- Search and the graph ------------------------------------------------------------


@api.get("/search", response={200: schemas.SearchResults, **NOT_FOUND}, tags=["search"])
def search(
    request,
    q: Annotated[str, Query(min_length=1, max_length=1000, description="Words to find.")],
    page: PageNumber = 1,
):
    """Published passages matching ``q``, best first; a page past the end gives the last."""
    results = search_backend.search(q, page=page)
    return {
        "query": results.query,
        "total": results.total,
        "total_is_capped": results.total_is_capped,
        "shortened": results.shortened,
        "suggestion": results.suggestion,
        "page": results.page,
        "num_pages": results.num_pages,
        "hits": [
            {
                "article_title": hit.article_title,
                "section_heading": hit.section_heading,
                "url": hit.url,
                "snippet": str(hit.snippet),
                "published_at": hit.published_at,
            }
            for hit in results.hits
        ],
    }


@api.get("/graph", response={200: schemas.Graph, 429: schemas.Message}, tags=["graph"])
def graph(request):
    """
    The whole published corpus as a graph, what the topic map draws: articles
    holding their passages, the topics each carries, references between articles.
    """
    return topic_map.graph_data()


@api.get("/articles/{slug}/graph", response={200: schemas.Graph, **NOT_FOUND}, tags=["graph"])
def article_graph(request, slug: str):
    """
    One published article's neighbourhood, what its local map draws: the
    article and its passages, the published articles it cites and that cite it
    (holding the citing passages), and the topics it discusses.
    """
    graph = topic_map.neighbourhood_data(slug)
    if graph is None:
        raise HttpError(404, "No published article has this slug.")
    return graph


# --- Anything else under /api/ ------------------------------------------------------

ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


# Registered last, so every real operation matches first: a client asking for
# a path the API does not have reads JSON, as from any endpoint, not the
# site's HTML 404 page.
@api.api_operation(ANY_METHOD, "/{path:rest}", include_in_schema=False)
def unknown_path(request, rest: str):
    raise _no_such_path(request)


@api.api_operation(ANY_METHOD, "", include_in_schema=False)
def api_root(request):
    raise _no_such_path(request)


def _no_such_path(request):
    openapi = reverse("api:openapi-json")
    return HttpError(404, f"There is no {request.path} in this API: {openapi} lists its endpoints.")
