from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from articles.content.mentions import drain_pending, refresh_mentions
from articles.models import UnlinkedMention
from articles.sources.prepare import default_jobs


class Command(BaseCommand):
    help = (
        "Find the unlinked mentions in every passage again: the titles of published "
        "articles and the names of topics that passages name without linking or tagging "
        "them. Saves do this for what they change; run it once after the table is created, "
        "or after rows were written raw (a backup load). With --pending, look only for the "
        "changed names still waiting (those that may stand in more passages than a save "
        "reads at once): run it every few minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count the mentions, but save nothing."
        )
        parser.add_argument(
            "--pending", action="store_true", help="Look only for the names still waiting."
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=default_jobs(),
            help="Processes reading the passages of a large site (default: one per CPU).",
        )

    def handle(self, *args, dry_run=False, pending=False, jobs=1, verbosity=1, **options):
        if jobs < 1:
            raise CommandError("--jobs must be at least 1.")
        if pending:
            left = drain_pending(jobs=jobs)
            if verbosity >= 1:
                self.stdout.write(self.style.SUCCESS(f"Waiting names looked for; {left} left."))
            return
        before = UnlinkedMention.objects.count()
        with transaction.atomic():
            found = refresh_mentions(jobs=jobs)
            if dry_run:
                transaction.set_rollback(True)
        if verbosity >= 1:
            prefix = "Dry run, nothing saved: " if dry_run else ""
            self.stdout.write(
                self.style.SUCCESS(f"{prefix}{found} unlinked mentions found ({before} before).")
            )
