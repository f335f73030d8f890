"""Loading a backup document: validated first, then saved in one transaction."""

from dataclasses import dataclass
from datetime import datetime

from django.db import DatabaseError, transaction
from taggit.models import Tag

from ..caching import bump_content_version
from ..content import tag_usage
from ..content.reference_syntax import target_key_and_slug
from ..content.references import fill_contexts
from ..content.tags import clean_tag_name
from ..models import Article, CrossReference, Section, TopicDescription
from .export import CHUNK_SIZE, article_records
from .validation import TIMESTAMP_FIELDS, ContentConflict, ContentFileError, validate_content


@dataclass(frozen=True)
class LoadResult:
    created: int
    replaced: int
    unchanged: int
    tags: int
    descriptions: int = 0  # topic descriptions the document holds


def load_content(*, data, replace=False, dry_run=False):
    """
    Validate and save a document in one transaction; a ContentFileError (a
    ContentConflict for content that differs, unless ``replace``) means
    nothing was saved. A dry run checks everything and saves nothing.
    """
    validate_content(data=data)
    try:
        with transaction.atomic():
            result = _load(data, replace=replace)
            if dry_run:
                transaction.set_rollback(True)
    except DatabaseError as exc:
        raise ContentFileError(f"the database refused the content ({exc})") from exc
    return result


def _load(data, *, replace):
    tags = _load_tags(data["tags"], replace=replace)
    slugs = [record["slug"] for record in data["articles"]]
    existing = {
        article.slug: article
        for start in range(0, len(slugs), CHUNK_SIZE)
        for article in Article.objects.filter(slug__in=slugs[start : start + CHUNK_SIZE])
    }
    tag_slugs = dict(Tag.objects.values_list("name", "slug"))
    existing_records = {
        record["slug"]: record
        for record in article_records(list(existing.values()), tag_slugs=tag_slugs)
    }
    conflicts, to_write, unchanged = [], [], 0
    for record in data["articles"]:
        article = existing.get(record["slug"])
        if article is not None:
            if _content(existing_records[record["slug"]], like=record) == _content(record):
                unchanged += 1
                continue
            if not replace:
                conflicts.append(f"article {record['slug']!r} exists with different content")
                continue
        to_write.append((record, article))
    if conflicts:
        raise ContentConflict(conflicts)

    written = [(_write_article(record, article, tags), record) for record, article in to_write]
    # Cross-references last: their targets may be any article, loaded or not.
    # They are set exactly as exported (saving the sections made them from the
    # Markdown; an editor may have added more by hand).
    for article, record in written:
        _write_references(article, record)
        Article.objects.filter(pk=article.pk).update(
            created_at=datetime.fromisoformat(record["created_at"]),
            updated_at=datetime.fromisoformat(record["updated_at"]),
            imported_content_digest=record["imported_content_digest"],
        )
    tag_usage.articles_changed(article_ids=[article.pk for article, _ in written])
    if written:
        transaction.on_commit(bump_content_version)
    replaced = sum(1 for _, article in to_write if article is not None)
    return LoadResult(
        created=len(to_write) - replaced,
        replaced=replaced,
        unchanged=unchanged,
        tags=len(data["tags"]),
        descriptions=sum(1 for record in data["tags"] if "description" in record),
    )


def _load_tags(records, *, replace):
    """{slug: Tag} for the document's tags, created or (with ``replace``) renamed."""
    conflicts, tags = [], {}
    for record in records:
        name = clean_tag_name(record["name"])
        tag = Tag.objects.filter(slug=record["slug"]).first()
        if tag is None:
            if Tag.objects.filter(name=name).exists():
                conflicts.append(f"tag “{name}” exists with another slug")
                continue
            tag = Tag.objects.create(slug=record["slug"], name=name)
        elif tag.name != name:
            if not replace:
                conflicts.append(f"tag {tag.slug!r} is named “{tag.name}” here, not “{name}”")
                continue
            tag.name = name
            tag.save()
        tags[record["slug"]] = tag
    conflicts += _load_descriptions(records, tags, replace=replace)
    if conflicts:
        raise ContentConflict(conflicts)
    return tags


def _load_descriptions(records, tags, *, replace):
    """
    Save the document's topic descriptions; the conflicts, if any. A tag
    without one in the document keeps the one it has here: older backups do not
    carry descriptions, and loading one must not erase an editor's work.
    """
    existing = {
        description.tag_id: description
        for description in TopicDescription.objects.filter(
            tag__in=[tag.pk for tag in tags.values()]
        )
    }
    conflicts = []
    for record in records:
        text, tag = record.get("description"), tags.get(record["slug"])
        if text is None or tag is None:
            continue
        description = existing.get(tag.pk)
        if description is None:
            TopicDescription.objects.create(tag=tag, text=text)
        elif description.text != text:
            if not replace:
                conflicts.append(f"tag {tag.slug!r} has another description here")
                continue
            description.text = text
            description.save()
    return conflicts


def _content(record, *, like=None):
    """
    The record without its timestamps. Compared ``like`` a document's record
    without aliases, the stored aliases are left out too: loading an older
    backup keeps them, so they are no conflict.
    """
    left_out = TIMESTAMP_FIELDS
    if like is not None and "aliases" not in like:
        left_out = (*TIMESTAMP_FIELDS, "aliases")
    return {key: value for key, value in record.items() if key not in left_out}


def _write_article(record, existing, tags):
    article = existing or Article()
    if existing is not None:
        existing.sections.all().delete()
    article.slug = record["slug"]
    article.title = record["title"]
    article.summary = record["summary"]
    if "aliases" in record:  # without the key, an article here keeps its own
        article.aliases = record["aliases"]
    article.status = record["status"]
    article.published_at = (
        datetime.fromisoformat(record["published_at"]) if record["published_at"] else None
    )
    article.source_file = record["source_file"]
    article.source_digest = record["source_digest"]
    article.save()
    for spec in record["sections"]:
        section = Section.objects.create(
            article=article,
            anchor=spec["anchor"],
            position=spec["position"],
            level=spec["level"],
            heading=spec["heading"],
            body=spec["body"],
        )
        section.tags.set([tags[slug] for slug in spec["tags"]])
    article.tags.set([tags[slug] for slug in record["tags"]])
    return article


def _write_references(article, record):
    sections = {section.anchor: section for section in article.sections.all()}
    wanted_targets = {r["target"] for r in record["cross_references"] if r["target"]}
    targets = {a.slug: a for a in Article.objects.filter(slug__in=wanted_targets)}
    CrossReference.objects.filter(source_article=article).delete()
    references = []
    for spec in record["cross_references"]:
        key, slug = target_key_and_slug(spec["target_title"])
        references.append(
            CrossReference(
                source_article=article,
                source_section=sections[spec["section"]] if spec["section"] else None,
                position=spec["position"],
                kind=spec["kind"],
                target_title=spec["target_title"],
                target_heading=spec["target_heading"],
                target_key=key,
                target_slug=slug,
                target=targets.get(spec["target"]) if spec["target"] else None,
            )
        )
    # The sentence each stands in is derived, like the rendered HTML: read again here.
    CrossReference.objects.bulk_create(fill_contexts(references))
