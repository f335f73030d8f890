from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Derived data (rendered HTML, cross-references, search index, cache
        # version) is kept up to date by signal handlers, so every save path
        # — admin, import, shell — goes through the same rules.
        from django.db.models.signals import post_migrate

        from .content import signals  # noqa: F401
        from .editorial.roles import on_post_migrate

        post_migrate.connect(on_post_migrate, sender=self)
