"""
The import service: saves an Outline as an Article with its Sections, tags and
cross-references, in one transaction per file. Used by ``import_sources``,
the admin's upload and the tests alike.
"""

import hashlib
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from taggit.models import Tag

from .. import search
from ..caching import bump_content_version
from ..models import Article, CrossReference, Section, TaggedArticle, TaggedSection
from ..rendering import finish_html, normalize_title
from ..services import attach_targets, build_references
from .markdown_writer import blocks_to_html, blocks_to_markdown
from .parser import decode_source, parse_source
from .tagging import suggest_tags


@dataclass
class ImportResult:
    filename: str
    action: str  # created, updated, unchanged, skipped
    title: str = ""
    article: Article | None = None
    sections: int = 0
    tags: list[str] = field(default_factory=list)
    message: str = ""


def source_digest(data):
    return hashlib.sha256(data).hexdigest()


# --- Digests of what is in the database --------------------------------------------


def content_digest(article):
    """A digest of an article's editable content, to notice an editor's changes."""
    h = hashlib.sha256()
    for value in (article.title, article.summary):
        h.update(value.encode() + b"\x1e")
    section_tags = {}
    for section_id, name in TaggedSection.objects.filter(
        content_object__article=article
    ).values_list("content_object_id", "tag__name"):
        section_tags.setdefault(section_id, []).append(name)
    for section in article.sections.order_by("position", "id"):
        for value in (str(section.level), section.heading, section.anchor, section.body):
            h.update(value.encode() + b"\x1f")
        h.update(",".join(sorted(section_tags.get(section.pk, []))).encode() + b"\x1e")
    article_tags = TaggedArticle.objects.filter(content_object=article)
    h.update(",".join(sorted(article_tags.values_list("tag__name", flat=True))).encode())
    return h.hexdigest()


# --- The service -----------------------------------------------------------------


def _find_existing(filename, outline):
    by_source = Article.objects.filter(source_file=filename).first()
    if by_source is not None:
        return by_source
    return Article.objects.filter(title_key=normalize_title(outline.title)).first()


def _keep_shared_tags(article_tags, section_tags, exclude_article=None):
    """Drop tags that would mark a single section on the whole site: a topic to follow needs two."""
    counts = {}
    for names in section_tags:
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    elsewhere = TaggedSection.objects.filter(tag=OuterRef("pk"))
    if exclude_article is not None:
        elsewhere = elsewhere.exclude(content_object__article=exclude_article)
    # Whether each tag is on some other passage already: one index probe per
    # tag, not a read of every passage carrying it (that grew with the site).
    for name in (
        Tag.objects.filter(name__in=list(counts))
        .filter(Exists(elsewhere))
        .values_list("name", flat=True)
    ):
        counts[name] += 1
    keep = {name for name, n in counts.items() if n >= 2}
    return (
        [name for name in article_tags if name in keep],
        [[name for name in names if name in keep] for names in section_tags],
    )


def save_outline(*, outline, filename, digest, existing=None, publish=True):
    """
    Create or replace an article from an outline. Call inside a transaction.

    Sections, taggings and cross-references are written in bulk, so the
    derived data that the save signals keep for one section at a time is
    written here for the whole article at once.
    """
    article_tags, section_tags = suggest_tags(outline)
    article_tags, section_tags = _keep_shared_tags(
        article_tags, section_tags, exclude_article=existing
    )
    article = existing or Article()
    old_anchors = {}
    if existing is not None:
        old_anchors = dict(existing.sections.values_list("heading", "anchor"))
        existing.sections.all().delete()
    article.title = outline.title
    article.summary = blocks_to_markdown(outline.lead)
    article.source_file = filename
    article.source_digest = digest
    if publish and article.status != Article.Status.PUBLISHED:
        article.status = Article.Status.PUBLISHED
        article.published_at = article.published_at or timezone.now()
    article.save()

    sections, taken = [], set()
    for position, outline_section in enumerate(outline.sections):
        section = Section(
            article=article,
            position=position,
            level=outline_section.level,
            heading=outline_section.heading,
            anchor=old_anchors.get(outline_section.heading, "") if old_anchors else "",
            body=blocks_to_markdown(outline_section.blocks),
        )
        if section.anchor in taken:
            section.anchor = ""
        section.prepare(
            taken_anchors=taken, body_html=finish_html(blocks_to_html(outline_section.blocks))
        )
        taken.add(section.anchor)
        sections.append(section)
    Section.objects.bulk_create(sections)

    tags = _tags_named({name for names in section_tags for name in names} | set(article_tags))
    TaggedSection.objects.bulk_create(
        TaggedSection(content_object=section, tag=tags[name])
        for section, names in zip(sections, section_tags, strict=False)
        for name in names
    )
    TaggedArticle.objects.filter(content_object=article).delete()
    TaggedArticle.objects.bulk_create(
        TaggedArticle(content_object=article, tag=tags[name]) for name in article_tags
    )
    references = []
    for section in sections:
        references += build_references(article=article, section=section, text=section.body)
    CrossReference.objects.bulk_create(attach_targets(references))

    search.index_sections(sections)
    article.word_count = sum(section.word_count for section in sections)
    article.imported_content_digest = content_digest(article)
    Article.objects.filter(pk=article.pk).update(
        word_count=article.word_count,
        imported_content_digest=article.imported_content_digest,
    )
    transaction.on_commit(bump_content_version)
    return article


def _tags_named(names):
    """Tags by name, creating the missing ones (with unique slugs)."""
    tags = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    for name in sorted(set(names) - set(tags)):
        tag = Tag(name=name)
        tag.save()  # taggit's save makes a unique slug
        tags[name] = tag
    return tags


def import_source(*, data, filename, force=False, dry_run=False, publish=True):
    """
    Import one source file's bytes. Raises SourceError for bad input, with the
    database left exactly as it was. Returns an ImportResult.
    """
    text = decode_source(data, filename)
    outline = parse_source(text, filename)
    digest = source_digest(data)
    with transaction.atomic():
        existing = _find_existing(filename, outline)
        if existing is not None and not force:
            if existing.source_digest == digest and existing.source_file == filename:
                return ImportResult(
                    filename, "unchanged", outline.title, existing, existing.sections.count()
                )
            if not existing.source_file:
                return ImportResult(
                    filename,
                    "skipped",
                    outline.title,
                    existing,
                    message=f"an article titled “{existing.title}” exists and was not imported "
                    "from a file; use --force to replace it",
                )
            if content_digest(existing) != existing.imported_content_digest:
                return ImportResult(
                    filename,
                    "skipped",
                    outline.title,
                    existing,
                    message="changed by an editor since it was imported; use --force to overwrite",
                )
        action = "updated" if existing is not None else "created"
        article = save_outline(
            outline=outline, filename=filename, digest=digest, existing=existing, publish=publish
        )
        result = ImportResult(
            filename,
            action,
            outline.title,
            article,
            len(outline.sections),
            tags=sorted(
                Tag.objects.filter(articles_taggedsection_items__content_object__article=article)
                .values_list("name", flat=True)
                .distinct()
            ),
        )
        if dry_run:
            transaction.set_rollback(True)
        return result
