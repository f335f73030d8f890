"""Reading and checking a backup document before anything is written."""

import json
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from ..content.tags import clean_tag_name
from ..models import Article, CrossReference, Section
from ..models.articles import alias_lines, validate_aliases
from .export import FORMAT_NAME, FORMAT_VERSION

# Fields that record when, not what: equal content with other timestamps is not a conflict.
TIMESTAMP_FIELDS = ("created_at", "updated_at")


class ContentFileError(Exception):
    """The document cannot be loaded; the message says where in it and why."""


class ContentConflict(ContentFileError):
    """Content in the document differs from what the database holds."""

    def __init__(self, conflicts):
        self.conflicts = conflicts
        super().__init__(f"{len(conflicts)} conflict(s) with existing content")


def read_content_file(*, path):
    """The JSON document in ``path``, or a ContentFileError saying why it cannot be read."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as exc:
        raise ContentFileError(f"cannot read ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise ContentFileError(f"not UTF-8 text ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise ContentFileError(
            f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc


def validate_content(*, data):
    """Check the whole document before anything is written. Raises ContentFileError."""
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise ContentFileError(f'not a {FORMAT_NAME} export (no "format": "{FORMAT_NAME}")')
    if data.get("version") != FORMAT_VERSION:
        raise ContentFileError(
            f"unsupported version {data.get('version')!r} (expected {FORMAT_VERSION})"
        )
    tags = _require(data, "tags", list, "file")
    articles = _require(data, "articles", list, "file")
    tag_slugs, tag_names = set(), set()
    for i, tag in enumerate(tags):
        where = f"tags[{i}]"
        slug = _require(tag, "slug", str, where, nonempty=True)
        if slug in tag_slugs:
            raise ContentFileError(f"{where}.slug: {slug!r} appears twice")
        tag_slugs.add(slug)
        name = _tag_name(tag, where)
        if name in tag_names:
            raise ContentFileError(f"{where}.name: {name!r} appears twice")
        tag_names.add(name)
        if "description" in tag:  # optional: older backups have none
            description = _require(tag, "description", str, where)
            if not description.strip():
                raise ContentFileError(
                    f"{where}.description: must not be empty (leave the key out instead)"
                )
    article_slugs = set()
    for i, article in enumerate(articles):
        where = f"articles[{i}]"
        slug = _slug(article, "slug", where)
        if slug in article_slugs:
            raise ContentFileError(f"{where}.slug: {slug!r} appears twice")
        article_slugs.add(slug)
        _validate_article(article, where, tag_slugs)


def _validate_article(article, where, tag_slugs):
    _require(article, "title", str, where, nonempty=True)
    if "aliases" in article:  # optional: older backups have none
        _aliases(article, where)
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


def _tag_name(tag, where):
    try:
        return clean_tag_name(_require(tag, "name", str, where, nonempty=True))
    except ValidationError as exc:
        raise ContentFileError(f"{where}.name: {exc.messages[0]}") from None


def _aliases(article, where):
    """The model's own validator: the rule each alias follows in the admin too."""
    aliases = _require(article, "aliases", str, where)
    if not alias_lines(aliases):
        raise ContentFileError(f"{where}.aliases: must not be empty (leave the key out instead)")
    try:
        validate_aliases(aliases)
    except ValidationError as exc:
        raise ContentFileError(f"{where}.aliases: {exc.messages[0]}") from None


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


def _check_tag_list(record, where, tag_slugs):
    for slug in _require(record, "tags", list, where):
        if not isinstance(slug, str) or slug not in tag_slugs:
            raise ContentFileError(f"{where}.tags: {slug!r:.60} is not among the file's tags")
