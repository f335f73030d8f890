from django.core.management.base import BaseCommand
from django.db import transaction

from ...content import derived
from ...models import StaleSection, StaleTopic


class Command(BaseCommand):
    help = (
        "Rank again the related passages queued by writes that touched a tag carried by "
        "many passages (until then their pages rank them as they are read). With --all, "
        "rank every section and link every article again, as after loading a database "
        "written before the derived data existed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="Redo all derived data, not just the queue."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what is queued; change nothing."
        )

    def handle(self, *args, all=False, dry_run=False, verbosity=1, **options):
        if dry_run:
            self.stdout.write(
                f"{StaleTopic.objects.count()} topics and {StaleSection.objects.count()} "
                "sections queued; nothing changed."
            )
            return
        with transaction.atomic():
            if all:
                derived.refresh_all()
                message = "All related passages ranked and neighbours linked again."
            else:
                message = f"{derived.refresh_stale()} sections ranked again."
        if verbosity:
            self.stdout.write(self.style.SUCCESS(message))
