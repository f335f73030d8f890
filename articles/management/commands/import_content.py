import json
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils.text import slugify
from taggit.models import Tag

from articles.caching import bump_content_version
from articles.content.rendering import normalize_title
from articles.models import Article, CrossReference, Section

from .export_content import FORMAT_NAME, FORMAT_VERSION, article_record

# Fields that record when, not what: equal content with other timestamps is not a conflict.
TIMESTAMP_FIELDS = ("created_at", "updated_at")


class ContentFileError(Exception):
    """The file is not a content export this command can load; says where and why."""


# --- Validation --------------------------------------------------------------------


def _require(record, key, kind, where, *, allow_none=False, choices=None, nonempty=False):
    if not isinstance(record, dict):
        raise ContentFileError(f"{where}: expected an object")
    if key not in record:
        raise ContentFileError(f"{where}: missing “{key}”")
    value = record[key]
    if value is None and allow_none:
        return value
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ContentFileError(f"{where}.{key}: expected {kind.__name__}, got {value!r:.60}")
    if choices is not None and value not in choices:
        raise ContentFileError(f"{where}.{key}: {value!r:.60} is not one of {sorted(choices)}")
    if nonempty and not value:
        raise ContentFileError(f"{where}.{key}: must not be empty")
    if kind is int and value < 0:
        raise ContentFileError(f"{where}.{key}: must not be negative")
    if isinstance(value, str) and "\x00" in value:
        raise ContentFileError(f"{where}.{key}: contains a NUL character")
    return value


def _moment(record, key, where, *, allow_none=False):
    value = _require(record, key, str, where, allow_none=allow_none)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ContentFileError(
            f"{where}.{key}: {value!r:.60} is not an ISO date and time"
        ) from None
    if moment.tzinfo is None:
        raise ContentFileError(f"{where}.{key}: {value!r:.60} has no time zone")
    return moment


def _slug(record, key, where, *, allow_none=False):
    value = _require(record, key, str, where, allow_none=allow_none, nonempty=True)
    if value is not None and slugify(value) != value:
        raise ContentFileError(f"{where}.{key}: {value!r:.60} is not a slug")
    return value


def validate(data):
    """Check the whole file before anything is written. Raises ContentFileError."""
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise ContentFileError(f'not a {FORMAT_NAME} export (no "format": "{FORMAT_NAME}")')
    if data.get("version") != FORMAT_VERSION:
        raise ContentFileError(
            f"unsupported version {data.get('version')!r} (expected {FORMAT_VERSION})"
        )
    tags = _require(data, "tags", list, "file")
    articles = _require(data, "articles", list, "file")
    tag_slugs = set()
    for i, tag in enumerate(tags):
        where = f"tags[{i}]"
        slug = _require(tag, "slug", str, where, nonempty=True)
        _require(tag, "name", str, where, nonempty=True)
        if slug in tag_slugs:
            raise ContentFileError(f"{where}.slug: {slug!r} appears twice")
        tag_slugs.add(slug)
    article_slugs = set()
    for i, article in enumerate(articles):
        where = f"articles[{i}]"
        slug = _slug(article, "slug", where)
        if slug in article_slugs:
            raise ContentFileError(f"{where}.slug: {slug!r} appears twice")
        article_slugs.add(slug)
        _require(article, "title", str, where, nonempty=True)
        for key in ("summary", "source_file", "source_digest", "imported_content_digest"):
            _require(article, key, str, where)
        status = _require(article, "status", str, where, choices=set(Article.Status.values))
        published_at = _moment(article, "published_at", where, allow_none=True)
        if status == Article.Status.PUBLISHED and published_at is None:
            raise ContentFileError(f"{where}.published_at: a published article needs one")
        for key in TIMESTAMP_FIELDS:
            _moment(article, key, where)
        _check_tag_list(article, where, tag_slugs)
        anchors = set()
        for j, section in enumerate(_require(article, "sections", list, where)):
            swhere = f"{where}.sections[{j}]"
            anchor = _slug(section, "anchor", swhere)
            if anchor in anchors:
                raise ContentFileError(f"{swhere}.anchor: {anchor!r} appears twice")
            anchors.add(anchor)
            _require(section, "position", int, swhere)
            _require(section, "level", int, swhere, choices=set(Section.Level.values))
            _require(section, "heading", str, swhere, nonempty=True)
            _require(section, "body", str, swhere)
            _check_tag_list(section, swhere, tag_slugs)
        for j, reference in enumerate(_require(article, "cross_references", list, where)):
            rwhere = f"{where}.cross_references[{j}]"
            anchor = _require(reference, "section", str, rwhere, allow_none=True)
            if anchor is not None and anchor not in anchors:
                raise ContentFileError(f"{rwhere}.section: no section {anchor!r} in this article")
            _require(reference, "position", int, rwhere)
            _require(reference, "kind", str, rwhere, choices=set(CrossReference.Kind.values))
            _require(reference, "target_title", str, rwhere, nonempty=True)
            _require(reference, "target_heading", str, rwhere)
            _slug(reference, "target", rwhere, allow_none=True)
    return data


def _check_tag_list(record, where, tag_slugs):
    for slug in _require(record, "tags", list, where):
        if not isinstance(slug, str) or slug not in tag_slugs:
            raise ContentFileError(f"{where}.tags: {slug!r:.60} is not among the file's tags")


# --- Loading ---------------------------------------------------------------------------


def _content(record):
    return {key: value for key, value in record.items() if key not in TIMESTAMP_FIELDS}


def load_content(data, *, replace=False):
    """
    Save a validated export. Call inside a transaction. Returns
    (counts, conflicts); with conflicts the caller must roll back.
    """
    counts = {"created": 0, "replaced": 0, "unchanged": 0}
    conflicts = []

    tags = {}
    for record in data["tags"]:
        tag = Tag.objects.filter(slug=record["slug"]).first()
        if tag is None:
            if Tag.objects.filter(name=record["name"]).exists():
                conflicts.append(f"tag “{record['name']}” exists with another slug")
                continue
            tag = Tag.objects.create(slug=record["slug"], name=record["name"])
        elif tag.name != record["name"]:
            if not replace:
                conflicts.append(
                    f"tag {tag.slug!r} is named “{tag.name}” here, not “{record['name']}”"
                )
            else:
                tag.name = record["name"]
                tag.save()
        tags[record["slug"]] = tag
    if conflicts:
        return counts, conflicts

    written = []
    for record in data["articles"]:
        existing = Article.objects.filter(slug=record["slug"]).first()
        if existing is not None:
            if _content(article_record(existing)) == _content(record):
                counts["unchanged"] += 1
                continue
            if not replace:
                conflicts.append(f"article {record['slug']!r} exists with different content")
                continue
        written.append((_write_article(record, existing, tags), record))
        counts["replaced" if existing is not None else "created"] += 1
    if conflicts:
        return counts, conflicts

    # Cross-references last: their targets may be any article, imported or not.
    # They are set exactly as exported (saving the sections made them from the
    # Markdown; an editor may have added more by hand).
    for article, record in written:
        _write_references(article, record)
        Article.objects.filter(pk=article.pk).update(
            created_at=datetime.fromisoformat(record["created_at"]),
            updated_at=datetime.fromisoformat(record["updated_at"]),
            imported_content_digest=record["imported_content_digest"],
        )
    if written:
        transaction.on_commit(bump_content_version)
    return counts, conflicts


def _write_article(record, existing, tags):
    article = existing or Article()
    if existing is not None:
        existing.sections.all().delete()
    article.slug = record["slug"]
    article.title = record["title"]
    article.summary = record["summary"]
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
    CrossReference.objects.bulk_create(
        CrossReference(
            source_article=article,
            source_section=sections[spec["section"]] if spec["section"] else None,
            position=spec["position"],
            kind=spec["kind"],
            target_title=spec["target_title"],
            target_heading=spec["target_heading"],
            target_key=normalize_title(spec["target_title"]),
            target_slug=slugify(spec["target_title"])[:255],
            target=targets.get(spec["target"]) if spec["target"] else None,
        )
        for spec in record["cross_references"]
    )


class Command(BaseCommand):
    help = (
        "Load a file written by export_content, in one transaction: all of it or "
        "nothing. Articles that exist with different content are refused unless "
        "--replace is given; identical ones are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A JSON file written by export_content.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Overwrite articles and tags that exist with different content.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report, but save nothing."
        )

    def handle(self, *args, file, replace=False, dry_run=False, verbosity=1, **options):
        try:
            with open(file, encoding="utf-8") as handle:
                data = json.load(handle)
        except OSError as exc:
            raise CommandError(f"{file}: cannot read ({exc.strerror})") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{file}: not UTF-8 text ({exc.reason})") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"{file}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
                "nothing was saved."
            ) from exc
        try:
            validate(data)
        except ContentFileError as exc:
            raise CommandError(f"{file}: {exc}; nothing was saved.") from exc

        try:
            with transaction.atomic():
                counts, conflicts = load_content(data, replace=replace)
                if conflicts:
                    transaction.set_rollback(True)
                elif dry_run:
                    transaction.set_rollback(True)
        except (IntegrityError, DatabaseError) as exc:
            raise CommandError(
                f"{file}: the database refused the content ({exc}); nothing was saved."
            ) from exc
        if conflicts:
            for conflict in conflicts:
                self.stderr.write(self.style.ERROR(f"conflict: {conflict}"))
            raise CommandError(
                f"{len(conflicts)} conflict(s) with existing content; nothing was saved. "
                "Use --replace to overwrite."
            )
        prefix = "Dry run, nothing saved: " if dry_run else ""
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{prefix}{counts['created']} articles created, {counts['replaced']} replaced, "
                    f"{counts['unchanged']} unchanged; {len(data['tags'])} tags."
                )
            )
