from django.core.management.base import BaseCommand
from django.db import transaction

from articles.editorial.roles import (
    EDITORS_GROUP,
    editor_permission_codenames,
    ensure_editors_group,
)


class Command(BaseCommand):
    help = (
        "Create the Editors group, or bring its permissions back to exactly those an editor "
        "needs (articles, sections, tags, cross-references, preview links; publishing)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what would change without saving it.",
        )

    def handle(self, *args, dry_run=False, verbosity=1, **options):
        from django.contrib.auth.models import Group

        before = set()
        existing = Group.objects.filter(name=EDITORS_GROUP).first()
        if existing is not None:
            before = set(existing.permissions.values_list("content_type__app_label", "codename"))
        with transaction.atomic():
            group = ensure_editors_group()
            after = set(group.permissions.values_list("content_type__app_label", "codename"))
            if dry_run:
                transaction.set_rollback(True)
        missing = set(editor_permission_codenames()) - after
        added, removed = after - before, before - after
        verb = "Would update" if dry_run else ("Updated" if existing else "Created")
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} the {EDITORS_GROUP} group: {len(after)} permissions "
                f"({len(added)} added, {len(removed)} removed)."
            )
        )
        if verbosity >= 2:
            for app_label, codename in sorted(added):
                self.stdout.write(f"  + {app_label}.{codename}")
            for app_label, codename in sorted(removed):
                self.stdout.write(f"  - {app_label}.{codename}")
        for app_label, codename in sorted(missing):
            self.stderr.write(
                self.style.WARNING(
                    f"Permission {app_label}.{codename} does not exist; run migrate."
                )
            )
