"""
Reads for the public site. Every query applies ``Article.objects.published()``
(as its starting point, or through ``_is_published`` for the articles of the
rows at hand), so a draft or a scheduled article can never reach a reader
through any of them.

Each function runs a fixed number of queries, whatever the size of the corpus:
lists prefetch their tags, and per-passage data (tags, related passages) is
fetched for a whole page at once.
"""

import heapq
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import chain

from django.db import connection
from django.db.models import Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from taggit.models import Tag

from .. import caching
from ..models import Article, CrossReference, Section, TaggedArticle, TaggedSection

RELATED_PASSAGES_PER_SECTION = 3
# Candidates looked at per tag of a passage: every passage of a rarer tag, the
# newest of a common one. Bounds the work whatever the size of the corpus.
RELATED_CANDIDATES_PER_TAG = 100


def published_articles():
    return Article.objects.published()


def _is_published(article):
    """
    True where the article at ``article`` (a path from the outer query's rows)
    is published. ``pk__in=published_articles()`` would have SQLite list every
    published article (all 10,000 of them) for each query; a correlated EXISTS
    looks up only the articles of the rows at hand.
    """
    return Exists(published_articles().filter(pk=OuterRef(article)))


_PLAIN_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


class SlugAddresses:
    """
    The addresses of one kind of page by slug (``articles:detail``,
    ``articles:tag``), reversed once: an ASCII slug needs no quoting, so its
    address is the first one with the slug swapped in. Any other slug goes
    through ``reverse()``. A page builds dozens of these addresses.
    """

    _MARKER = "slug0marker"

    def __init__(self, url_name):
        self.url_name = url_name
        example = reverse(url_name, kwargs={"slug": self._MARKER})
        self.before, _, self.after = example.rpartition(self._MARKER)
        self.found = {}

    def __call__(self, slug):
        url = self.found.get(slug)
        if url is None:
            if _PLAIN_SLUG.fullmatch(slug):
                url = f"{self.before}{slug}{self.after}"
            else:
                url = reverse(self.url_name, kwargs={"slug": slug})
            self.found[slug] = url
        return url


# --- Tags with a page ---------------------------------------------------------------


def tags_with_a_page():
    """
    The tags a page may show and link to. A tag whose name gives no slug
    ("!!!", stored before such names were refused) has no address, so no page
    lists it: one such tag must never make a page fail.
    """
    return Tag.objects.exclude(slug="")


def with_a_page(tags):
    """``tags`` already fetched (prefetched with a list of articles), by the same rule."""
    return [tag for tag in tags if tag.slug]


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
        FROM {tagged_article} tagged
        UNION ALL
        SELECT tagged.tag_id, section.article_id, 1 AS is_passage
        FROM {tagged_section} tagged
        JOIN {section} section ON section.id = tagged.content_object_id
    ) uses
    JOIN {article} article ON article.id = uses.article_id
    WHERE uses.article_id IN ({published})
    GROUP BY uses.tag_id
) usage ON usage.tag_id = tag.id
WHERE tag.slug <> ''
ORDER BY tag.name
"""


def _tag_usage():
    """
    Tags used by published content, each with ``article_count`` (published
    articles carrying it, on themselves or in a passage), ``passage_count``
    (their passages carrying it), ``use_count`` (the two added) and
    ``last_modified`` (the newest change to those articles). A tag used only
    by drafts is not listed: its name is not public yet.

    One aggregate over the taggings, not a count per tag: it stays one pass
    however many tags and articles there are.
    """
    # The published rule comes from the one queryset that states it.
    published_sql, published_params = (
        published_articles().order_by().values("pk").query.sql_with_params()
    )
    sql = _TAG_USAGE_SQL.format(
        published=published_sql,
        tag=Tag._meta.db_table,
        tagged_article=TaggedArticle._meta.db_table,
        tagged_section=TaggedSection._meta.db_table,
        section=Section._meta.db_table,
        article=Article._meta.db_table,
    )
    tags = list(Tag.objects.raw(sql, published_params))
    for tag in tags:
        tag.use_count = tag.article_count + tag.passage_count
        if isinstance(tag.last_modified, str):  # SQLite hands back text from MAX()
            tag.last_modified = parse_datetime(tag.last_modified)
    return tags


def public_tags():
    """
    Every public tag, by name, with its counts (see ``_tag_usage``).

    The aggregate reads every tagging (about a second at 10,000 articles), so
    it is kept per content version (``caching.derived``): computed once after
    each write, not once per page.
    """
    return caching.derived("public-tags", _tag_usage)


def most_used_tags(*, limit):
    return sorted(public_tags(), key=lambda tag: (-tag.use_count, tag.name))[:limit]


def public_tag(slug):
    """The tag with this slug, with its counts, if published content uses it; else None."""
    return next((tag for tag in public_tags() if tag.slug == slug), None)


def articles_tagged(tag, *, with_tags=True):
    """Published articles carrying the tag, on themselves or in a passage; newest first."""
    articles = latest_articles().filter(_carrying(tag))
    return articles if with_tags else articles.prefetch_related(None)


def passages_tagged(tag, *, articles):
    """
    The passages of ``articles`` (published ones, a page of them) carrying the
    tag, grouped (ordered) by article. Driven by the articles' sections, each
    tested for the tag: a common tag has tens of thousands of taggings, a page
    of articles a few hundred passages.
    """
    carries_tag = Exists(TaggedSection.objects.filter(content_object=OuterRef("pk"), tag=tag))
    return (
        Section.objects.filter(article__in=articles)
        .filter(_is_published("article"), carries_tag)
        .select_related("article")
        .order_by("-article__published_at", "article_id", "position", "pk")
    )


# --- One article -----------------------------------------------------------------


def published_article(slug):
    """The published article with this slug; None if there is none."""
    try:
        return published_articles().get(slug=slug)
    except Article.DoesNotExist:
        return None


def tags_and_sections(article):
    """
    What the article page shows of ``article`` itself, in two queries: its
    tags (in tag order), and its sections in order, each with ``tag_list`` (its
    tags, in tag order). The sections' Markdown source is left out: the page
    shows the HTML rendered from it.
    """
    sections = list(
        Section.objects.filter(article=article).order_by("position", "pk").defer("body")
    )
    # The tags of the article and of all its sections in one query, as plain rows.
    shown = tags_with_a_page()
    on_article = TaggedArticle.objects.filter(content_object=article, tag__in=shown).values_list(
        Value(None, output_field=IntegerField()), "tag", "tag__name", "tag__slug"
    )
    on_sections = TaggedSection.objects.filter(
        content_object__article=article, tag__in=shown
    ).values_list("content_object", "tag", "tag__name", "tag__slug")
    article_tags, tags_of = [], defaultdict(list)
    for section_id, tag_id, name, slug in on_article.union(on_sections, all=True).order_by("tag"):
        tag = Tag(id=tag_id, name=name, slug=slug)
        (article_tags if section_id is None else tags_of[section_id]).append(tag)
    for section in sections:
        section.tag_list = tags_of[section.pk]
    return article_tags, sections


def reference_targets(article):
    """Normalised title → public URL, for this article's references to published articles."""
    rows = (
        CrossReference.objects.filter(source_article=article)
        .filter(_is_published("target"))
        .order_by()
        .values_list("target_key", "target__slug")
        .distinct()
    )
    article_url = SlugAddresses("articles:detail")
    return {key: article_url(slug) for key, slug in rows}


def referenced_by(article):
    """Published articles with a cross-reference to this one, each once."""
    sources = CrossReference.objects.filter(target=article).values("source_article")
    # From the few articles citing this one, each tested for being published;
    # not from every published article, each tested for citing it.
    return (
        Article.objects.filter(pk__in=sources)
        .filter(_is_published("pk"))
        .exclude(pk=article.pk)
        .order_by("-published_at", "-pk")
        .only("title", "slug", "published_at")
    )


def neighbours(article):
    """(previous, next) published articles around this one by publication date, in one query."""
    if article.published_at is None:
        return None, None
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


@dataclass(frozen=True)
class RelatedPassage:
    article_title: str
    heading: str
    url: str
    shared_tags: int


def related_passages(article, sections, *, per_section=RELATED_PASSAGES_PER_SECTION):
    """
    For every section of ``article`` (``sections``, each with its ``tag_list``,
    as ``tags_and_sections`` gives them): up to ``per_section`` passages of
    other published articles sharing its tags, most shared tags first, then the
    newer article, then the earlier passage. Returns {section id: [RelatedPassage, ...]}.

    Two queries, bounded whatever the size of the corpus: for each tag of the
    page, the newest RELATED_CANDIDATES_PER_TAG passages carrying it (all of a
    rare tag's, the newest of a common one); then those of them in other
    published articles, in order, with their articles. The shared tags are
    counted for those few candidates.
    """
    tags_of = {section.pk: [tag.pk for tag in section.tag_list] for section in sections}
    tag_ids = sorted(set().union(*tags_of.values())) if tags_of else []
    if not tag_ids:
        return {}
    carrying = defaultdict(list)  # tag id -> the candidate passages carrying it
    for tag_id, passage_id in _newest_taggings(tag_ids):
        carrying[tag_id].append(passage_id)
    # The candidates come newest article first, then earlier passage: that
    # order is their place among equally shared ones.
    candidates = _readable_passages(tag_ids, exclude_article=article)
    place = {row[0]: (number, row) for number, row in enumerate(candidates)}
    for passage_ids in carrying.values():
        passage_ids[:] = sorted(
            (passage_id for passage_id in passage_ids if passage_id in place),
            key=lambda passage_id: place[passage_id][0],
        )
    article_url = SlugAddresses("articles:detail")
    passages = {}
    for section_id, tags in tags_of.items():
        chosen = _most_shared(
            [carrying[tag_id] for tag_id in tags if carrying.get(tag_id)], place, per_section
        )
        for passage_id, shared_tags in chosen:
            _, heading, anchor, title, slug = place[passage_id][1]
            passages.setdefault(section_id, []).append(
                RelatedPassage(
                    article_title=title,
                    heading=heading,
                    url=f"{article_url(slug)}#{anchor}",
                    shared_tags=shared_tags,
                )
            )
    return passages


def _most_shared(lists, place, limit):
    """
    Up to ``limit`` (passage id, tags shared) pairs from ``lists`` (one list
    of passages per tag, each in ``place`` order): the passages found in most
    lists first, then by place.
    """
    if len(lists) == 1:
        return [(passage_id, 1) for passage_id in lists[0][:limit]]
    shared = Counter(chain.from_iterable(lists))
    # Few passages share more than one tag of a section: rank those, then take
    # the first of the others in place order, merging the already ordered lists.
    several = [passage_id for passage_id, count in shared.items() if count > 1]
    several.sort(key=lambda passage_id: (-shared[passage_id], place[passage_id][0]))
    chosen = [(passage_id, shared[passage_id]) for passage_id in several[:limit]]
    if len(chosen) < limit:
        in_order = heapq.merge(*lists, key=lambda passage_id: place[passage_id][0])
        for passage_id in in_order:
            if shared[passage_id] == 1:
                chosen.append((passage_id, 1))
                if len(chosen) == limit:
                    break
    return chosen


_NEWEST_TAGGINGS_SQL = (
    "SELECT * FROM (SELECT tag_id, content_object_id FROM {tagged_section} "
    "WHERE tag_id = %s ORDER BY id DESC LIMIT {limit}) AS newest_{n}"
)


def _newest_taggings_sql(tag_ids):
    """The SQL and parameters of ``_newest_taggings``."""
    # One index walk per tag, newest first, stopping after the limit. (The
    # ORM cannot put a LIMIT in each part of a UNION on SQLite.)
    newest = " UNION ALL ".join(
        _NEWEST_TAGGINGS_SQL.format(
            tagged_section=TaggedSection._meta.db_table, limit=RELATED_CANDIDATES_PER_TAG, n=n
        )
        for n in range(len(tag_ids))
    )
    return newest, list(tag_ids)


def _newest_taggings(tag_ids):
    """(tag id, passage id) of the newest RELATED_CANDIDATES_PER_TAG taggings of each tag."""
    with connection.cursor() as cursor:
        cursor.execute(*_newest_taggings_sql(tag_ids))
        return cursor.fetchall()


def _readable_passages(tag_ids, *, exclude_article):
    """
    (passage id, heading, anchor, article title, slug) of the passages of
    ``_newest_taggings`` in published articles other than ``exclude_article``:
    the newest article first, then the earlier passage.
    """
    # The candidates as a subquery (run again: it is a few index walks), not as
    # a list of some 1,500 ids, which Django would prepare one by one. Either
    # way SQLite and PostgreSQL then look each candidate up by its key, not
    # every published article's passages.
    newest, params = _newest_taggings_sql(tag_ids)
    passages = (
        Section.objects.filter(
            pk__in=RawSQL(f"SELECT content_object_id FROM ({newest}) AS newest", params)
        )
        .filter(_is_published("article"))
        .exclude(article=exclude_article)
        .order_by("-article__published_at", "position", "pk")
        .values_list("pk", "heading", "anchor", "article__title", "article__slug")
    )
    # Read straight from the cursor: for some 1,500 rows, Django's handling of
    # each row costs more than the query itself.
    sql, params = passages.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
