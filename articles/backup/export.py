"""The export: every article as plain data by natural keys, in a stable order."""

import json
import os
from datetime import UTC
from pathlib import Path

from taggit.models import Tag

from ..content.text import ArticleContent
from ..models import Article, CrossReference
from ..models.articles import alias_lines

FORMAT_NAME = "milcoop-content"
FORMAT_VERSION = 1

# Articles read per round of queries: bounds the ids one query carries.
CHUNK_SIZE = 500


def export_content():
    """
    Every article, section, tag (with its topic description), tagging and
    cross-reference, as plain data.
    """
    # One row per tag, its description joined in (the relation is one to one).
    tags = list(Tag.objects.order_by("slug").values_list("slug", "name", "topic_description__text"))
    articles = list(Article.objects.order_by("slug"))
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "tags": [tag_record(slug, name, description) for slug, name, description in tags],
        "articles": article_records(articles, tag_slugs={name: slug for slug, name, _ in tags}),
    }


def tag_record(slug, name, description):
    """
    A tag as plain data. Its description is a key present only when it has one:
    a backup of topics without descriptions reads as it did before they
    existed, and such older backups load unchanged.
    """
    record = {"slug": slug, "name": name}
    if description:
        record["description"] = description
    return record


def dumps(data):
    """Deterministic JSON: the same content always gives the same bytes."""
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def write_export(*, path, data):
    """
    Write ``dumps(data)`` to the file ``path``. A regular file is written
    beside it first and then moved into place, so that a failed write leaves
    the previous backup whole; anything else (a pipe, a device) is written to.
    """
    path = Path(path)
    if path.exists() and not path.is_file():
        with open(path, "w", encoding="utf-8", newline="\n") as output:
            output.write(dumps(data))
        return
    temporary = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with open(temporary, "w", encoding="utf-8", newline="\n") as output:
            output.write(dumps(data))
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _isoformat(moment):
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def article_records(articles, *, tag_slugs):
    """
    Each article as plain data, in the order given. ``tag_slugs`` maps every
    tag's name to its slug (both are unique).
    """
    records = []
    for start in range(0, len(articles), CHUNK_SIZE):
        chunk = articles[start : start + CHUNK_SIZE]
        contents = ArticleContent.for_articles(chunk)
        references = {}
        for article_id, *fields in (
            CrossReference.objects.filter(source_article__in=[a.pk for a in chunk])
            .order_by("position", "id")
            .values_list(
                "source_article_id",
                "position",
                "source_section__anchor",
                "target_title",
                "target_heading",
                "kind",
                "target__slug",
            )
        ):
            references.setdefault(article_id, []).append(fields)
        for article in chunk:
            records.append(
                _article_record(
                    article, contents[article.pk], references.get(article.pk, []), tag_slugs
                )
            )
    return records


def _article_record(article, content, references, tag_slugs):
    # The ordering keys: a stable order however the rows were written.
    sections = sorted(content.sections, key=lambda s: (s.position, s.anchor))
    references = sorted(references, key=lambda r: (r[0], r[1] or "", r[2], r[3]))
    record = {
        "slug": article.slug,
        "title": article.title,
        "summary": article.summary,
        "status": article.status,
        "published_at": _isoformat(article.published_at),
        "created_at": _isoformat(article.created_at),
        "updated_at": _isoformat(article.updated_at),
        "source_file": article.source_file,
        "source_digest": article.source_digest,
        "imported_content_digest": article.imported_content_digest,
        "tags": sorted(tag_slugs[name] for name in content.tags),
        "sections": [
            {
                "anchor": section.anchor,
                "position": section.position,
                "level": section.level,
                "heading": section.heading,
                "body": section.body,
                "tags": sorted(tag_slugs[name] for name in section.tags),
            }
            for section in sections
        ],
        "cross_references": [
            {
                "section": anchor,
                "position": position,
                "kind": kind,
                "target_title": target_title,
                "target_heading": target_heading,
                "target": target,
            }
            for position, anchor, target_title, target_heading, kind, target in references
        ],
    }
    # A key only when there are aliases, as a tag's description: an article
    # without them reads as it did before aliases existed, and older backups load.
    if alias_lines(article.aliases):
        record["aliases"] = article.aliases
    return record
