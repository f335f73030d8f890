"""
What the article page shows from the rest of the corpus, stored when content
changes (articles/content/derived.py) so that a page reads it instead of
computing it: the ranked related passages of each section, the queue of
sections whose ranking is stale, and each published article's neighbours.

Publication is never decided here: the stored rows also hold scheduled
articles, and the page filters them by ``Article.objects.published()`` when it
reads them, so an article becomes visible at its time with no write.
"""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from taggit.models import Tag

from .articles import Article, Section


class RelatedPassage(models.Model):
    """
    A passage of another published (or scheduled) article beside ``section``,
    in ``rank`` order: the candidates down to the third one public when the
    ranking was stored, so that the page still has three once those scheduled
    above them become public.
    """

    # No index of its own: the index of the "related_passage_rank" constraint starts with it.
    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, related_name="related_rows", db_index=False
    )
    passage = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="+")
    shared_tags = models.PositiveSmallIntegerField()
    rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["section", "rank"]
        verbose_name = "related passage"
        verbose_name_plural = "related passages"
        constraints = [
            models.UniqueConstraint(fields=["section", "rank"], name="related_passage_rank"),
            models.UniqueConstraint(fields=["section", "passage"], name="related_passage_once"),
            models.CheckConstraint(
                condition=~Q(section=F("passage")), name="related_passage_not_itself"
            ),
            models.CheckConstraint(
                condition=Q(shared_tags__gte=1), name="related_passage_shares_a_tag"
            ),
        ]

    def __str__(self):
        return f"{self.passage_id} beside {self.section_id} (#{self.rank})"


class StaleMark(models.Model):
    # Written again by each mark, so that a mark made while the queue is being
    # drained waits for the drain and is not lost with it.
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class StaleSection(StaleMark):
    """
    A section whose related passages are to be ranked again; until then its
    page ranks them as it is read (a join on its sections' query tells it).
    No constraint in the database: sections are queued from inside their own
    deletion, and a mark left behind by a deleted one is dropped when drained.
    """

    section = models.OneToOneField(
        Section,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="stale_mark",
    )

    class Meta:
        verbose_name = "stale section"
        verbose_name_plural = "stale sections"

    def __str__(self):
        return f"section {self.section_id}"


class StaleTopic(StaleMark):
    """
    A tag whose passages' related passages are all to be ranked again (its
    newest passages, or their publication, changed). No constraint, as above.
    """

    tag = models.OneToOneField(
        Tag,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="related_stale_mark",
    )

    class Meta:
        verbose_name = "stale topic"
        verbose_name_plural = "stale topics"

    def __str__(self):
        return f"tag {self.tag_id}"


class ArticleNeighbours(models.Model):
    """
    The articles before and after a published (or scheduled) article by
    publication date, among published and scheduled ones. The one before a
    public article is public; the one after is shown once it is public, and
    when it is not, no later one is either.
    """

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, primary_key=True, related_name="neighbours"
    )
    previous = models.ForeignKey(
        Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    next = models.ForeignKey(
        Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "article neighbours"
        verbose_name_plural = "article neighbours"

    def __str__(self):
        return f"neighbours of {self.article_id}"
