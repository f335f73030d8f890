"""
Links between passages: a CrossReference points from a passage to another
article by title and resolves once that article exists; an UnlinkedMention is
a passage naming an article or topic it neither links nor carries.
"""

from django.db import models
from django.db.models import Q

from ..content.reference_syntax import target_key_and_slug
from .articles import Article, Section


class CrossReference(models.Model):
    class Kind(models.TextChoices):
        SEE_ALSO = "see_also", "See also"
        INLINE = "inline", "Inline link"

    source_article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="outgoing_references"
    )
    source_section = models.ForeignKey(
        Section,
        on_delete=models.CASCADE,
        related_name="cross_references",
        null=True,
        blank=True,
        help_text="The passage the reference stands in (empty: the article's lead).",
    )
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SEE_ALSO)
    target_title = models.CharField(max_length=255, help_text="The title as written.")
    target_heading = models.CharField(
        max_length=255, blank=True, help_text="A section heading in the target, if named."
    )
    context = models.TextField(
        blank=True,
        editable=False,
        help_text="The sentence the reference stands in, as plain text (empty on a See also line).",
    )
    target_key = models.CharField(max_length=255, editable=False, db_index=True)
    target_slug = models.CharField(max_length=255, editable=False, db_index=True)
    target = models.ForeignKey(
        Article,
        on_delete=models.SET_NULL,
        related_name="incoming_references",
        null=True,
        blank=True,
        help_text="The article the title names, once it exists.",
    )

    class Meta:
        ordering = ["source_article", "position", "id"]
        verbose_name = "cross-reference"
        verbose_name_plural = "cross-references"
        indexes = [models.Index(fields=["target", "source_article"], name="xref_target_source")]
        constraints = [
            models.CheckConstraint(condition=~Q(target_title=""), name="xref_title_not_empty"),
        ]

    def __str__(self):
        return f"{self.source_article} → {self.target_title}"

    def save(self, *args, **kwargs):
        self.target_key, self.target_slug = target_key_and_slug(self.target_title)
        super().save(*args, **kwargs)


class UnlinkedMention(models.Model):
    """
    A passage that names another published article, or a topic, without
    linking to it or carrying it (found by content/mentions.py).
    """

    class Kind(models.TextChoices):
        TITLE = "title", "Article title"
        TOPIC = "topic", "Topic"

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="unlinked_mentions")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="unlinked_mentions_of",
        help_text="The article the passage names (a title mention).",
    )
    tag = models.ForeignKey(
        "taggit.Tag",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="unlinked_mentions",
        verbose_name="topic",
        help_text="The topic the passage names (a topic mention).",
    )
    text = models.CharField(max_length=255, help_text="The words as the passage writes them.")
    start = models.PositiveIntegerField(help_text="Where the words start in the passage's body.")
    end = models.PositiveIntegerField()
    sentence = models.TextField(blank=True, help_text="The sentence they stand in, as plain text.")

    class Meta:
        ordering = ["section", "start", "id"]
        verbose_name = "unlinked mention"
        verbose_name_plural = "unlinked mentions"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="title", article__isnull=False, tag__isnull=True)
                | Q(kind="topic", tag__isnull=False, article__isnull=True),
                name="mention_names_one_thing",
            ),
            models.UniqueConstraint(fields=["section", "article"], name="unique_title_mention"),
            models.UniqueConstraint(fields=["section", "tag"], name="unique_topic_mention"),
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="mention_not_empty"
            ),
        ]

    def __str__(self):
        named = self.article if self.kind == self.Kind.TITLE else self.tag
        return f"{self.section} names {named}"


class PendingMentionName(models.Model):
    """
    A title, alias or topic name that appeared or changed, whose mentions in
    other articles' passages are still to be looked for: finding them can
    read thousands of passages, so it is done after the editor's request
    (content/mentions.py drains this queue).
    """

    name = models.CharField(max_length=255, unique=True)
    queued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["queued_at", "id"]
        verbose_name = "name whose mentions are pending"
        verbose_name_plural = "names whose mentions are pending"

    def __str__(self):
        return self.name
