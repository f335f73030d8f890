from django.core.management.base import BaseCommand, CommandError

from articles.backup import ContentConflict, ContentFileError, load_content, read_content_file


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
            result = load_content(
                data=read_content_file(path=file), replace=replace, dry_run=dry_run
            )
        except ContentConflict as exc:
            for conflict in exc.conflicts:
                self.stderr.write(self.style.ERROR(f"conflict: {conflict}"))
            raise CommandError(f"{exc}; nothing was saved. Use --replace to overwrite.") from exc
        except ContentFileError as exc:
            raise CommandError(f"{file}: {exc}; nothing was saved.") from exc
        if verbosity >= 1:
            prefix = "Dry run, nothing saved: " if dry_run else ""
            self.stdout.write(
                self.style.SUCCESS(
                    f"{prefix}{result.created} articles created, {result.replaced} replaced, "
                    f"{result.unchanged} unchanged; {result.tags} tags, "
                    f"{result.descriptions} with a description."
                )
            )
