"""
The reads the API needs beyond the reading side's: a filtered list, and an
article's references with their targets. Both start from the reading side's
selectors (``latest_articles``, ``articles_tagged``, ``is_published``), so the
published rule is the site's one.
"""

from django.db.models import F
from django.urls import reverse

from ..models import CrossReference
from ..reading import selectors


def articles(*, topic=None, published_from=None, published_to=None):
    """
    Published articles, newest first (ties by key: a stable order to page
    through), with their tags; only those carrying ``topic`` (a ``PublicTag``)
    and published within the dates given (inclusive, in the site's time zone).
    """
    found = selectors.articles_tagged(topic) if topic else selectors.latest_articles()
    if published_from:
        found = found.filter(published_at__date__gte=published_from)
    if published_to:
        found = found.filter(published_at__date__lte=published_to)
    return found.order_by("-published_at", "-pk")


def references(article):
    """
    The article's cross-references in reading order, each with ``target_public``
    and the target's slug (``public_slug``, None unless published): a reader
    is never pointed at a draft, nor told its address.
    """
    return (
        CrossReference.objects.filter(source_article=article)
        .annotate(
            target_public=selectors.is_published("target"),
            public_slug=F("target__slug"),
            from_anchor=F("source_section__anchor"),
        )
        .order_by("position", "pk")
        .values(
            "kind",
            "target_title",
            "target_heading",
            "target_key",
            "from_anchor",
            "target_public",
            "public_slug",
        )
    )


def reference_rows_and_targets(article):
    """
    ``references(article)`` as dicts ready for the response, and the
    normalised title → address map that resolves the markers in its HTML
    (what ``reading.backlinks.references_of`` gives the article page, read in the same query).
    """
    rows, targets = [], {}
    for row in references(article):
        slug = row["public_slug"] if row["target_public"] else None
        url = reverse("articles:detail", kwargs={"slug": slug}) if slug else None
        if url:
            targets[row["target_key"]] = url
        rows.append(
            {
                "kind": row["kind"],
                "title": row["target_title"],
                "heading": row["target_heading"],
                "from_anchor": row["from_anchor"],
                "target_slug": slug,
                "target_url": url,
            }
        )
    return rows, targets
