"""
Articles and their sections, the typed tag through-models, and the rules
for their addresses (slugs and anchors).
"""

import math
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItemBase

from ..content.reference_syntax import normalize_title
from ..content.rendering import plain_text, render_markdown

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


MAX_ALIAS_LENGTH = 255
# What a cross-reference cannot hold (reference_syntax), so neither can an alias.
_NOT_IN_ALIAS = re.compile(r"[\[\]#|]")


def alias_lines(aliases):
    """The aliases in an ``aliases`` text: one per line, spacing collapsed, blanks and repeats left out."""
    lines = (" ".join(line.split()) for line in (aliases or "").splitlines())
    return [line for line in dict.fromkeys(lines) if line]


def validate_aliases(value):
    """Each alias a name a passage could write: words, no reference syntax, not too long."""
    for line in alias_lines(value):
        if len(line) > MAX_ALIAS_LENGTH:
            raise ValidationError(
                "An alias may be at most %(limit)d characters long: “%(alias)s…”.",
                code="alias_too_long",
                params={"limit": MAX_ALIAS_LENGTH, "alias": line[:40]},
            )
        if _NOT_IN_ALIAS.search(line):
            raise ValidationError(
                "An alias cannot contain [, ], # or |: “%(alias)s”.",
                code="alias_syntax",
                params={"alias": line},
            )
        if not any(character.isalnum() for character in line):
            raise ValidationError(
                "An alias needs at least one letter or digit: “%(alias)s”.",
                code="alias_no_words",
                params={"alias": line},
            )


class TaggedArticle(TaggedItemBase):
    # No index of its own: the unique constraint's index starts with it.
    content_object = models.ForeignKey("Article", on_delete=models.CASCADE, db_index=False)

    class Meta:
        verbose_name = "article tag"
        verbose_name_plural = "article tags"
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="unique_article_tag"),
        ]


class TaggedSection(TaggedItemBase):
    # Neither has an index of its own: the unique constraint's index starts
    # with the section, "section_tag_newest" with the tag.
    content_object = models.ForeignKey("Section", on_delete=models.CASCADE, db_index=False)
    tag = models.ForeignKey(
        Tag, related_name="%(app_label)s_%(class)s_items", on_delete=models.CASCADE, db_index=False
    )

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
    aliases = models.TextField(
        blank=True,
        validators=[validate_aliases],
        help_text="Other names the article goes by, one per line: passages that write one "
        "without linking it are listed as unlinked mentions of this article.",
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
