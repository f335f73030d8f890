from django.core.management.base import BaseCommand

from articles.search import rebuild_index


class Command(BaseCommand):
    help = (
        "Rebuild the full-text search index from every article and section, in one "
        "transaction (searches see the old index until it commits). Saves keep the index "
        "right on their own; run this after loading data with signals off (loaddata) or "
        "after changing how text is indexed."
    )

    def handle(self, *args, verbosity=1, **options):
        articles, sections = rebuild_index()
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Search index rebuilt: {articles} articles and {sections} sections indexed."
                )
            )
