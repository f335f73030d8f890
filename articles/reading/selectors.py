"""
Reads for the public site: lists of articles, one article and what its page
shows around it. Every query starts from ``Article.objects.published()``, or
tests the articles of its rows with ``is_published``, so a draft or a
scheduled article never reaches a reader through any of them.

Each function runs a fixed number of queries, whatever the size of the corpus:
lists prefetch their tags, and per-passage data is read for a whole page at
once. Tags and their counts are in ``tags``, related passages in ``related``.
"""

from collections import defaultdict

from django.db.models import Exists, F, IntegerField, OuterRef, Q, Subquery, Value
from taggit.models import Tag

from ..models import Article, CrossReference, Section, TaggedArticle, TaggedSection
from .tags import taggings_with_a_page


def is_published(article):
    """
    True where the article at ``article`` (a path from the outer query's rows)
    is published. A correlated EXISTS looks up only the articles of the rows at
    hand, where ``pk__in=Article.objects.published()`` would have SQLite list
    every published article for each query.
    """
    return Exists(Article.objects.published().filter(pk=OuterRef(article)))


# --- Lists -----------------------------------------------------------------------


def latest_articles(*, limit=None, with_tags=True):
    """Newest first, with their tags."""
    articles = Article.objects.published().order_by("-published_at", "-pk")
    if with_tags:
        articles = articles.prefetch_related("tags")
    return articles[:limit] if limit else articles


def articles_tagged(tag, *, with_tags=True):
    """
    Published articles carrying ``tag`` (a ``tags.PublicTag``), on themselves
    or in a passage; newest first.
    """
    on_article = TaggedArticle.objects.filter(tag=tag.pk).values("content_object")
    in_passage = TaggedSection.objects.filter(tag=tag.pk).values("content_object__article")
    return latest_articles(with_tags=with_tags).filter(Q(pk__in=on_article) | Q(pk__in=in_passage))


def passages_tagged(tag, *, articles):
    """
    The passages of ``articles`` (published ones, a page of them) carrying the
    tag, grouped (ordered) by article. Driven by the articles' sections, each
    tested for the tag: a common tag has many more taggings than a page of
    articles has passages.
    """
    carries_tag = Exists(TaggedSection.objects.filter(content_object=OuterRef("pk"), tag=tag.pk))
    return (
        Section.objects.filter(article__in=articles)
        .filter(is_published("article"), carries_tag)
        .select_related("article")
        .order_by("-article__published_at", "article_id", "position", "pk")
    )


# --- One article -----------------------------------------------------------------


def published_article(slug):
    """The published article with this slug; None if there is none."""
    try:
        return Article.objects.published().get(slug=slug)
    except Article.DoesNotExist:
        return None


def article_page(slug):
    """The published article with this slug and its stored neighbours; None if there is none."""
    try:
        return (
            Article.objects.published()
            .select_related("neighbours__previous", "neighbours__next")
            .get(slug=slug)
        )
    except Article.DoesNotExist:
        return None


def tags_and_sections(article):
    """
    What the article page shows of ``article`` itself, in two queries: its
    tags (in tag order), and its sections in order, each with ``tag_list`` (its
    tags, in tag order) and ``related_stale``: its related passages are
    queued to be ranked again (content/derived.py), the section itself or one
    of its tags, as the joined marks say. The sections' Markdown source is
    left out: the page shows the HTML rendered from it.
    """
    sections = list(
        Section.objects.filter(article=article)
        .annotate(marked=F("stale_mark"))
        .order_by("position", "pk")
        .defer("body")
    )
    # The tags of the article (no section) and of all its sections, in one query.
    on_article = taggings_with_a_page(TaggedArticle.objects.filter(content_object=article))
    on_sections = taggings_with_a_page(
        TaggedSection.objects.filter(content_object__article=article)
    )
    columns = ("tag", "tag__name", "tag__slug", "tag__related_stale_mark")
    rows = on_article.values_list(Value(None, output_field=IntegerField()), *columns).union(
        on_sections.values_list("content_object", *columns), all=True
    )
    article_tags, tags_of, stale = [], defaultdict(list), set()
    for section_id, tag_id, name, slug, marked in rows.order_by("tag"):
        tag = Tag(id=tag_id, name=name, slug=slug)
        (article_tags if section_id is None else tags_of[section_id]).append(tag)
        if marked is not None:
            stale.add(section_id)
    for section in sections:
        section.tag_list = tags_of[section.pk]
        section.related_stale = section.marked is not None or section.pk in stale
    return article_tags, sections


def referenced_by(article):
    """Published articles with a cross-reference to this one, each once."""
    sources = CrossReference.objects.filter(target=article).values("source_article")
    # From the few articles citing this one, each tested for being published;
    # not from every published article, each tested for citing it.
    return (
        Article.objects.filter(pk__in=sources)
        .filter(is_published("pk"))
        .exclude(pk=article.pk)
        .order_by("-published_at", "-pk")
        .only("title", "slug", "published_at")
    )


def neighbours(article):
    """
    (previous, next) published articles around this one by publication date:
    for a public article, the stored ones (``article_page`` reads them with it;
    the next one is shown once public, and when it is not, no later one is);
    for any other, or one not linked yet, in one query.
    """
    if article.published_at is None:
        return None, None
    stored = getattr(article, "neighbours", None) if article.is_public else None
    if stored is not None:
        following = stored.next if stored.next and stored.next.is_public else None
        return stored.previous, following
    when, pk = article.published_at, article.pk
    # Each side is bounded by this article's date first (then by the published
    # rule): SQLite walks the date index from here to the first published
    # neighbour, not from the newest or the oldest article to here.
    # (Neither side can hold this article: ties on the date go by key.)
    earlier = Q(published_at__lte=when) & (Q(published_at__lt=when) | Q(pk__lt=pk))
    later = Q(published_at__gte=when) & (Q(published_at__gt=when) | Q(pk__gt=pk))
    before = Article.objects.filter(earlier).published()
    after = Article.objects.filter(later).published()
    previous_pk = before.order_by("-published_at", "-pk").values("pk")[:1]
    next_pk = after.order_by("published_at", "pk").values("pk")[:1]
    # Each subquery gives one published article (or none): two lookups by key.
    found = Article.objects.filter(Q(pk=Subquery(previous_pk)) | Q(pk=Subquery(next_pk))).only(
        "title", "slug", "published_at"
    )
    previous = following = None
    for other in found:
        if (other.published_at, other.pk) < (when, pk):
            previous = other
        else:
            following = other
    return previous, following
