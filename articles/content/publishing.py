"""
Publishing: the one place that moves an article between draft, scheduled and
published. The admin (actions and the change form), the importer and the
shell all call these; ``Article.objects.published()``, ``scheduled()`` and
``drafts()`` read the states back.
"""

from django.db import transaction
from django.utils import timezone

from ..models import Article


class PublishingError(ValueError):
    """A publishing request that cannot be carried out; the message is for the editor."""


@transaction.atomic
def publish(*, article, when=None):
    """
    Publish ``article`` now, or at ``when`` if that lies in the future.

    Without ``when``, an article scheduled for later is published now, and
    one published before keeps its original date.
    """
    mark_published(article=article, when=when)
    article.save()
    return article


def mark_published(*, article, when=None):
    """What ``publish`` changes on ``article``, without saving it: for an import's bulk writes."""
    now = timezone.now()
    article.status = Article.Status.PUBLISHED
    if when is not None:
        article.published_at = when
    elif article.published_at is None or article.published_at > now:
        article.published_at = now
    return article


@transaction.atomic
def schedule(*, articles, when):
    """Publish every one of ``articles`` at ``when``, a moment in the future."""
    if when <= timezone.now():
        raise PublishingError("A scheduled date must lie in the future.")
    for article in articles:
        publish(article=article, when=when)
    return len(articles)


@transaction.atomic
def unpublish(*, article):
    """Make ``article`` a draft again; readers no longer see it."""
    article.status = Article.Status.DRAFT
    article.save()
    return article
