"""
The import service: saves prepared sources (see prepare.py) as Articles with
their Sections, tags and cross-references. Used by ``import_sources``, the
admin's upload and the tests alike.

Files are imported in batches, one transaction per batch, with the same
results as importing them one at a time in order: every rule that looks at
what earlier files wrote (unique slugs, a tag needs two passages, references
resolving to the first article that names them) is applied in memory, in
file order, over what the batch writes. New articles are written with a few
bulk statements per batch; replacing an article goes through ``save()`` and
its signals, one file at a time. A file with the very bytes its article was
imported from is found unchanged without being parsed (``known_sources``).
"""

import hashlib
from dataclasses import dataclass, field

import reversion
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from taggit.models import Tag

from .. import search
from ..caching import bump_content_version
from ..content.tags import clean_tag_name
from ..models import (
    Article,
    CrossReference,
    Section,
    TaggedArticle,
    TaggedSection,
    first_free,
)
from .outline import SourceError
from .prepare import (
    REFERENCE_FIELDS,
    FailedSource,
    KnownSource,
    prepare_source,
    source_digest,
)

__all__ = [
    "ImportResult",
    "content_digest",
    "import_batch",
    "import_source",
    "known_sources",
    "source_digest",
]

# Files per transaction in a command's import.
BATCH_SIZE = 100


@dataclass
class ImportResult:
    filename: str
    action: str  # created, updated, unchanged, skipped
    title: str = ""
    article: Article | None = None
    sections: int = 0
    tags: list[str] = field(default_factory=list)
    message: str = ""


# --- Digests of the content ----------------------------------------------------------


def _digest(title, summary, sections, article_tags):
    """``sections``: (level, heading, anchor, body, tag names) in order."""
    parts = [title, "\x1e", summary, "\x1e"]
    for level, heading, anchor, body, tags in sections:
        parts += (str(level), "\x1f", heading, "\x1f", anchor, "\x1f", body, "\x1f")
        parts += (",".join(sorted(tags)), "\x1e")
    parts.append(",".join(sorted(article_tags)))
    return hashlib.sha256("".join(parts).encode()).hexdigest()


def content_digest(article):
    """A digest of an article's editable content, to notice an editor's changes."""
    section_tags = {}
    for section_id, name in TaggedSection.objects.filter(
        content_object__article=article
    ).values_list("content_object_id", "tag__name"):
        section_tags.setdefault(section_id, []).append(name)
    sections = article.sections.order_by("position", "id").values_list(
        "pk", "level", "heading", "anchor", "body"
    )
    return _digest(
        article.title,
        article.summary,
        [(*values, section_tags.get(pk, [])) for pk, *values in sections],
        TaggedArticle.objects.filter(content_object=article).values_list("tag__name", flat=True),
    )


# --- The service ---------------------------------------------------------------------


def import_source(*, data, filename, force=False, dry_run=False, publish=True):
    """
    Import one source file's bytes. Raises SourceError for bad input, with the
    database left exactly as it was. Returns an ImportResult.
    """
    source = prepare_source(data, filename)
    with transaction.atomic():
        [result] = _Batch(force=force, publish=publish).run([source])
        if dry_run:
            transaction.set_rollback(True)
    return result


def import_batch(sources, *, force=False, dry_run=False, publish=True):
    """
    Import prepared sources (PreparedSource or KnownSource) in order; yields
    an ImportResult for each once it is committed (a FailedSource for a known
    file that no longer parses). One transaction for the batch; should it
    fail, the files are imported again one transaction each, so that the
    files before the one that fails are kept and the failure is raised as a
    single file's would be.
    A dry run imports each file on its own and rolls it back, as a run of
    ``import_source(dry_run=True)`` would.
    """
    if dry_run or len(sources) <= 1:
        for source in sources:
            with transaction.atomic():
                [result] = _Batch(force=force, publish=publish).run([source])
                if dry_run:
                    transaction.set_rollback(True)
            yield result
        return
    try:
        with transaction.atomic():
            results = _Batch(force=force, publish=publish).run(sources)
    except Exception:
        for source in sources:
            yield from import_batch([source], force=force, publish=publish)
        return
    yield from results


def known_sources(paths, *, chunk=500):
    """
    The paths, with a KnownSource in place of each file whose bytes are those
    its article was last imported from (the article an import finds by the
    file's name), so that a re-run need not parse what has not changed. Only
    the files of that name are read here.
    """
    paths = list(paths)
    for start in range(0, len(paths), chunk):
        part = paths[start : start + chunk]
        digests = {}
        # In the default order, as the importer finds a file's article.
        for filename, digest in Article.objects.filter(
            source_file__in={path.name for path in part}
        ).values_list("source_file", "source_digest"):
            digests.setdefault(filename, digest)
        for path in part:
            if path.name in digests:
                try:
                    data = path.read_bytes()
                except OSError:
                    yield path  # the error is reported where it is read again
                    continue
                digest = source_digest(data)
                if digest == digests[path.name]:
                    yield KnownSource(path.name, digest, data)
                    continue
            yield path


class _Batch:
    """One transaction's worth of sources, imported as one after another would be."""

    def __init__(self, *, force, publish):
        self.force = force
        self.publish = publish
        self.results = {}
        self.pending = []  # (position, source) of articles to create
        self.pending_names = set()  # their file names and title keys
        self.unchanged = []  # positions of unchanged results, to count their sections

    def run(self, sources):
        sources = list(sources)
        existing = None
        for position, source in enumerate(sources):
            if isinstance(source, KnownSource):
                if ("file", source.filename) in self.pending_names:
                    self._create_pending()
                    existing = None
                if existing is None:
                    existing = _ExistingArticles(sources[position:])
                article = existing.by_file.get(source.filename)
                if (
                    not self.force
                    and article is not None
                    and article.source_digest == source.digest
                ):
                    self.unchanged.append(position)
                    self.results[position] = ImportResult(
                        source.filename, "unchanged", article.title, article
                    )
                    continue
                # Changed earlier in this run: import it as any other file.
                try:
                    source = sources[position] = prepare_source(source.data, source.filename)
                except SourceError as exc:
                    self.results[position] = FailedSource(
                        source.filename, str(exc), f"error: {exc}"
                    )
                    continue
                existing = None  # to be looked up by its title too
            if {("file", source.filename), ("title", source.title_key)} & self.pending_names:
                # It would find an article created earlier in this batch.
                self._create_pending()
                existing = None
            if existing is None:
                existing = _ExistingArticles(sources[position:])
            article = existing.find(source)
            if article is None:
                self.pending.append((position, source))
                self.pending_names |= {("file", source.filename), ("title", source.title_key)}
                continue
            result = self._check(source, article)
            if result is None:
                self._create_pending()
                result = self._replace(source, article)
                existing = None
            elif result.action == "unchanged":
                self.unchanged.append(position)
            self.results[position] = result
        self._create_pending()
        self._count_unchanged_sections()
        return [self.results[position] for position in range(len(sources))]

    def _check(self, source, existing):
        """An 'unchanged' or 'skipped' result, or None when the article is to be replaced."""
        if self.force:
            return None
        if existing.source_digest == source.digest and existing.source_file == source.filename:
            return ImportResult(source.filename, "unchanged", source.title, existing)
        if not existing.source_file:
            return ImportResult(
                source.filename,
                "skipped",
                source.title,
                existing,
                message=f"an article titled “{existing.title}” exists and was not imported "
                "from a file; use --force to replace it",
            )
        if content_digest(existing) != existing.imported_content_digest:
            return ImportResult(
                source.filename,
                "skipped",
                source.title,
                existing,
                message="changed by an editor since it was imported; use --force to overwrite",
            )
        return None

    def _count_unchanged_sections(self):
        results = [self.results[position] for position in self.unchanged]
        if not results:
            return
        counts = dict(
            Section.objects.filter(article__in=[result.article for result in results])
            .order_by()
            .values_list("article")
            .annotate(n=Count("id"))
        )
        for result in results:
            result.sections = counts.get(result.article.pk, 0)

    # --- New articles, in bulk -------------------------------------------------------

    def _create_pending(self):
        if not self.pending:
            return
        pending, self.pending, self.pending_names = self.pending, [], set()
        sources = [source for _, source in pending]
        kept = _keep_shared_tags(sources)
        tags = _tags_named(kept)
        slugs = _unique_slugs([source.slug for source in sources])
        contents = []
        for source, slug, tag_names in zip(sources, slugs, kept, strict=True):
            article = Article(
                title=source.title,
                title_key=source.title_key,
                slug=slug,
                summary=source.summary,
                summary_html=source.summary_html,
                source_file=source.filename,
                source_digest=source.digest,
            )
            if self.publish:
                article.status = Article.Status.PUBLISHED
                article.published_at = timezone.now()
            contents.append(_Content(article, source, tag_names, old_anchors={}))
        articles = [content.article for content in contents]
        _write_articles(articles)
        _write_sections(contents)
        _write_tags(contents, tags)
        _resolve_references_to(articles)
        _write_references(contents, lead=True)
        search.index_new(
            articles=[
                (content.article.pk, content.article.title, content.source.summary_text)
                for content in contents
            ],
            sections=[row for content in contents for row in content.index_rows()],
        )
        transaction.on_commit(bump_content_version)
        for (position, _), content in zip(pending, contents, strict=True):
            self.results[position] = content.result("created")
        _record_revision([content.article for content in contents])

    # --- An article replaced ---------------------------------------------------------

    def _replace(self, source, article):
        """Replace an article's content, through save() and its signals (renames and all)."""
        kept = _keep_shared_tags([source], exclude_article=article)
        tags = _tags_named(kept)
        old_anchors = dict(article.sections.values_list("heading", "anchor"))
        article.sections.all().delete()
        article.title = source.title
        article.summary = source.summary
        article.source_file = source.filename
        article.source_digest = source.digest
        if self.publish and article.status != Article.Status.PUBLISHED:
            article.status = Article.Status.PUBLISHED
            article.published_at = article.published_at or timezone.now()
        content = _Content(article, source, kept[0], old_anchors=old_anchors)
        article.save()
        TaggedArticle.objects.filter(content_object=article).delete()
        _write_sections([content])
        _write_tags([content], tags)
        _write_references([content], lead=False)  # save() wrote the lead's
        search.index_new(sections=content.index_rows())
        transaction.on_commit(bump_content_version)
        _record_revision([article])
        return content.result("updated")


class _Content:
    """
    What an import writes for one article: its sections as rows, with the
    anchors, word count and content digest they give the article.
    """

    def __init__(self, article, source, tag_names, *, old_anchors):
        self.article = article
        self.source = source
        self.article_tags, self.section_tags = tag_names
        self.sections = []  # (position, level, heading, anchor, body, body_html, word_count)
        self.section_ids = []
        taken = set()
        for position, prepared in enumerate(source.sections):
            # Headings the article had keep their anchors, so links to them keep working.
            anchor = old_anchors.get(prepared.heading, "")
            if not anchor or anchor in taken:
                anchor = first_free(prepared.anchor_base, taken)
            taken.add(anchor)
            self.sections.append(
                (
                    position,
                    prepared.level,
                    prepared.heading,
                    anchor,
                    prepared.body,
                    prepared.body_html,
                    prepared.word_count,
                )
            )
        article.word_count = sum(prepared.word_count for prepared in source.sections)
        article.imported_content_digest = _digest(
            article.title,
            article.summary,
            [
                (level, heading, anchor, body, tags)
                for (_, level, heading, anchor, body, _, _), tags in zip(
                    self.sections, self.section_tags, strict=True
                )
            ],
            self.article_tags,
        )

    def references(self, *, lead):
        """(section id or None, REFERENCE_FIELDS) of the cross-references written in it."""
        found = [(None, fields) for fields in self.source.references] if lead else []
        for pk, prepared in zip(self.section_ids, self.source.sections, strict=True):
            found += [(pk, fields) for fields in prepared.references]
        return found

    def index_rows(self):
        return [
            (pk, self.article.pk, self.article.title, prepared.heading, prepared.text)
            for pk, prepared in zip(self.section_ids, self.source.sections, strict=True)
        ]

    def result(self, action):
        return ImportResult(
            self.source.filename,
            action,
            self.source.title,
            self.article,
            len(self.sections),
            tags=sorted({name for names in self.section_tags for name in names}),
        )


# --- Rows, written with few statements -----------------------------------------------

SECTION_FIELDS = (
    "article",
    "position",
    "level",
    "heading",
    "anchor",
    "body",
    "body_html",
    "word_count",
)


def _insert(model, fields, rows, *, returning=False):
    """
    Insert rows (tuples of plain values for ``fields``) into ``model``'s table:
    no model instances, no signals, the fewest statements. With ``returning``,
    the new ids, in the order of the rows.
    """
    if not rows:
        return []
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(model._meta.get_field(name).column) for name in fields
    )
    values = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        if not returning:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES {values}", rows)
            return []
        ids = []
        size = max(1, (connection.features.max_query_params or 20000) // len(fields))
        pk = connection.ops.quote_name(model._meta.pk.column)
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            # Rows come back in the order they were written, as bulk_create relies on.
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([values] * len(chunk))} "
                f"RETURNING {pk}",
                [value for row in chunk for value in row],
            )
            ids += [row[0] for row in cursor.fetchall()]
        return ids


def _write_sections(contents):
    rows = [(content.article.pk, *section) for content in contents for section in content.sections]
    ids = iter(_insert(Section, SECTION_FIELDS, rows, returning=True))
    for content in contents:
        content.section_ids = [next(ids) for _ in content.sections]


def _write_tags(contents, tags):
    tag_ids = {name: tag.pk for name, tag in tags.items()}
    _insert(
        TaggedSection,
        ("content_object", "tag"),
        [
            (pk, tag_ids[name])
            for content in contents
            for pk, names in zip(content.section_ids, content.section_tags, strict=True)
            for name in names
        ],
    )
    _insert(
        TaggedArticle,
        ("content_object", "tag"),
        [
            (content.article.pk, tag_ids[name])
            for content in contents
            for name in content.article_tags
        ],
    )


def _write_articles(articles):
    """Insert new articles (their fields filled as save() would fill them), setting their ids."""
    fields = [field for field in Article._meta.concrete_fields if not field.primary_key]
    rows = [tuple(_db_value(field, article) for field in fields) for article in articles]
    ids = _insert(Article, [field.name for field in fields], rows, returning=True)
    for article, pk in zip(articles, ids, strict=True):
        article.pk = pk
        article._state.adding = False
        article._state.db = connection.alias


def _db_value(field, instance):
    """What an INSERT of ``instance`` stores in ``field`` (auto_now and all)."""
    value = field.pre_save(instance, add=True)
    if value is None or type(value) in (str, int):
        return value  # what get_db_prep_save would give back, at a fraction of the cost
    return field.get_db_prep_save(value, connection)


def _write_references(contents, *, lead):
    """The cross-references of new passages, pointed at the articles they name."""
    articles = [content.article for content in contents]
    references = [
        (step, content.article.pk, section_id, fields)
        for step, content in enumerate(contents)
        for section_id, fields in content.references(lead=lead)
    ]
    targets = _targets_in_order(
        [(step, fields[4], fields[5]) for step, _, _, fields in references], articles
    )
    _insert(
        CrossReference,
        ("source_article", "source_section", *REFERENCE_FIELDS, "target"),
        [
            (article_id, section_id, *fields, target)
            for (_, article_id, section_id, fields), target in zip(references, targets, strict=True)
        ],
    )


class _ExistingArticles:
    """The article each source would replace: by file name, else by title (two lookups in one)."""

    def __init__(self, sources):
        filenames = {source.filename for source in sources}
        keys = {source.title_key for source in sources if not isinstance(source, KnownSource)}
        self.by_file, self.by_key = {}, {}
        # In the default order, so that .first() of a file's articles is the one found.
        for article in Article.objects.filter(Q(source_file__in=filenames) | Q(title_key__in=keys)):
            if article.source_file in filenames:
                self.by_file.setdefault(article.source_file, article)
            if article.title_key in keys:
                self.by_key[article.title_key] = article

    def find(self, source):
        return self.by_file.get(source.filename) or self.by_key.get(source.title_key)


# --- Tags ----------------------------------------------------------------------------


def _keep_shared_tags(sources, exclude_article=None):
    """
    (article tags, section tags) kept for each source, in order: a topic to
    follow needs two passages, here or elsewhere on the site — including the
    passages of the sources before it.
    """
    names = {name for source in sources for section in source.sections for name in section.tags}
    elsewhere = TaggedSection.objects.filter(tag=OuterRef("pk"))
    if exclude_article is not None:
        elsewhere = elsewhere.exclude(content_object__article=exclude_article)
    # Whether each tag is on some other passage already: one index probe per
    # tag, not a read of every passage carrying it (that grew with the site).
    on_site = set(
        Tag.objects.filter(name__in=names).filter(Exists(elsewhere)).values_list("name", flat=True)
    )
    kept = []
    for source in sources:
        counts = {}
        for section in source.sections:
            for name in section.tags:
                counts[name] = counts.get(name, 0) + 1
        keep = {name for name, n in counts.items() if n + (name in on_site) >= 2}
        section_tags = [
            [name for name in section.tags if name in keep] for section in source.sections
        ]
        kept.append(([name for name in source.tags if name in keep], section_tags))
        on_site.update(name for names in section_tags for name in names)
    return kept


def _tags_named(kept):
    """Tags by name, creating the missing ones (with unique slugs) in the order files need them."""
    wanted = [
        {name for names in section_tags for name in names} | set(article_tags)
        for article_tags, section_tags in kept
    ]
    tags = {tag.name: tag for tag in Tag.objects.filter(name__in=set().union(*wanted))}
    for names in wanted:
        for name in sorted(names - set(tags)):
            # The names are the vocabulary's, checked when it was read; checked
            # here again because this is where the import makes tags.
            tag = Tag(name=clean_tag_name(name))
            tag.save()  # taggit's save makes a unique slug
            tags[name] = tag
    return tags


# --- Slugs ---------------------------------------------------------------------------


def _unique_slugs(bases):
    """
    Slugs for new articles, each unique among the site's and the ones before
    it: ``base``, else ``base-2``, ``base-3``… as ``unique_slug`` would choose.
    """
    candidates = {base: (base, f"{base}-2") for base in bases}
    taken = set(
        Article.objects.filter(
            slug__in={slug for names in candidates.values() for slug in names}
        ).values_list("slug", flat=True)
    )
    slugs = []
    for base in bases:
        slug = next((name for name in candidates[base] if name not in taken), None)
        if slug is None:  # both taken (rare): read every slug that starts with it
            taken |= set(
                Article.objects.filter(slug__startswith=base).values_list("slug", flat=True)
            )
            slug = first_free(base, taken)
        taken.add(slug)
        slugs.append(slug)
    return slugs


# --- Cross-references ---------------------------------------------------------------


def _resolve_references_to(articles):
    """
    Point the site's unresolved references at the new articles that name them
    (by title or slug): the first of them in import order, as saving them one
    after another would.
    """
    order = {}
    for step, article in enumerate(articles):
        order.setdefault(("key", article.title_key), (step, article.pk))
        order.setdefault(("slug", article.slug), (step, article.pk))
    waiting = CrossReference.objects.filter(target__isnull=True).filter(
        Q(target_key__in={a.title_key for a in articles})
        | Q(target_slug__in={a.slug for a in articles})
    )
    targets = []
    for pk, key, slug in waiting.values_list("pk", "target_key", "target_slug"):
        found = [order[name] for name in (("key", key), ("slug", slug)) if name in order]
        targets.append((min(found)[1], pk))
    if targets:
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {quote(CrossReference._meta.db_table)} "
                f"SET {quote(CrossReference._meta.get_field('target').column)} = %s "
                f"WHERE {quote(CrossReference._meta.pk.column)} = %s",
                targets,
            )


def _targets_in_order(references, articles):
    """
    The article each new reference points at: ``references`` as (step, target
    key, target slug), ``articles`` the batch's new ones in order (step 0, 1…).

    As when the files are imported one by one: a reference written at step
    ``n`` points at the article its title names (else its slug names) among
    those that exist by then; failing both, at the first later article that
    names it either way.
    """
    if not references:
        return []
    by_key, by_slug = {}, {}
    named = Article.objects.filter(
        Q(title_key__in={key for _, key, _ in references})
        | Q(slug__in={slug for _, _, slug in references})
    )
    for pk, key, slug in named.values_list("pk", "title_key", "slug"):
        by_key[key] = by_slug[slug] = pk  # both unique
    step_of = {article.pk: step for step, article in enumerate(articles)}
    targets = []
    for step, key, slug in references:
        candidates = [pk for pk in (by_key.get(key), by_slug.get(slug)) if pk is not None]
        existing = [pk for pk in candidates if step_of.get(pk, -1) <= step]
        if existing:
            targets.append(existing[0])
        elif candidates:
            targets.append(min(candidates, key=step_of.__getitem__))
        else:
            targets.append(None)
    return targets


# --- Search and history ------------------------------------------------------------


def _record_revision(articles):
    # The admin's upload imports inside a revision: record what was imported.
    if reversion.is_active():
        for article in articles:
            reversion.add_to_revision(article)
