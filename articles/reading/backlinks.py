"""
Backlinks with their context: the published passages that cite an article,
each with the sentence that cites it (stored with the cross-reference when its
passage was parsed, never searched for here), grouped by citing article; and,
for a reference to one of the article's passages (``[[Title#Heading]]``), the
passages citing that passage, shown beside it.

One query, whatever the size of the corpus, and a bounded number of rows;
the same query reads the articles this one cites.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F, Q
from django.urls import reverse

from ..content.reference_syntax import heading_anchor, reference_label
from ..models import Article, CrossReference
from .selectors import is_published

# Citing references read for one article page: a much-cited article lists the
# newest citing articles' passages and says there are more.
BACKLINKS_READ = 100


@dataclass(frozen=True)
class Sentence:
    """A citing sentence, split around the reference's own words."""

    before: str
    cited: str
    after: str


@dataclass
class CitingPassage:
    heading: str  # empty for an article's lead
    url: str
    see_also: bool = False
    sentences: list = field(default_factory=list)


@dataclass
class CitingArticle:
    title: str
    url: str
    passages: list = field(default_factory=list)


@dataclass(frozen=True)
class CitedIn:
    """Beside a cited passage: a passage that cites it."""

    article_title: str
    heading: str
    url: str


@dataclass
class Backlinks:
    articles: list  # [CitingArticle], the newest first
    cited_in: dict  # anchor of a passage of this article -> [CitedIn]
    more: bool  # more citing references than were read

    def __bool__(self):
        return bool(self.articles)

    @property
    def passage_count(self):
        return sum(len(citing.passages) for citing in self.articles)


def backlinks(article, *, limit=BACKLINKS_READ):
    """The published passages citing ``article`` (see the module's docstring)."""
    return references_of(article, limit=limit)[1]


def references_of(article, *, limit=BACKLINKS_READ):
    """
    Both ends of the article page's cross-references, in one query: the
    published articles ``article`` cites (normalised title → URL, for
    resolving its references) and its ``Backlinks``.
    """
    ordering = (
        "-source_article__published_at",
        "-source_article_id",
        # The lead (no section) first on every database: SQLite puts NULL
        # first by itself, PostgreSQL last.
        F("source_section__position").asc(nulls_first=True),
        "position",
    )
    citing = (
        CrossReference.objects.filter(target=article)
        .filter(is_published("source_article"))
        .exclude(source_article=article)
        .order_by(*ordering)
        .values("pk")[: limit + 1]
    )
    rows = (
        CrossReference.objects.filter(
            Q(pk__in=citing) | Q(source_article=article, target__isnull=False)
        )
        .order_by(*ordering)
        .values_list(
            "source_article_id",
            "source_article__title",
            "source_article__slug",
            "source_section__heading",
            "source_section__anchor",
            "kind",
            "context",
            "target_title",
            "target_heading",
            "target_key",
            "target__slug",
            "target__status",
            "target__published_at",
            named=True,
        )
    )
    targets, citations = {}, []
    for row in rows:
        if row.source_article_id == article.pk:
            # The article's own references are few: their targets are tested
            # here, by the model's rule, rather than by a subquery per row.
            target = Article(status=row.target__status, published_at=row.target__published_at)
            if target.is_public and row.target_key not in targets:
                url = reverse("articles:detail", kwargs={"slug": row.target__slug})
                targets[row.target_key] = url
        else:
            citations.append(row)
    return targets, _grouped(citations, limit=limit)


def _grouped(rows, *, limit):
    """``Backlinks`` from the citing rows, newest first; more than ``limit`` says there are more."""
    more = len(rows) > limit
    articles, passages = {}, {}  # slug -> CitingArticle, url -> CitingPassage
    cited_in = defaultdict(list)
    for row in rows[:limit]:
        citing = articles.get(row.source_article__slug)
        if citing is None:
            url = reverse("articles:detail", kwargs={"slug": row.source_article__slug})
            citing = articles[row.source_article__slug] = CitingArticle(
                row.source_article__title, url
            )
        anchor = row.source_section__anchor
        url = f"{citing.url}#{anchor}" if anchor else citing.url
        passage = passages.get(url)
        if passage is None:
            passage = passages[url] = CitingPassage(row.source_section__heading or "", url)
            citing.passages.append(passage)
        if row.kind == CrossReference.Kind.SEE_ALSO:
            passage.see_also = True
        elif row.context:
            sentence = _split(row.context, reference_label(row.target_title, row.target_heading))
            if sentence not in passage.sentences:
                passage.sentences.append(sentence)
        if row.target_heading:
            cited = CitedIn(citing.title, passage.heading, url)
            listed = cited_in[heading_anchor(row.target_heading)]
            if cited not in listed:
                listed.append(cited)
    return Backlinks(list(articles.values()), dict(cited_in), more)


def _split(context, label):
    before, found, after = context.partition(label)
    return Sentence(before, found, after) if found else Sentence(context, "", "")
