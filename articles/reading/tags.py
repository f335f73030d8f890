"""
Tags as the public site shows them: only those that published content uses,
each with its counts, and never one without a page of its own.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Value

from .. import caching
from ..models import Article, TaggedArticle, TaggedSection, TopicDescription

# A tag whose name gives no slug ("!!!", stored before such names were refused)
# has no address: no page lists it or links to it, so it can never make one fail.


def taggings_with_a_page(taggings):
    """``taggings`` (of articles or of passages), without those of tags that have no page."""
    return taggings.exclude(tag__slug="")


def with_a_page(tags):
    """``tags`` already read (prefetched with a list of articles), without those with no page."""
    return [tag for tag in tags if tag.slug]


@dataclass(frozen=True)
class PublicTag:
    """A tag that published content uses, and how much."""

    pk: int
    name: str
    slug: str
    article_count: int  # published articles carrying it, on themselves or in a passage
    passage_count: int  # their passages carrying it
    last_modified: datetime  # the newest change to those articles

    @property
    def use_count(self):
        return self.article_count + self.passage_count

    @property
    def counts(self):
        """The counts as every page says them: "3 articles · 31 passages"."""
        return counts_label(self.article_count, self.passage_count)


def counts_label(article_count, passage_count):
    """The one wording of a topic's counts, wherever they are shown."""
    articles = f"{article_count} article{'' if article_count == 1 else 's'}"
    passages = f"{passage_count} passage{'' if passage_count == 1 else 's'}"
    return f"{articles} · {passages}"


def public_tags():
    """
    Every tag that published content uses, as a ``PublicTag``, by name. A tag
    used only by drafts is not listed: its name is not public yet.

    The counts read every tagging of the site, so they are kept per content
    version (``caching.derived``): computed once after each write, not once
    per page.
    """
    return caching.derived("public-tags", _tag_usage)


def most_used_tags(*, limit):
    return sorted(public_tags(), key=lambda tag: (-tag.use_count, tag.name))[:limit]


def public_tag(slug):
    """The ``PublicTag`` with this slug, if published content uses it; else None."""
    return next((tag for tag in public_tags() if tag.slug == slug), None)


def public_tag_in_any_case(slug):
    """
    The ``PublicTag`` whose slug is ``slug`` but for letter case ("Peacekeeping"
    for "peacekeeping"), whose address the reader should be sent to; else None.
    """
    wanted = slug.casefold()
    return next((tag for tag in public_tags() if tag.slug.casefold() == wanted), None)


def description_of(tag):
    """The editors' description of ``tag`` (a ``PublicTag``): its HTML, or "" if it has none."""
    found = TopicDescription.objects.filter(tag=tag.pk).values_list("text_html", flat=True)
    return next(iter(found), "")


def _tag_usage():
    # One pass over each kind of tagging, grouped by tag, in a single query; a
    # count per tag would read the taggings once for each.
    published = Article.objects.published()
    on_articles = (
        taggings_with_a_page(TaggedArticle.objects.filter(content_object__in=published))
        .values("tag", "tag__name", "tag__slug")
        .annotate(
            articles=Count("pk"),
            passages=Value(0, output_field=IntegerField()),
            changed=Max("content_object__updated_at"),
        )
    )
    # An article carrying the tag itself is counted above, whatever its passages carry.
    on_its_article = Exists(
        TaggedArticle.objects.filter(
            tag=OuterRef("tag"), content_object=OuterRef("content_object__article")
        )
    )
    on_passages = (
        taggings_with_a_page(TaggedSection.objects.filter(content_object__article__in=published))
        .values("tag", "tag__name", "tag__slug")
        .annotate(
            articles=Count("content_object__article", distinct=True, filter=~on_its_article),
            passages=Count("pk"),
            changed=Max("content_object__article__updated_at"),
        )
    )
    rows_of = defaultdict(list)  # in name order: the order of the union
    for row in on_articles.union(on_passages, all=True).order_by("tag__name"):
        rows_of[row["tag"]].append(row)
    return [
        PublicTag(
            pk=tag_id,
            name=rows[0]["tag__name"],
            slug=rows[0]["tag__slug"],
            article_count=sum(row["articles"] for row in rows),
            passage_count=sum(row["passages"] for row in rows),
            last_modified=max(row["changed"] for row in rows),
        )
        for tag_id, rows in rows_of.items()
    ]
