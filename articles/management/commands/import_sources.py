from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.content import derived, mentions
from articles.content.references import count_cross_references
from articles.sources import importer
from articles.sources.outline import SourceError
from articles.sources.prepare import FailedSource, default_jobs, prepared_in_order
from articles.sources.tagging import load_vocabulary

DEFAULT_SOURCES = Path(__file__).resolve().parents[2] / "sources" / "texts"


class Command(BaseCommand):
    help = (
        "Import article source texts (title, lead, headings, lists, See also lines) as "
        "articles with their sections, tags and cross-references. Files are read and "
        "parsed in worker processes and saved in batches, one transaction per batch, with "
        "the results of importing them one by one: a file with an error changes nothing. "
        "Defaults to the project's own sources."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="*", help=f"Files or folders of .txt files (default: {DEFAULT_SOURCES})"
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Overwrite articles an editor has changed since their import.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Parse and report, but save nothing."
        )
        parser.add_argument(
            "--draft", action="store_true", help="Create new articles as drafts, not published."
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=default_jobs(),
            help="Worker processes that read and parse the files (default: the number of "
            "CPUs; small imports run in this process).",
        )

    def handle(
        self,
        *args,
        paths=(),
        force=False,
        dry_run=False,
        draft=False,
        jobs=None,
        verbosity=1,
        **options,
    ):
        files = self._collect(paths or [str(DEFAULT_SOURCES)])
        if not files:
            raise CommandError("No source files found.")
        if jobs is not None and jobs < 1:
            raise CommandError("--jobs must be at least 1.")
        jobs = default_jobs() if jobs is None else jobs
        try:
            # Every file is tagged from it: a bad entry stops the run before any file.
            load_vocabulary()
        except SourceError as error:
            raise CommandError(f"The topic vocabulary cannot be used: {error}") from None
        self.totals = {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0}
        self.sections = 0
        self.tags = set()
        self.errors = []
        self.verbosity = verbosity
        self.done = 0
        self.progress = f"[{{:>{len(str(len(files)))}}}/{len(files)}]"
        batch = []
        # A re-run parses only what changed: files with the bytes last imported are known.
        items = files if force else importer.known_sources(files)
        # The unlinked mentions are found once, after the last batch.
        with mentions.gathered(jobs=jobs):
            for prepared in prepared_in_order(items, count=len(files), jobs=jobs):
                batch.append(prepared)
                if len(batch) >= importer.BATCH_SIZE:
                    self._import(batch, force=force, dry_run=dry_run, publish=not draft)
                    batch = []
            self._import(batch, force=force, dry_run=dry_run, publish=not draft)
        if not dry_run:
            # Batches rank the passages of their rarer topics; the common ones, queued
            # meanwhile, once here, so that the import leaves no page ranking live.
            derived.refresh_stale()

        resolved, unresolved = count_cross_references()
        prefix = "Dry run, nothing saved: " if dry_run else ""
        if verbosity >= 1:
            totals = self.totals
            self.stdout.write(
                f"{prefix}{totals['created']} created, {totals['updated']} updated, "
                f"{totals['unchanged']} unchanged, {totals['skipped']} skipped, "
                f"{len(self.errors)} failed; {self.sections} sections and {len(self.tags)} "
                f"tags written; cross-references: {resolved} resolved, {unresolved} unresolved."
            )
        if self.errors:
            raise CommandError(f"{len(self.errors)} file(s) could not be imported (see above).")

    def _import(self, batch, **options):
        """Import a batch; report each file in order, once its result is committed."""
        numbered = list(enumerate(batch, start=self.done + 1))
        self.done += len(batch)
        sources = [prepared for prepared in batch if not isinstance(prepared, FailedSource)]
        results = importer.import_batch(sources, **options)
        for number, prepared in numbered:
            if isinstance(prepared, FailedSource):
                self.errors.append(prepared.error)
                self.stderr.write(self.style.ERROR(prepared.message))
            else:
                self._report(number, next(results))

    def _report(self, number, result):
        if isinstance(result, FailedSource):
            self.errors.append(result.error)
            self.stderr.write(self.style.ERROR(result.message))
            return
        self.totals[result.action] += 1
        self.sections += result.sections if result.action in {"created", "updated"} else 0
        self.tags.update(result.tags)
        if self.verbosity >= 1:
            line = f"{self.progress.format(number)} {result.filename}: {result.action}"
            if result.action in {"created", "updated"}:
                line += f" “{result.title}” ({result.sections} sections)"
            if result.message:
                line += f" — {result.message}"
            style = self.style.WARNING if result.action == "skipped" else self.style.SUCCESS
            self.stdout.write(style(line) if result.action != "unchanged" else line)

    def _collect(self, paths):
        files = []
        for raw in paths:
            path = Path(raw)
            if path.is_dir():
                files.extend(
                    sorted(p for p in path.iterdir() if p.suffix == ".txt" and p.is_file())
                )
            elif path.exists():
                files.append(path)
            else:
                raise CommandError(f"{raw}: no such file or folder")
        return files
