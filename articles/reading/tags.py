"""
Tags as the public site shows them: only those that published content uses,
each with its counts, and never one without a page of its own.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import F
from django.db.models.functions import Collate
from django.utils import timezone

from ..content import tag_usage
from ..models import TagUsage, TopicDescription

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

    The counts are stored (``TagUsage``, kept by content.tag_usage): a page
    reads them, and counts again only the rows a write or a publication time
    has made stale.
    """
    tag_usage.refresh_due()
    return [_public_tag(row) for row in _public_rows().order_by("tag__name")]


def most_used_tags(*, limit):
    """The ``limit`` tags with the most uses (articles and passages), ties by name."""
    tag_usage.refresh_due()
    rows = _public_rows().alias(use_count=F("article_count") + F("passage_count"))
    return [
        _public_tag(row) for row in rows.order_by("-use_count", _code_points("tag__name"))[:limit]
    ]


def public_tag(slug):
    """The ``PublicTag`` with this slug, if published content uses it; else None."""
    row = TagUsage.objects.filter(tag__slug=slug).values(*_FIELDS, "valid_until", "changes").first()
    if row is None:
        return None
    if row["valid_until"] is not None and row["valid_until"] <= timezone.now():
        usage = tag_usage.refresh(changes={row["tag"]: row["changes"]})[row["tag"]]
        row.update(
            article_count=usage.article_count,
            passage_count=usage.passage_count,
            last_modified=usage.last_modified,
        )
    return _public_tag(row) if row["article_count"] else None


def public_tag_in_any_case(slug):
    """
    The ``PublicTag`` whose slug is ``slug`` but for letter case ("Peacekeeping"
    for "peacekeeping"), whose address the reader should be sent to; else None.
    """
    wanted = slug.casefold()
    return next((tag for tag in public_tags() if tag.slug.casefold() == wanted), None)


_FIELDS = ("tag", "tag__name", "tag__slug", "article_count", "passage_count", "last_modified")


def _public_rows():
    # Counted rows only: public_tags and most_used_tags count the stale ones first.
    return TagUsage.objects.filter(article_count__gt=0).exclude(tag__slug="").values(*_FIELDS)


def _public_tag(row):
    return PublicTag(
        pk=row["tag"],
        name=row["tag__name"],
        slug=row["tag__slug"],
        article_count=row["article_count"],
        passage_count=row["passage_count"],
        last_modified=row["last_modified"],
    )


def _code_points(field):
    # Ties are broken by name as Python orders strings (by code point);
    # PostgreSQL's default collation would order them otherwise.
    if connection.vendor == "postgresql":
        return Collate(field, "C")
    return F(field)


def description_of(tag):
    """The editors' description of ``tag`` (a ``PublicTag``): its HTML, or "" if it has none."""
    found = TopicDescription.objects.filter(tag=tag.pk).values_list("text_html", flat=True)
    return next(iter(found), "")
