from django.core.management.base import BaseCommand

from articles.backup import dumps, export_content, write_export


class Command(BaseCommand):
    help = (
        "Write all content (articles, sections, tags and their topic descriptions, "
        "taggings, cross-references) as "
        "deterministic JSON, without database ids, for backup or moving to a fresh "
        "database with import_content."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Read all content and report what would be written, but write no file.",
        )

    def handle(self, *args, output=None, dry_run=False, verbosity=1, **options):
        data = export_content()
        if not output and not dry_run:
            self.stdout.write(dumps(data), ending="")
            return
        if not dry_run:
            write_export(path=output, data=data)
        if verbosity >= 1:
            sections = sum(len(article["sections"]) for article in data["articles"])
            described = sum(1 for tag in data["tags"] if "description" in tag)
            summary = (
                f"{len(data['articles'])} articles, {sections} sections and "
                f"{len(data['tags'])} tags ({described} with a description)"
            )
            if dry_run:
                self.stdout.write(f"Dry run, nothing written: would export {summary}.")
            else:
                self.stdout.write(self.style.SUCCESS(f"Exported {summary} to {output}."))
