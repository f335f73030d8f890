import json
from datetime import UTC

from django.core.management.base import BaseCommand
from taggit.models import Tag

from articles.models import Article

FORMAT_NAME = "milcoop-content"
FORMAT_VERSION = 1


def isoformat(moment):
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def article_record(article):
    """
    One article as plain data: fields, sections, tags and cross-references,
    by natural keys only (slugs and anchors, never database ids), in a stable
    order. Derived fields (rendered HTML, word counts, title keys) are left
    out: saving rebuilds them.
    """
    sections = sorted(article.sections.all(), key=lambda s: (s.position, s.anchor))
    anchors = {section.pk: section.anchor for section in sections}
    references = sorted(
        article.outgoing_references.all(),
        key=lambda r: (
            r.position,
            anchors.get(r.source_section_id) or "",
            r.target_title,
            r.target_heading,
        ),
    )
    return {
        "slug": article.slug,
        "title": article.title,
        "summary": article.summary,
        "status": article.status,
        "published_at": isoformat(article.published_at),
        "created_at": isoformat(article.created_at),
        "updated_at": isoformat(article.updated_at),
        "source_file": article.source_file,
        "source_digest": article.source_digest,
        "imported_content_digest": article.imported_content_digest,
        "tags": sorted(tag.slug for tag in article.tags.all()),
        "sections": [
            {
                "anchor": section.anchor,
                "position": section.position,
                "level": section.level,
                "heading": section.heading,
                "body": section.body,
                "tags": sorted(tag.slug for tag in section.tags.all()),
            }
            for section in sections
        ],
        "cross_references": [
            {
                "section": anchors.get(reference.source_section_id),
                "position": reference.position,
                "kind": reference.kind,
                "target_title": reference.target_title,
                "target_heading": reference.target_heading,
                "target": reference.target.slug if reference.target_id else None,
            }
            for reference in references
        ],
    }


def export_content():
    """Every article, section, tag, tagging and cross-reference, as plain data."""
    articles = Article.objects.order_by("slug").prefetch_related(
        "tags", "sections__tags", "outgoing_references__target"
    )
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "tags": [{"slug": tag.slug, "name": tag.name} for tag in Tag.objects.order_by("slug")],
        "articles": [article_record(article) for article in articles],
    }


def dumps(data):
    """Deterministic JSON: the same content always gives the same bytes."""
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = (
        "Write all content (articles, sections, tags, taggings, cross-references) as "
        "deterministic JSON, without database ids, for backup or moving to a fresh "
        "database with import_content."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")

    def handle(self, *args, output=None, verbosity=1, **options):
        data = export_content()
        text = dumps(data)
        if output:
            with open(output, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            if verbosity >= 1:
                sections = sum(len(a["sections"]) for a in data["articles"])
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Exported {len(data['articles'])} articles, {sections} sections and "
                        f"{len(data['tags'])} tags to {output}."
                    )
                )
        else:
            self.stdout.write(text, ending="")
