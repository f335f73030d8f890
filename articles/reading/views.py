"""
The public reading side. Views are thin: they ask a selector for published
content and render a template. ``render_article`` is shared with the draft
preview views, which pass a banner and ask for the page not to be indexed.
"""

from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from .. import caching
from .. import search as search_backend
from ..content.rendering import resolve_reference_markers
from . import backlinks, citations, citing, related, selectors, tags

HOME_ARTICLES = 6
HOME_TAGS = 16
NO_RESULTS_TAGS = 12


# --- Helpers -------------------------------------------------------------------


def page_number(value):
    """A page number from the query string; anything that is not a positive integer is 1."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return 1
    return max(1, min(number, 10**6))


def pagination(request, *, number, num_pages):
    """Links to the previous and next page, keeping the rest of the query string (e.g. q)."""

    def url_for(n):
        params = [
            (key, value) for key, values in request.GET.lists() if key != "page" for value in values
        ]
        if n > 1:
            params.append(("page", n))
        query = urlencode(params)
        return f"{request.path}?{query}" if query else request.path

    return {
        "number": number,
        "num_pages": num_pages,
        "previous_url": url_for(number - 1) if number > 1 else None,
        "next_url": url_for(number + 1) if number < num_pages else None,
    }


def page_path(request, number):
    """The canonical address of page ``number`` of a list."""
    return request.path if number <= 1 else f"{request.path}?{urlencode({'page': number})}"


@dataclass
class ContentsEntry:
    section: object
    children: list = field(default_factory=list)


@dataclass(frozen=True)
class Topic:
    """A tag as the article page links it: its name and the address of its page."""

    name: str
    url: str


def topics(tag_list, tag_urls):
    """The tags of an article or a passage, by name, as links (``tag_urls``: slug → address)."""
    return [Topic(tag.name, tag_urls[tag.slug]) for tag in sorted(tag_list, key=attrgetter("name"))]


def table_of_contents(sections):
    """Sections nested by level: each level 3 under the level 2 before it."""
    entries = []
    for section in sections:
        if section.level > 2 and entries:
            entries[-1].children.append(ContentsEntry(section))
        else:
            entries.append(ContentsEntry(section))
    return entries


# --- Pages -----------------------------------------------------------------------


def home(request):
    caching.shows(request)
    return render(
        request,
        "articles/home.html",
        {
            "articles": selectors.latest_articles(limit=HOME_ARTICLES),
            "tags": tags.most_used_tags(limit=HOME_TAGS),
            "canonical_path": reverse("articles:home"),
        },
    )


def article_list(request):
    caching.shows(request)
    paginator = Paginator(selectors.latest_articles(), settings.ARTICLES_PER_PAGE)
    # get_page clamps: a page past the end shows the last one, nonsense shows the first.
    page = paginator.get_page(page_number(request.GET.get("page")))
    return render(
        request,
        "articles/article_list.html",
        {
            "page": page,
            "articles": page.object_list,
            "pagination": pagination(request, number=page.number, num_pages=paginator.num_pages),
            "canonical_path": page_path(request, page.number),
        },
    )


def article_detail(request, slug):
    caching.shows(request, article=slug)  # before the article is read
    article = selectors.article_page(slug)
    if article is None:
        raise Http404("No published article has this address.")
    return render_article(request, article)


def render_article(request, article, *, preview_banner=None, noindex=False):
    """
    The article page for any article, published or not. The public view only
    passes published ones; the draft previews pass a banner and ``noindex``.
    Everything around the article (links, related passages, neighbours) is
    still limited to published content. What it shows from the rest of the
    corpus is stored when content changes (content/derived.py) and read here.
    """
    article_tags, sections = selectors.tags_and_sections(article)
    targets, cited_by = backlinks.references_of(article)
    passages = related.related_passages(article, sections)
    # Each tag's address once: the same tags recur in many passages.
    slugs = {tag.slug for tag in chain(article_tags, *(section.tag_list for section in sections))}
    tag_urls = {slug: reverse("articles:tag", kwargs={"slug": slug}) for slug in slugs}
    # Readers meet a reference to an article not public yet as plain text;
    # editors previewing a draft see it marked.
    mark_missing = preview_banner is not None

    def for_reading(rendered):
        # Sanitized when saved; resolving only adds links we build.
        return mark_safe(resolve_reference_markers(rendered, targets, mark_missing=mark_missing))

    for section in sections:
        section.body_for_reading = for_reading(section.body_html)
        section.topics = topics(section.tag_list, tag_urls)
        section.related_passages = passages.get(section.pk, [])
        section.cited_in = cited_by.cited_in.get(section.anchor, [])
    lead = for_reading(article.summary_html)
    for section in sections:
        section.cite_url = reverse(
            "articles:cite_passage", kwargs={"slug": article.slug, "anchor": section.anchor}
        )
    citation = citing.citation_for(
        request, article, keywords=[topic.name for topic in topics(article_tags, tag_urls)]
    )
    previous, following = selectors.neighbours(article)
    return render(
        request,
        "articles/article_detail.html",
        {
            "article": article,
            "lead": lead,
            "article_tags": article_tags,
            "topics": topics(article_tags, tag_urls),
            "sections": sections,
            "contents": table_of_contents(sections),
            "further_reading": related.further_reading(passages),
            "citation": citation,
            "cite_formats": citations.all_formats(citation),
            "ris_url": reverse("articles:cite_ris", kwargs={"slug": article.slug}),
            "backlinks": cited_by,
            "previous_article": previous,
            "next_article": following,
            "preview_banner": preview_banner,
            "noindex": noindex,
            "canonical_path": article.get_absolute_url() if not noindex else None,
        },
    )


def tag_index(request):
    caching.shows(request)
    return render(
        request,
        "articles/tag_index.html",
        {"tags": tags.public_tags(), "canonical_path": reverse("articles:tags")},
    )


class CountedPaginator(Paginator):
    """A paginator told its count (already known, e.g. from the tag counts) instead of counting."""

    def __init__(self, object_list, per_page, *, count, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._known_count = count

    @property
    def count(self):
        return self._known_count


def tag_detail(request, slug):
    caching.shows(request)
    tag = tags.public_tag(slug)
    if tag is None:
        return tag_elsewhere(request, slug, "articles:tag")
    # A common topic runs through thousands of passages: a page shows a page of
    # the articles carrying it, with their passages.
    paginator = CountedPaginator(
        selectors.articles_tagged(tag, with_tags=False),
        settings.ARTICLES_PER_PAGE,
        count=tag.article_count,
    )
    page = paginator.get_page(page_number(request.GET.get("page")))
    articles = list(page.object_list)
    return render(
        request,
        "articles/tag_detail.html",
        {
            "tag": tag,
            "description": mark_safe(tags.description_of(tag)),  # sanitized when saved
            "articles": articles,
            "passages": selectors.passages_tagged(tag, articles=articles),
            "pagination": pagination(request, number=page.number, num_pages=paginator.num_pages),
            "canonical_path": page_path(request, page.number),
        },
    )


def tag_elsewhere(request, slug, view_name):
    """
    A topic's address in another letter case ("/tags/Peacekeeping/") is sent,
    for good, to its own (query string kept); any other unknown topic is a 404.
    """
    tag = tags.public_tag_in_any_case(slug)
    if tag is None:
        raise Http404("No published article carries this tag.")
    url = reverse(view_name, kwargs={"slug": tag.slug})
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)


def search(request):
    results = search_backend.search(
        request.GET.get("q", ""), page=page_number(request.GET.get("page"))
    )
    context = {
        "query": results.query,
        "results": results,
        "noindex": True,
        "searched": bool(results.query),
        "max_query_length": search_backend.MAX_QUERY_LENGTH,
    }
    if results.hits:
        context["pagination"] = pagination(
            request, number=results.page, num_pages=results.num_pages
        )
    elif results.query:
        context["suggested_tags"] = tags.most_used_tags(limit=NO_RESULTS_TAGS)
    return render(request, "articles/search.html", context)


def robots_txt(request):
    sitemap_url = request.build_absolute_uri(reverse("articles:sitemap"))
    return render(
        request,
        "robots.txt",
        {"sitemap_url": sitemap_url},
        content_type="text/plain; charset=utf-8",
    )
