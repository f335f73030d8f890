from django.core.management.base import BaseCommand
from taggit.models import Tag

from articles.content import tag_usage


class Command(BaseCommand):
    help = (
        "Count every tag's usage (the counts the topic pages show) from scratch and store "
        "the rows that differ. Writes keep the counts right on their own; run this after "
        "changing taggings with signals off (loaddata, a raw SQL fix), or with --dry-run to "
        "check that nothing drifted."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Report the rows that differ; change nothing."
        )

    def handle(self, *args, dry_run=False, verbosity=1, **options):
        wrong = tag_usage.repair(dry_run=dry_run)
        names = dict(Tag.objects.filter(pk__in=wrong).values_list("pk", "name"))
        if verbosity >= 2:
            for tag_id, (stored, counted) in wrong.items():
                self.stdout.write(
                    f"{names.get(tag_id, tag_id)}: stored {stored}, counted {counted}"
                )
        if verbosity >= 1:
            verb = "differ" if dry_run else "corrected"
            style = self.style.WARNING if wrong and dry_run else self.style.SUCCESS
            self.stdout.write(
                style(f"Tag usage: {len(wrong)} of {Tag.objects.count()} rows {verb}.")
            )
