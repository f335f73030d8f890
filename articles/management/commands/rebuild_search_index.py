from django.core.management.base import BaseCommand
from django.db import connection, transaction

from articles.search import TABLE, rebuild_index


class Command(BaseCommand):
    help = (
        "Rebuild the full-text search index from every article and section, in one "
        "transaction (searches see the old index until it commits). Saves keep the index "
        "right on their own; run this after loading data with signals off (loaddata) or "
        "after changing how text is indexed."
    )

    def handle(self, *args, verbosity=1, **options):
        with transaction.atomic():
            articles, sections = rebuild_index()
        if connection.vendor == "postgresql":
            # Fresh word statistics: they decide whether a search walks the
            # newest rows or the GIN index.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {TABLE}")
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Search index rebuilt: {articles} articles and {sections} sections indexed."
                )
            )
