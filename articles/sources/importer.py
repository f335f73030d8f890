"""
The import service: saves prepared sources (see prepare.py) as Articles with
their Sections, tags and cross-references. Used by ``import_sources``, the
admin's upload and the tests alike.

Files are imported in batches, one transaction per batch, with the same
results as importing them one at a time in order: the new articles of a run
of files are written together (writing.py) until a file would find one of
them, and an article that a file replaces is saved on its own, after the
new ones before it. A file with the very bytes its article was imported
from is found unchanged without being parsed (``known_sources``).
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q

from ..content import derived, mentions, tag_usage
from ..content.text import ArticleContent
from ..models import Article, Section
from . import writing
from .outline import SourceError
from .prepare import FailedSource, KnownSource, prepare_source, source_digest

__all__ = [
    "ImportResult",
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


@dataclass
class _Pending:
    """New articles waiting to be written together, and the names a later file finds them by."""

    positions: list[int] = field(default_factory=list)
    sources: list = field(default_factory=list)
    filenames: set[str] = field(default_factory=set)
    title_keys: set[str] = field(default_factory=set)

    def add(self, position, source):
        self.positions.append(position)
        self.sources.append(source)
        self.filenames.add(source.filename)
        self.title_keys.add(source.title_key)

    def would_find(self, source):
        """Whether ``source`` would replace one of these, were they written already."""
        if source.filename in self.filenames:
            return True
        # A KnownSource is looked up by its file's name only.
        return not isinstance(source, KnownSource) and source.title_key in self.title_keys


class _Batch:
    """One transaction's worth of sources, imported as one after another would be."""

    def __init__(self, *, force, publish):
        self.force = force
        self.publish = publish
        self.results = {}  # position in the batch → ImportResult or FailedSource
        self.pending = _Pending()
        self.existing = None  # _ExistingArticles, read again after each write

    def run(self, sources):
        sources = list(sources)
        for position, source in enumerate(sources):
            if isinstance(source, KnownSource):
                source = self._known(position, source, sources)
                if source is None:
                    continue
            if self.pending.would_find(source):
                self._create_pending()
            article = self._existing(sources[position:]).find(source)
            if article is None:
                self.pending.add(position, source)
                continue
            result = self._check(source, article)
            if result is None:
                self._create_pending()
                write = writing.replace_article(source, article, publish=self.publish)
                result = _result(write, "updated")
                self.existing = None
            self.results[position] = result
        self._create_pending()
        self._count_unchanged_sections()
        self._mentions_changed()
        derived.after_import(results=self.results.values())
        tag_usage.after_import(results=self.results.values())
        return [self.results[position] for position in range(len(sources))]

    def _mentions_changed(self):
        # Articles created in bulk send no save signals: their passages, and
        # the passages that may name their titles and topics, are looked at
        # again once the batch commits.
        written = [
            result
            for result in self.results.values()
            if isinstance(result, ImportResult) and result.action in {"created", "updated"}
        ]
        mentions.mentions_changed(
            article_ids=[result.article.pk for result in written if result.article],
            names=[name for result in written for name in [result.title, *result.tags]],
        )

    def _known(self, position, source, sources):
        """The PreparedSource to import for a KnownSource, or None once its result is set."""
        if self.pending.would_find(source):
            self._create_pending()
        article = self._existing(sources[position:]).by_file.get(source.filename)
        if not self.force and article is not None and article.source_digest == source.digest:
            self.results[position] = ImportResult(
                filename=source.filename, action="unchanged", title=article.title, article=article
            )
            return None
        # Changed earlier in this run: import it as any other file.
        try:
            prepared = sources[position] = prepare_source(source.data, source.filename)
        except SourceError as exc:
            self.results[position] = FailedSource(source.filename, str(exc), f"error: {exc}")
            return None
        self.existing = None  # to be looked up by its title too
        return prepared

    def _existing(self, sources):
        if self.existing is None:
            self.existing = _ExistingArticles(sources)
        return self.existing

    def _check(self, source, existing):
        """An 'unchanged' or 'skipped' result, or None when the article is to be replaced."""
        if self.force:
            return None
        if existing.source_digest == source.digest and existing.source_file == source.filename:
            return ImportResult(
                filename=source.filename, action="unchanged", title=source.title, article=existing
            )
        if not existing.source_file:
            return ImportResult(
                filename=source.filename,
                action="skipped",
                title=source.title,
                article=existing,
                message=f"an article titled “{existing.title}” exists and was not imported "
                "from a file; use --force to replace it",
            )
        if ArticleContent.from_article(existing).digest() != existing.imported_content_digest:
            return ImportResult(
                filename=source.filename,
                action="skipped",
                title=source.title,
                article=existing,
                message="changed by an editor since it was imported; use --force to overwrite",
            )
        return None

    def _create_pending(self):
        if not self.pending.sources:
            return
        pending, self.pending = self.pending, _Pending()
        writes = writing.create_articles(pending.sources, publish=self.publish)
        for position, write in zip(pending.positions, writes, strict=True):
            self.results[position] = _result(write, "created")
        self.existing = None

    def _count_unchanged_sections(self):
        unchanged = [
            result
            for result in self.results.values()
            if isinstance(result, ImportResult) and result.action == "unchanged"
        ]
        if not unchanged:
            return
        counts = dict(
            Section.objects.filter(article__in=[result.article for result in unchanged])
            .order_by()
            .values_list("article")
            .annotate(n=Count("id"))
        )
        for result in unchanged:
            result.sections = counts.get(result.article.pk, 0)


def _result(write, action):
    return ImportResult(
        filename=write.source.filename,
        action=action,
        title=write.source.title,
        article=write.article,
        sections=len(write.sections),
        tags=sorted({name for names in write.tags.sections for name in names}),
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
