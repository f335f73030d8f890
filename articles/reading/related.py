"""
Related passages: beside each passage of an article, passages of other
published articles on the same topics, the ones sharing most tags first;
and "Further reading", the same passages ranked across the whole article.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import reduce
from itertools import chain
from operator import or_

from django.db.models import F, OuterRef, Q, Subquery, Value
from django.urls import reverse
from taggit.models import Tag

from ..models import Article, TaggedSection
from ..models import RelatedPassage as StoredPassage
from .selectors import is_published

RELATED_PASSAGES_PER_SECTION = 3
# Candidates looked at per tag of a passage: every passage of a rarer tag, the
# newest of a common one. Bounds the work whatever the size of the corpus.
RELATED_CANDIDATES_PER_TAG = 100
# "Further reading" at the end of an article: so many passages, and no more
# than so many from any one article, so that one prolific neighbour does not
# fill it.
FURTHER_READING = 6
FURTHER_READING_PER_ARTICLE = 3


@dataclass(frozen=True)
class RelatedPassage:
    article_title: str
    heading: str
    url: str
    shared_tags: int


@dataclass(frozen=True)
class FurtherReading:
    """A passage related to several of an article's passages."""

    passage: RelatedPassage
    related_to: int  # passages of this article listing it
    shared_tags: int  # the tags it shares with them, summed


def further_reading(
    passages_by_section, *, limit=FURTHER_READING, per_article=FURTHER_READING_PER_ARTICLE
):
    """
    The related passages of a whole article (``related_passages``' answer),
    ranked across it: listed beside the most of its passages first, then
    sharing the most tags with them, then in the order first met (reading
    order). Up to ``limit``, and ``per_article`` from any one article.
    """
    seen = {}  # url -> [passage, sections listing it, tags shared]
    for passages in passages_by_section.values():
        for passage in passages:
            entry = seen.setdefault(passage.url, [passage, 0, 0])
            entry[1] += 1
            entry[2] += passage.shared_tags
    ranked = sorted(enumerate(seen.values()), key=lambda item: (-item[1][1], -item[1][2], item[0]))
    chosen, per_source = [], Counter()
    for _, (passage, related_to, shared_tags) in ranked:
        if per_source[passage.article_title] >= per_article:
            continue
        per_source[passage.article_title] += 1
        chosen.append(FurtherReading(passage, related_to, shared_tags))
        if len(chosen) == limit:
            break
    return chosen


def related_passages(article, sections, *, per_section=RELATED_PASSAGES_PER_SECTION):
    """
    For every section of ``article`` (``sections``, each with its ``tag_list``,
    as ``selectors.tags_and_sections`` gives them): up to ``per_section``
    passages of other published articles sharing its tags, most shared tags
    first, then the newer article, then the earlier passage.
    Returns {section id: [RelatedPassage, ...]}.

    The ranking is stored when content changes (content/derived.py) and read
    here in one query, filtered by the published rule as it is read (with the
    scheduled articles it holds, which become public at their time); a section
    whose ranking is queued to be stored again (``related_stale``) is ranked
    now, by the same ``rank_related``.
    """
    stale = [section for section in sections if getattr(section, "related_stale", True)]
    stale_ids = {section.pk for section in stale}
    fresh = [s.pk for s in sections if s.tag_list and s.pk not in stale_ids]
    chosen = defaultdict(list)  # section id -> [row]
    if fresh:
        rows = (
            StoredPassage.objects.filter(section_id__in=fresh)
            .annotate(
                heading=F("passage__heading"),
                anchor=F("passage__anchor"),
                article_title=F("passage__article__title"),
                article_slug=F("passage__article__slug"),
                status=F("passage__article__status"),
                published_at=F("passage__article__published_at"),
            )
            .order_by("section_id", "rank")
            .values_list(*_SHOWN, "section_id", "status", "published_at", named=True)
        )
        # A section's stored rows are few (three public ones, and the scheduled
        # ones above them): each is tested by the model's published rule here,
        # rather than by a subquery per row.
        for row in rows:
            source = Article(status=row.status, published_at=row.published_at)
            if source.is_public and len(chosen[row.section_id]) < per_section:
                chosen[row.section_id].append(row)
    ranked = rank_related(
        {section.pk: (article.pk, [tag.pk for tag in section.tag_list]) for section in stale},
        public=per_section,
    )
    for section_id, candidates in ranked.items():
        chosen[section_id] = [row for row in candidates if row.public][:per_section]
    # Each article's address once: its passages recur beside many sections.
    slugs = {row.article_slug for rows in chosen.values() for row in rows}
    article_urls = {slug: reverse("articles:detail", kwargs={"slug": slug}) for slug in slugs}
    return {
        section_id: [_related_passage(row, article_urls) for row in rows]
        for section_id, rows in chosen.items()
        if rows
    }


# What a related passage shows, read with each stored row or candidate.
_SHOWN = ("shared_tags", "heading", "anchor", "article_title", "article_slug")


def rank_related(tags_of, *, public=RELATED_PASSAGES_PER_SECTION, candidates=None):
    """
    The ranking of related passages, for storing and for a stale section:
    ``tags_of`` is {section id: (its article's id, [its tag ids])}. For each
    section, the candidates (see ``related_passages``) in published or
    scheduled articles other than its own, ranked, down to the ``public``-th
    one public now: a scheduled one ranked above them becomes public at its
    time with no write, and pushes the last of them out.
    Returns {section id: [row]}, each row with ``passage``, ``public`` and the
    fields of ``_SHOWN``. ``candidates`` (``Candidates`` of ``candidates_of``
    for all their tags, or more) saves reading and ranking them again for
    each of many calls.
    """
    if candidates is None:
        tag_ids = sorted(set(chain.from_iterable(tags for _, tags in tags_of.values())))
        if not tag_ids:
            return {}
        candidates = Candidates(candidates_of(tag_ids))
    ranked = {}
    for section_id, (article_id, tags) in tags_of.items():
        if rows := candidates.ranked(article_id, tags, public=public):
            ranked[section_id] = rows
    return ranked


class Candidates:
    """
    The candidate passages of some tags (rows of ``candidates_of``), each set
    of those tags ranked once: the sections carrying the same tags share a
    ranking, and each passes over its own article's passages as it reads it.
    """

    # Passages kept of each ranking; a section that passes over more (its own
    # article's, or scheduled ones) has its tags ranked again in full.
    KEPT = 32

    def __init__(self, rows):
        self.passages = {}  # passage id -> its row, in reading order
        self.carrying = defaultdict(list)  # tag id -> the candidates carrying it, in reading order
        for row in rows:
            self.passages.setdefault(row.passage, row)
            self.carrying[row.tag_id].append(row.passage)
        self.place = {passage_id: number for number, passage_id in enumerate(self.passages)}
        self.rankings = {}  # frozenset of tag ids -> (the first KEPT of its ranking, whole?)

    def ranked(self, article_id, tags, *, public):
        """
        The rows ranked for a section of ``article_id`` carrying ``tags``,
        down to the ``public``-th public one.
        """
        tags = frozenset(tags)
        kept = self.rankings.get(tags)
        if kept is None:
            ranking = self._ranking(tags)
            kept = self.rankings[tags] = (ranking[: self.KEPT], len(ranking) <= self.KEPT)
        ranking, whole = kept
        rows, complete = self._read(ranking, article_id, public)
        if not complete and not whole:
            rows, _ = self._read(self._ranking(tags), article_id, public)
        return rows

    def _ranking(self, tags):
        """
        (passage id, tags shared) of every candidate carrying one of
        ``tags``: most shared first, then in reading order.
        """
        shared = Counter(chain.from_iterable(self.carrying[tag_id] for tag_id in tags))
        return sorted(shared.items(), key=lambda item: (-item[1], self.place[item[0]]))

    def _read(self, ranking, article_id, public):
        """
        The rows of ``ranking`` not of ``article_id``, down to the
        ``public``-th public one; and whether it was reached.
        """
        rows, seen_public = [], 0
        for passage_id, shared in ranking:
            row = self.passages[passage_id]
            if row.article_id == article_id:
                continue
            rows.append(row._replace(shared_tags=shared))
            seen_public += row.public
            if seen_public == public:
                return rows, True
        return rows, False


def candidates_of(tag_ids):
    """
    The candidate taggings of ``tag_ids`` (see ``related_passages``) whose
    passage is in a published or scheduled article, each with that passage:
    the newest article first, then the earlier passage.
    """
    # The id of each tag's oldest candidate: its taggings from there on are the
    # newest ones (the index on tag and id reads them as one range). None when
    # the tag has fewer taggings: they are all candidates.
    newest = TaggedSection.objects.filter(tag=OuterRef("pk")).order_by("-pk").values("pk")
    oldest_candidate = (
        Tag.objects.filter(pk__in=tag_ids)
        .annotate(
            first_id=Subquery(newest[RELATED_CANDIDATES_PER_TAG - 1 : RELATED_CANDIDATES_PER_TAG])
        )
        .values_list("pk", "first_id")
    )
    candidates = reduce(
        or_,
        (Q(tag=tag_id, pk__gte=first_id or 0) for tag_id, first_id in oldest_candidate),
    )
    # Scheduled articles too (status published, any date): they become public
    # with no write. Drafts do not: publishing one is a write, which ranks again.
    return (
        TaggedSection.objects.filter(candidates)
        .filter(content_object__article__status=Article.Status.PUBLISHED)
        .annotate(
            passage=F("content_object"),
            article_id=F("content_object__article"),
            public=is_published("content_object__article"),
            shared_tags=Value(0),
            heading=F("content_object__heading"),
            anchor=F("content_object__anchor"),
            article_title=F("content_object__article__title"),
            article_slug=F("content_object__article__slug"),
        )
        .order_by(
            "-content_object__article__published_at", "content_object__position", "content_object"
        )
        .values_list("tag_id", "passage", "article_id", "public", *_SHOWN, named=True)
    )


def _related_passage(row, article_urls):
    return RelatedPassage(
        article_title=row.article_title,
        heading=row.heading,
        url=f"{article_urls[row.article_slug]}#{row.anchor}",
        shared_tags=row.shared_tags,
    )
