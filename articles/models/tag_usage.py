"""
How much published content uses each topic tag, stored so that pages read it
instead of counting the whole site (see articles/content/tag_usage/, which
keeps it).
"""

from datetime import UTC, datetime

from django.db import models
from django.db.models import Q
from taggit.models import Tag

# "Counted before anything happened": a row that a write has made stale.
STALE = datetime(1970, 1, 1, tzinfo=UTC)


class TagUsage(models.Model):
    """
    A tag's counts among public articles, as they stand until ``valid_until``:
    a write that may change them sets it to ``STALE``; an article carrying the
    tag that is scheduled sets it to its publication, when it starts to count
    with no write at all. A row past its ``valid_until`` is counted again.
    """

    tag = models.OneToOneField(
        Tag, on_delete=models.CASCADE, primary_key=True, related_name="usage"
    )
    article_count = models.PositiveIntegerField(
        default=0, help_text="Public articles carrying the tag, on themselves or in a passage."
    )
    passage_count = models.PositiveIntegerField(default=0, help_text="Their passages carrying it.")
    last_modified = models.DateTimeField(
        null=True, blank=True, help_text="The newest change to those articles."
    )
    valid_until = models.DateTimeField(
        null=True,
        blank=True,
        default=STALE,
        help_text="When the counts must be made again; empty: not before the next write.",
    )
    # Moved by every write to the row, so that a count made from an older
    # reading of the taggings never overwrites a newer one.
    changes = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = "tag usage"
        verbose_name_plural = "tag usage"
        indexes = [models.Index(fields=["valid_until"], name="tag_usage_valid_until")]
        constraints = [
            models.CheckConstraint(
                condition=Q(passage_count=0) | Q(article_count__gt=0),
                name="tag_usage_passages_have_articles",
            ),
        ]

    def __str__(self):
        return f"Usage of {self.tag_id}"
