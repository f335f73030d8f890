from django.core.management.base import BaseCommand
from django.db import transaction

from articles.content.mentions import refresh_mentions
from articles.models import UnlinkedMention


class Command(BaseCommand):
    help = (
        "Find the unlinked mentions in every passage again: the titles of published "
        "articles and the names of topics that passages name without linking or tagging "
        "them. Saves do this for what they change; run it once after the table is created, "
        "or after rows were written raw (a backup load)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count the mentions, but save nothing."
        )

    def handle(self, *args, dry_run=False, verbosity=1, **options):
        before = UnlinkedMention.objects.count()
        with transaction.atomic():
            found = refresh_mentions()
            if dry_run:
                transaction.set_rollback(True)
        if verbosity >= 1:
            prefix = "Dry run, nothing saved: " if dry_run else ""
            self.stdout.write(
                self.style.SUCCESS(f"{prefix}{found} unlinked mentions found ({before} before).")
            )
