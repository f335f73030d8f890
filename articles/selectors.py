"""
Reads for the public site. Every query starts from ``Article.objects.published()``,
so a draft or a scheduled article can never reach a reader through any of them.

Each function runs a fixed number of queries, whatever the size of the corpus:
lists prefetch their tags, and per-passage data (tags, related passages) is
fetched for a whole page at once.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, F, OuterRef, Q, Subquery, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from taggit.models import Tag

from .models import Article, CrossReference, Section, TaggedArticle, TaggedSection

RELATED_PASSAGES_PER_SECTION = 3
# Candidates looked at per tag of a passage: every passage of a rarer tag, the
# newest of a common one. Bounds the work whatever the size of the corpus.
RELATED_CANDIDATES_PER_TAG = 200


def published_articles():
    return Article.objects.published()


# --- Lists -----------------------------------------------------------------------


def latest_articles(*, limit=None):
    """Newest first, with their tags."""
    articles = published_articles().order_by("-published_at", "-pk").prefetch_related("tags")
    return articles[:limit] if limit else articles


# --- Tags ------------------------------------------------------------------------


def _carrying(tag):
    """Articles that carry ``tag`` themselves or in one of their passages."""
    return Q(pk__in=TaggedArticle.objects.filter(tag=tag).values("content_object")) | Q(
        pk__in=TaggedSection.objects.filter(tag=tag).values("content_object__article")
    )


_TAG_USAGE_SQL = """
SELECT tag.id, tag.name, tag.slug,
       usage.article_count, usage.passage_count, usage.last_modified
FROM {tag} tag
JOIN (
    SELECT uses.tag_id,
           COUNT(DISTINCT uses.article_id) AS article_count,
           SUM(uses.is_passage) AS passage_count,
           MAX(article.updated_at) AS last_modified
    FROM (
        SELECT tagged.tag_id, tagged.content_object_id AS article_id, 0 AS is_passage
        FROM {tagged_article} tagged {where_article_tag}
        UNION ALL
        SELECT tagged.tag_id, section.article_id, 1 AS is_passage
        FROM {tagged_section} tagged
        JOIN {section} section ON section.id = tagged.content_object_id
        {where_section_tag}
    ) uses
    JOIN {article} article ON article.id = uses.article_id
    WHERE uses.article_id IN ({published})
    GROUP BY uses.tag_id
) usage ON usage.tag_id = tag.id
ORDER BY tag.name
"""


def _tag_usage(*, slug=None):
    """
    Tags used by published content, each with ``article_count`` (published
    articles carrying it, on themselves or in a passage), ``passage_count``
    (their passages carrying it), ``use_count`` (the two added) and
    ``last_modified`` (the newest change to those articles). A tag used only
    by drafts is not listed: its name is not public yet.

    One aggregate over the taggings, not a count per tag: it stays one pass
    however many tags and articles there are.
    """
    only_this_tag = f"WHERE tagged.tag_id IN (SELECT id FROM {Tag._meta.db_table} WHERE slug = %s)"
    # The published rule comes from the one queryset that states it.
    published_sql, published_params = published_articles().values("pk").query.sql_with_params()
    sql = _TAG_USAGE_SQL.format(
        published=published_sql,
        tag=Tag._meta.db_table,
        tagged_article=TaggedArticle._meta.db_table,
        tagged_section=TaggedSection._meta.db_table,
        section=Section._meta.db_table,
        article=Article._meta.db_table,
        where_article_tag=only_this_tag if slug is not None else "",
        where_section_tag=only_this_tag if slug is not None else "",
    )
    params = [slug, slug] if slug is not None else []
    params += list(published_params)
    tags = list(Tag.objects.raw(sql, params))
    for tag in tags:
        tag.use_count = tag.article_count + tag.passage_count
        if isinstance(tag.last_modified, str):  # SQLite hands back text from MAX()
            tag.last_modified = parse_datetime(tag.last_modified)
    return tags


def public_tags():
    """Every public tag, by name, with its counts (see ``_tag_usage``)."""
    return _tag_usage()


def most_used_tags(*, limit):
    return sorted(_tag_usage(), key=lambda tag: (-tag.use_count, tag.name))[:limit]


def public_tags_for_sitemap():
    """Public tags, each with ``last_modified``: when the newest change to its articles was."""
    return _tag_usage()


def public_tag(slug):
    """The tag with this slug, with its counts, if published content uses it; else None."""
    found = _tag_usage(slug=slug)
    return found[0] if found else None


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
    the database. For each tag only the newest RELATED_CANDIDATES_PER_TAG
    passages carrying it are candidates, so a tag on half the corpus does not
    make the join as large as the corpus. Returns {section id: [RelatedPassage, ...]}.
    """
    other_tagging = "tag__articles_taggedsection_items"
    other = f"{other_tagging}__content_object"
    newest_with_tag = (
        TaggedSection.objects.filter(tag=OuterRef("tag"))
        .order_by("-pk")
        .values("pk")[:RELATED_CANDIDATES_PER_TAG]
    )
    pairs = (
        TaggedSection.objects.filter(
            content_object__article=article,
            **{
                f"{other}__article__in": published_articles().exclude(pk=article.pk),
                f"{other_tagging}__pk__in": Subquery(newest_with_tag),
            },
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
