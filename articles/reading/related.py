"""
Related passages: beside each passage of an article, passages of other
published articles on the same topics, the ones sharing most tags first;
and "Further reading", the same passages ranked across the whole article.
"""

import heapq
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import reduce
from itertools import chain
from operator import or_

from django.db.models import F, OuterRef, Q, Subquery
from django.urls import reverse
from taggit.models import Tag

from ..models import TaggedSection
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

    The candidates are, for each tag, the newest RELATED_CANDIDATES_PER_TAG
    passages carrying it, so the work stays bounded whatever the size of the
    corpus; the shared tags are counted among those few.
    """
    tags_of = {section.pk: [tag.pk for tag in section.tag_list] for section in sections}
    tag_ids = sorted(set(chain.from_iterable(tags_of.values())))
    if not tag_ids:
        return {}
    passages = {}  # passage id -> its row, in reading order
    carrying = defaultdict(list)  # tag id -> the candidates carrying it, in reading order
    for row in _readable_candidates(tag_ids, exclude_article=article):
        passages.setdefault(row.passage, row)
        carrying[row.tag_id].append(row.passage)
    place = {passage_id: number for number, passage_id in enumerate(passages)}
    chosen = {}  # section id -> [(passage id, tags shared)]
    for section_id, tags in tags_of.items():
        shared = Counter(chain.from_iterable(carrying[tag_id] for tag_id in tags))
        best = heapq.nsmallest(
            per_section, shared, key=lambda passage_id: (-shared[passage_id], place[passage_id])
        )
        if best:
            chosen[section_id] = [(passage_id, shared[passage_id]) for passage_id in best]
    # Each article's address once: its passages recur beside many sections.
    slugs = {
        passages[passage_id].article_slug for pairs in chosen.values() for passage_id, _ in pairs
    }
    article_urls = {slug: reverse("articles:detail", kwargs={"slug": slug}) for slug in slugs}
    return {
        section_id: [
            _related_passage(passages[passage_id], shared_tags, article_urls)
            for passage_id, shared_tags in pairs
        ]
        for section_id, pairs in chosen.items()
    }


def _readable_candidates(tag_ids, *, exclude_article):
    """
    The candidate taggings of ``tag_ids`` (see ``related_passages``) whose
    passage is in a published article other than ``exclude_article``, each
    with that passage: the newest article first, then the earlier passage.
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
    return (
        TaggedSection.objects.filter(candidates)
        .filter(is_published("content_object__article"))
        .exclude(content_object__article=exclude_article)
        .annotate(
            passage=F("content_object"),
            heading=F("content_object__heading"),
            anchor=F("content_object__anchor"),
            article_title=F("content_object__article__title"),
            article_slug=F("content_object__article__slug"),
        )
        .order_by(
            "-content_object__article__published_at", "content_object__position", "content_object"
        )
        .values_list(
            "tag_id", "passage", "heading", "anchor", "article_title", "article_slug", named=True
        )
    )


def _related_passage(row, shared_tags, article_urls):
    return RelatedPassage(
        article_title=row.article_title,
        heading=row.heading,
        url=f"{article_urls[row.article_slug]}#{row.anchor}",
        shared_tags=shared_tags,
    )
