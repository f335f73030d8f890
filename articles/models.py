"""
The content model: an Article is made of ordered Sections; both carry topic
tags (django-taggit, through typed tables); a CrossReference points from a
passage to another article by title, and resolves once that article exists.
"""

import math
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItemBase

from .content.reference_syntax import normalize_title, target_key_and_slug
from .content.rendering import plain_text, render_markdown

WORDS_PER_MINUTE = 230


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """What anonymous readers may see: published, and not scheduled for later."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def scheduled(self):
        """Published for a moment still to come: public from then on, with no further write."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())

    def drafts(self):
        """Not published: only editors see them."""
        return self.filter(status=Article.Status.DRAFT)


class TaggedArticle(TaggedItemBase):
    content_object = models.ForeignKey("Article", on_delete=models.CASCADE)

    class Meta:
        verbose_name = "article tag"
        verbose_name_plural = "article tags"
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="unique_article_tag"),
        ]


class TaggedSection(TaggedItemBase):
    content_object = models.ForeignKey("Section", on_delete=models.CASCADE)

    class Meta:
        verbose_name = "section tag"
        verbose_name_plural = "section tags"
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="unique_section_tag"),
        ]
        # Related passages read "the newest passages carrying this tag".
        indexes = [models.Index(fields=["tag", "id"], name="section_tag_newest")]


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=255, unique=True)
    title_key = models.CharField(
        max_length=255,
        unique=True,
        editable=False,
        help_text="The title normalised for matching cross-references.",
    )
    slug = models.SlugField(
        max_length=255,
        unique=True,
        help_text="The article's address, as in /articles/your-slug/: lowercase letters, "
        "digits and hyphens.",
    )
    summary = models.TextField(
        blank=True, help_text="The lead: the paragraphs before the first heading (Markdown)."
    )
    summary_html = models.TextField(blank=True, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        "publication date",
        null=True,
        blank=True,
        help_text="A date in the future schedules the article.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    word_count = models.PositiveIntegerField(default=0, editable=False)
    source_file = models.CharField(
        max_length=255, blank=True, help_text="The source file this article was imported from."
    )
    source_digest = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the source file as last imported."
    )
    imported_content_digest = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="Digest of the content as the import left it; a difference means an editor changed it.",
    )

    tags = TaggableManager(through=TaggedArticle, blank=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "title"]
        permissions = [("publish_article", "Can publish, unpublish and schedule articles")]
        verbose_name = "article"
        verbose_name_plural = "articles"
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_status_published"),
            models.Index(fields=["source_file"], name="article_source_file"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published"]), name="article_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="article_published_has_date",
            ),
            models.CheckConstraint(condition=~Q(slug=""), name="article_slug_not_empty"),
            models.CheckConstraint(condition=~Q(title=""), name="article_title_not_empty"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    def save(self, *args, **kwargs):
        self.prepare()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | {"title_key", "summary_html"}
        super().save(*args, **kwargs)

    def prepare(self, *, taken_slugs=None, rendered_summary=None):
        """
        Fill the derived fields (title key, slug, publication date, rendered
        lead). ``save()`` calls it; an import that writes articles in bulk
        calls it with the slugs already taken (the site's and its own, to
        which this one's is added) and the lead as ``render_body`` rendered
        it in a worker process.
        """
        self.title = " ".join(self.title.split())
        self.title_key = normalize_title(self.title)
        if not self.slug:
            if taken_slugs is None:
                self.slug = unique_slug(Article, self.title, exclude_pk=self.pk)
            else:
                self.slug = first_free(slug_base(self.title), taken_slugs)
                taken_slugs.add(self.slug)
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        self.summary_html = (rendered_summary or render_body(self.summary)).html

    @property
    def is_public(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    @property
    def reading_minutes(self):
        return max(1, math.ceil(self.word_count / WORDS_PER_MINUTE))


class Section(models.Model):
    class Level(models.IntegerChoices):
        SECTION = 2, "Section"
        SUBSECTION = 3, "Subsection"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveIntegerField(default=0, help_text="Order within the article.")
    level = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.SECTION)
    heading = models.CharField(max_length=255)
    anchor = models.SlugField(
        max_length=255,
        blank=True,
        help_text="The #fragment of this section's address. Made from the heading when left "
        "empty, then kept, so links to it keep working when the heading changes.",
    )
    body = models.TextField(
        blank=True,
        help_text="Markdown: blank line between paragraphs; “- item” or “1. item” for lists; "
        "**bold**, *italic*, [text](https://…) for links; [[Article title]] or "
        "[[Article title#Section heading]] to cross-reference another article.",
    )
    body_html = models.TextField(blank=True, editable=False)
    word_count = models.PositiveIntegerField(default=0, editable=False)

    tags = TaggableManager(through=TaggedSection, blank=True)

    class Meta:
        ordering = ["article", "position", "id"]
        verbose_name = "section"
        verbose_name_plural = "sections"
        constraints = [
            models.UniqueConstraint(fields=["article", "anchor"], name="unique_section_anchor"),
            models.CheckConstraint(condition=Q(level__in=[2, 3]), name="section_level_valid"),
            models.CheckConstraint(condition=~Q(anchor=""), name="section_anchor_not_empty"),
        ]
        indexes = [models.Index(fields=["article", "position"], name="section_article_position")]

    def __str__(self):
        return self.heading

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#{self.anchor}"

    def save(self, *args, **kwargs):
        self.prepare()
        super().save(*args, **kwargs)

    def prepare(self, *, taken_anchors=None, rendered=None):
        """
        Fill the derived fields (anchor, rendered body, word count). ``save()``
        calls it; an import that writes sections in bulk calls it with the
        anchors already taken in the article (to which this one's is added)
        and the body as ``render_body`` rendered it in a worker process.
        """
        self.heading = " ".join(self.heading.split())
        if not self.anchor:
            if taken_anchors is None:
                self.anchor = unique_anchor(self.article_id, self.heading, exclude_pk=self.pk)
            else:
                self.anchor = first_free(slug_base(self.heading), taken_anchors)
        if taken_anchors is not None:
            taken_anchors.add(self.anchor)
        rendered = rendered or render_body(self.body)
        self.body_html = rendered.html
        self.word_count = rendered.word_count


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


class TopicDescription(models.Model):
    """What a topic is about, in the editors' words: shown on its page, in its card and feed."""

    tag = models.OneToOneField(
        Tag, on_delete=models.CASCADE, related_name="topic_description", verbose_name="topic"
    )
    text = models.TextField(
        "description",
        help_text="A paragraph or two (Markdown) saying what the topic covers and why it matters.",
    )
    text_html = models.TextField(editable=False, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tag__name"]
        verbose_name = "topic description"
        verbose_name_plural = "topic descriptions"

    def __str__(self):
        return f"Description of {self.tag}"

    def save(self, *args, **kwargs):
        self.text_html = render_markdown(self.text)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | {"text_html"}
        super().save(*args, **kwargs)
        _topic_pages_changed()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        _topic_pages_changed()
        return result


def _topic_pages_changed():
    # The topic pages are stored under what lists show (see caching.versions).
    from .caching import bump_after_commit
    from .caching.versions import LISTS

    bump_after_commit({LISTS})


class PreviewLink(models.Model):
    """A signed, expiring, revocable link that shows one unpublished article to a reviewer."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="preview_links")
    created_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "preview link"
        verbose_name_plural = "preview links"

    def __str__(self):
        return f"Preview of {self.article} until {self.expires_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self):
        return self.revoked_at is None and self.expires_at > timezone.now()


@dataclass(frozen=True)
class RenderedBody:
    """A lead or section body rendered: the HTML stored, its visible text and its words."""

    html: str
    text: str
    word_count: int


def render_body(markdown):
    """Markdown → RenderedBody, as a save stores it (pure, so workers can run it)."""
    html = render_markdown(markdown)
    text = plain_text(html)
    return RenderedBody(html=html, text=text, word_count=len(text.split()))


def slug_base(text, max_length=255):
    return slugify(text)[: max_length - 8].strip("-") or "untitled"


def first_free(base, taken):
    """``base``, or ``base-2``, ``base-3``… whichever is not in ``taken``."""
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def unique_slug(model, text, *, exclude_pk=None, field="slug", **scope):
    base = slug_base(text)
    existing = model.objects.filter(**scope)
    if exclude_pk is not None:
        existing = existing.exclude(pk=exclude_pk)
    taken = set(existing.filter(**{f"{field}__startswith": base}).values_list(field, flat=True))
    return first_free(base, taken)


def unique_anchor(article_id, heading, *, exclude_pk=None):
    return unique_slug(
        Section, heading, exclude_pk=exclude_pk, field="anchor", article_id=article_id
    )


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
