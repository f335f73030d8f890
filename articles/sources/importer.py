"""
The import service: saves an Outline as an Article with its Sections, tags and
cross-references, in one transaction per file. Used by ``import_sources``,
the admin's upload and the tests alike.
"""

import hashlib
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from taggit.models import Tag

from ..models import Article, Section, TaggedSection
from ..rendering import normalize_title
from .outline import ItemList, Paragraph, SeeAlso
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


# --- Outline → Markdown ----------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}<>|])")
_LINE_START_SPECIAL = re.compile(r"^(\s*)([#>+\-]|\d+[.)])(\s)")


def escape_markdown(text):
    """Plain text → Markdown that renders as the same text."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return _LINE_START_SPECIAL.sub(lambda m: f"{m.group(1)}{_escape_marker(m.group(2))}{m.group(3)}", text)


def _escape_marker(marker):
    return marker[:-1] + "\\" + marker[-1] if marker[-1] in ".)" else "\\" + marker


def blocks_to_markdown(blocks):
    parts = []
    for block in blocks:
        if isinstance(block, Paragraph):
            parts.append(escape_markdown(block.text))
        elif isinstance(block, ItemList):
            if block.ordered:
                lines = [f"{n}. {escape_markdown(item)}" for n, item in enumerate(block.items, 1)]
            else:
                lines = [f"- {escape_markdown(item)}" for item in block.items]
            parts.append("\n".join(lines))
        elif isinstance(block, SeeAlso):
            title = block.title.replace("[", "(").replace("]", ")").replace("#", "")
            parts.append(f"See also: [[{title}]]")
    return "\n\n".join(parts)


# --- Digests of what is in the database --------------------------------------------

def content_digest(article):
    """A digest of an article's editable content, to notice an editor's changes."""
    h = hashlib.sha256()
    for value in (article.title, article.summary):
        h.update(value.encode() + b"\x1e")
    for section in article.sections.order_by("position", "id"):
        for value in (str(section.level), section.heading, section.anchor, section.body):
            h.update(value.encode() + b"\x1f")
        h.update(",".join(sorted(section.tags.names())).encode() + b"\x1e")
    h.update(",".join(sorted(article.tags.names())).encode())
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
    in_use = TaggedSection.objects.filter(tag__name__in=list(counts))
    if exclude_article is not None:
        in_use = in_use.exclude(content_object__article=exclude_article)
    for name in in_use.values_list("tag__name", flat=True):
        counts[name] += 1
    keep = {name for name, n in counts.items() if n >= 2}
    return (
        [name for name in article_tags if name in keep],
        [[name for name in names if name in keep] for names in section_tags],
    )


def save_outline(*, outline, filename, digest, existing=None, publish=True):
    """Create or replace an article from an outline. Call inside a transaction."""
    article_tags, section_tags = suggest_tags(outline)
    article_tags, section_tags = _keep_shared_tags(
        article_tags, section_tags, exclude_article=existing
    )
    article = existing or Article()
    old_anchors = {}
    if existing is not None:
        old_anchors = {s.heading: s.anchor for s in existing.sections.all()}
        existing.sections.all().delete()
    article.title = outline.title
    article.summary = blocks_to_markdown(outline.lead)
    article.source_file = filename
    article.source_digest = digest
    if publish and article.status != Article.Status.PUBLISHED:
        article.status = Article.Status.PUBLISHED
        article.published_at = article.published_at or timezone.now()
    article.save()
    used_anchors = set()
    for position, (outline_section, names) in enumerate(zip(outline.sections, section_tags)):
        anchor = old_anchors.get(outline_section.heading, "")
        if anchor in used_anchors:
            anchor = ""
        section = Section(
            article=article,
            position=position,
            level=outline_section.level,
            heading=outline_section.heading,
            anchor=anchor,
            body=blocks_to_markdown(outline_section.blocks),
        )
        section.save()
        used_anchors.add(section.anchor)
        if names:
            section.tags.set(names)
    article.tags.set(article_tags)
    article.imported_content_digest = content_digest(article)
    Article.objects.filter(pk=article.pk).update(
        imported_content_digest=article.imported_content_digest
    )
    return article


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
                return ImportResult(filename, "unchanged", outline.title, existing,
                                    existing.sections.count())
            if not existing.source_file:
                return ImportResult(
                    filename, "skipped", outline.title, existing,
                    message=f"an article titled “{existing.title}” exists and was not imported "
                    "from a file; use --force to replace it",
                )
            if content_digest(existing) != existing.imported_content_digest:
                return ImportResult(
                    filename, "skipped", outline.title, existing,
                    message="changed by an editor since it was imported; use --force to overwrite",
                )
        action = "updated" if existing is not None else "created"
        article = save_outline(
            outline=outline, filename=filename, digest=digest, existing=existing, publish=publish
        )
        result = ImportResult(
            filename, action, outline.title, article, len(outline.sections),
            tags=sorted(Tag.objects.filter(articles_taggedsection_items__content_object__article=article)
                        .values_list("name", flat=True).distinct()),
        )
        if dry_run:
            transaction.set_rollback(True)
        return result
