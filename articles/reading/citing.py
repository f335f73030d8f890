"""
The Cite pages: an article's or a passage's citation in APA, Chicago and
BibTeX, and its RIS file. Published articles only, as everywhere on the
reading side; a passage is named by its anchor.
"""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from .. import caching
from ..models import Section
from . import citations, selectors, tags


def citation_for(request, article, *, section=None, keywords=()):
    """The ``Citation`` of ``article`` (or of its passage ``section``), with absolute links."""
    url = request.build_absolute_uri(article.get_absolute_url())
    return citations.Citation(
        site=settings.SITE_NAME,
        article_title=article.title,
        url=f"{url}#{section.anchor}" if section is not None else url,
        published=article.published_at,
        heading=section.heading if section is not None else "",
        keywords=tuple(keywords),
    )


def _cited(request, slug, anchor):
    caching.shows(request, article=slug)
    article = selectors.published_article(slug)
    if article is None:
        raise Http404("No published article has this address.")
    section = None
    if anchor is not None:
        section = (
            Section.objects.filter(article=article, anchor=anchor).only("heading", "anchor").first()
        )
        if section is None:
            raise Http404("The article has no passage with this address.")
    keywords = sorted(tag.name for tag in tags.with_a_page(article.tags.all()))
    return article, section, citation_for(request, article, section=section, keywords=keywords)


def cite(request, slug, anchor=None):
    article, section, citation = _cited(request, slug, anchor)
    ris_url = (
        reverse("articles:cite_passage_ris", kwargs={"slug": slug, "anchor": anchor})
        if section is not None
        else reverse("articles:cite_ris", kwargs={"slug": slug})
    )
    return render(
        request,
        "articles/cite.html",
        {
            "article": article,
            "section": section,
            "citation": citation,
            "formats": citations.all_formats(citation),
            "ris_url": ris_url,
            "noindex": True,
        },
    )


def cite_ris(request, slug, anchor=None):
    article, section, citation = _cited(request, slug, anchor)
    name = f"{slug}-{anchor}" if section is not None else slug
    response = HttpResponse(
        citations.ris(citation), content_type="application/x-research-info-systems; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.ris"'
    return response
