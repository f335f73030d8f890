from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.services import count_cross_references
from articles.sources.importer import import_source
from articles.sources.outline import SourceError

DEFAULT_SOURCES = Path(__file__).resolve().parents[2] / "sources" / "texts"


class Command(BaseCommand):
    help = (
        "Import article source texts (title, lead, headings, lists, See also lines) as "
        "articles with their sections, tags and cross-references. One transaction per "
        "file: a file with an error changes nothing. Defaults to the project's own sources."
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

    def handle(self, *args, paths=(), force=False, dry_run=False, draft=False, verbosity=1, **options):
        files = self._collect(paths or [str(DEFAULT_SOURCES)])
        if not files:
            raise CommandError("No source files found.")
        totals = {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0}
        sections = 0
        tags = set()
        errors = []
        width = len(str(len(files)))
        for number, path in enumerate(files, start=1):
            try:
                result = import_source(
                    data=path.read_bytes(),
                    filename=path.name,
                    force=force,
                    dry_run=dry_run,
                    publish=not draft,
                )
            except SourceError as exc:
                errors.append(str(exc))
                self.stderr.write(self.style.ERROR(f"error: {exc}"))
                continue
            except OSError as exc:
                errors.append(f"{path}: {exc.strerror}")
                self.stderr.write(self.style.ERROR(f"error: {path}: cannot read ({exc.strerror})"))
                continue
            totals[result.action] += 1
            sections += result.sections if result.action in {"created", "updated"} else 0
            tags.update(result.tags)
            if verbosity >= 1:
                progress = f"[{number:>{width}}/{len(files)}]"
                line = f"{progress} {path.name}: {result.action}"
                if result.action in {"created", "updated"}:
                    line += f" “{result.title}” ({result.sections} sections)"
                if result.message:
                    line += f" — {result.message}"
                style = self.style.WARNING if result.action == "skipped" else self.style.SUCCESS
                self.stdout.write(style(line) if result.action != "unchanged" else line)

        resolved, unresolved = count_cross_references()
        prefix = "Dry run, nothing saved: " if dry_run else ""
        if verbosity >= 1:
            self.stdout.write(
                f"{prefix}{totals['created']} created, {totals['updated']} updated, "
                f"{totals['unchanged']} unchanged, {totals['skipped']} skipped, "
                f"{len(errors)} failed; {sections} sections and {len(tags)} tags written; "
                f"cross-references: {resolved} resolved, {unresolved} unresolved."
            )
        if errors:
            raise CommandError(f"{len(errors)} file(s) could not be imported (see above).")

    def _collect(self, paths):
        files = []
        for raw in paths:
            path = Path(raw)
            if path.is_dir():
                files.extend(sorted(p for p in path.iterdir() if p.suffix == ".txt" and p.is_file()))
            elif path.exists():
                files.append(path)
            else:
                raise CommandError(f"{raw}: no such file or folder")
        return files
