from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Derived data comes from one set of functions on every path. The
        # models' save() (through prepare()) renders the HTML and fills keys
        # and slugs; the handlers in content/signals.py then rebuild the
        # cross-references, word counts, search index and cache version after
        # each save or delete of one object: the admin, the shell, a backup
        # load, an imported article replaced, a revert (repaired by saving
        # again, editorial.versions.repair_after_revert). An import's bulk
        # creation of new articles sends no per-object signals: the import
        # service calls the same prepare(), references, search and caching
        # functions itself. Raw saves (loaddata, reversion's own writes) are
        # skipped by the handlers.
        from django.db.models.signals import post_migrate

        from .content import mentions, signals, tag_usage  # noqa: F401
        from .editorial.roles import on_post_migrate

        post_migrate.connect(on_post_migrate, sender=self)
