"""
Reads for the public site. Every query starts from ``Article.objects.published()``,
so a draft or a scheduled article can never reach a reader through any of them.

Each function runs a fixed number of queries, whatever the size of the corpus:
lists prefetch their tags, and per-passage data (tags, related passages) is
fetched for a whole page at once.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from taggit.models import Tag

from .models import Article, CrossReference, Section, TaggedArticle, TaggedSection

RELATED_PASSAGES_PER_SECTION = 3


def published_articles():
    return Article.objects.published()


# --- Lists -----------------------------------------------------------------------


def latest_articles(*, limit=None):
    """Newest first, with their tags."""
    articles = published_articles().order_by("-published_at", "-pk").prefetch_related("tags")
    return articles[:limit] if limit else articles


# --- Tags ------------------------------------------------------------------------


class SubqueryCount(Subquery):
    """The number of rows a subquery returns, as a column of the outer query."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _counted)"
    output_field = IntegerField()


def _carrying(tag):
    """Articles that carry ``tag`` themselves or in one of their passages."""
    return Q(pk__in=TaggedArticle.objects.filter(tag=tag).values("content_object")) | Q(
        pk__in=TaggedSection.objects.filter(tag=tag).values("content_object__article")
    )


def public_tags():
    """
    Tags used by published content, each with ``article_count`` (published
    articles carrying it, on themselves or a passage) and ``passage_count``
    (their passages carrying it). A tag used only by drafts is not listed:
    its name is not public yet.
    """
    tag = OuterRef(OuterRef("pk"))
    articles = published_articles().filter(_carrying(tag)).order_by().values("pk")
    passages = (
        TaggedSection.objects.filter(
            tag=OuterRef("pk"), content_object__article__in=published_articles()
        )
        .order_by()
        .values("pk")
    )
    return (
        Tag.objects.annotate(
            article_count=SubqueryCount(articles), passage_count=SubqueryCount(passages)
        )
        .filter(article_count__gt=0)
        .order_by("name")
    )


def most_used_tags(*, limit):
    return (
        public_tags()
        .annotate(use_count=F("article_count") + F("passage_count"))
        .order_by("-use_count", "name")[:limit]
    )


def public_tags_for_sitemap():
    """Public tags, each with ``last_modified``: when the newest change to its articles was."""
    newest = (
        published_articles()
        .filter(_carrying(OuterRef(OuterRef("pk"))))
        .order_by("-updated_at")
        .values("updated_at")[:1]
    )
    return public_tags().annotate(last_modified=Subquery(newest))


def public_tag(slug):
    """The tag with this slug if published content uses it, else None."""
    return public_tags().filter(slug=slug).first()


def articles_tagged(tag, *, with_tags=True):
    """Published articles carrying the tag, on themselves or in a passage; newest first."""
    articles = latest_articles().filter(_carrying(tag))
    return articles if with_tags else articles.prefetch_related(None)


def passages_tagged(tag):
    """Sections of published articles carrying the tag, grouped (ordered) by article."""
    return (
        Section.objects.filter(article__in=published_articles(), tags=tag)
        .select_related("article")
        .order_by("-article__published_at", "article_id", "position", "pk")
    )


# --- One article -----------------------------------------------------------------


def published_article(slug):
    """The published article with this slug, with its tags; None if there is none."""
    return published_articles().prefetch_related("tags").filter(slug=slug).first()


def sections_for_reading(article):
    return (
        Section.objects.filter(article=article).order_by("position", "pk").prefetch_related("tags")
    )


def reference_targets(article):
    """Normalised title → public URL, for this article's references to published articles."""
    rows = (
        CrossReference.objects.filter(source_article=article, target__in=published_articles())
        .values_list("target_key", "target__slug")
        .distinct()
    )
    return {key: reverse("articles:detail", kwargs={"slug": slug}) for key, slug in rows}


def referenced_by(article):
    """Published articles with a cross-reference to this one, each once."""
    sources = CrossReference.objects.filter(target=article).values("source_article")
    return (
        published_articles()
        .filter(pk__in=sources)
        .exclude(pk=article.pk)
        .order_by("-published_at", "-pk")
        .only("title", "slug", "published_at")
    )


def neighbours(article):
    """(previous, next) published articles around this one by publication date, in one query."""
    if article.published_at is None:
        return None, None
    when, pk = article.published_at, article.pk
    earlier = Q(published_at__lt=when) | Q(published_at=when, pk__lt=pk)
    later = Q(published_at__gt=when) | Q(published_at=when, pk__gt=pk)
    candidates = published_articles().exclude(pk=pk)
    previous_pk = candidates.filter(earlier).order_by("-published_at", "-pk").values("pk")[:1]
    next_pk = candidates.filter(later).order_by("published_at", "pk").values("pk")[:1]
    found = candidates.filter(Q(pk__in=previous_pk) | Q(pk__in=next_pk)).only(
        "title", "slug", "published_at"
    )
    previous = following = None
    for other in found:
        if (other.published_at, other.pk) < (when, pk):
            previous = other
        else:
            following = other
    return previous, following


@dataclass(frozen=True)
class RelatedPassage:
    article_title: str
    heading: str
    url: str
    shared_tags: int
    published_at: datetime | None = field(default=None, compare=False)


def related_passages(article, *, per_section=RELATED_PASSAGES_PER_SECTION):
    """
    For every section of ``article``: up to ``per_section`` passages of other
    published articles sharing its tags, most shared tags first (then the newer
    article, then the earlier passage). One query for the whole article: a
    self-join of the section tags, counted per pair of passages and ranked in
    the database. Returns {section id: [RelatedPassage, ...]}.
    """
    other = "tag__articles_taggedsection_items__content_object"
    pairs = (
        TaggedSection.objects.filter(
            content_object__article=article,
            **{f"{other}__article__in": published_articles().exclude(pk=article.pk)},
        )
        .values(section_id=F("content_object"), other_id=F(other))
        .annotate(
            shared=Count("tag"),
            heading=F(f"{other}__heading"),
            anchor=F(f"{other}__anchor"),
            position=F(f"{other}__position"),
            article_title=F(f"{other}__article__title"),
            article_slug=F(f"{other}__article__slug"),
            published_at=F(f"{other}__article__published_at"),
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("content_object"),
                order_by=[
                    F("shared").desc(),
                    F("published_at").desc(),
                    F("position").asc(),
                    F("other_id").asc(),
                ],
            )
        )
        .filter(rank__lte=per_section)
        .order_by("section_id", "rank")
    )
    passages = {}
    for row in pairs:
        url = reverse("articles:detail", kwargs={"slug": row["article_slug"]})
        passages.setdefault(row["section_id"], []).append(
            RelatedPassage(
                article_title=row["article_title"],
                heading=row["heading"],
                url=f"{url}#{row['anchor']}",
                shared_tags=row["shared"],
                published_at=row["published_at"],
            )
        )
    return passages
