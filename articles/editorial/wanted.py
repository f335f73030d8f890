"""
Wanted articles: titles that passages refer to ([[Title]] or "See also")
which no article has yet, and starting a draft for one.
"""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from ..content.rendering import normalize_title
from ..models import Article, CrossReference


class EditorialError(ValueError):
    """A request an editor made that cannot be carried out; the message says why."""


@dataclass
class WantedArticle:
    """A title other passages refer to, which no article has yet."""

    title: str
    key: str
    references: list = field(default_factory=list)

    @property
    def count(self):
        return len(self.references)

    @property
    def source_articles(self):
        return list(dict.fromkeys(r.source_article for r in self.references))


def wanted_articles():
    """Titles named by unresolved cross-references, the most wanted first. One query."""
    references = (
        CrossReference.objects.filter(target__isnull=True)
        .select_related("source_article", "source_section")
        .order_by("target_key", "source_article__title", "position", "pk")
    )
    wanted = {}
    for reference in references:
        entry = wanted.get(reference.target_key)
        if entry is None:
            entry = wanted[reference.target_key] = WantedArticle(
                title=reference.target_title, key=reference.target_key
            )
        entry.references.append(reference)
    return sorted(wanted.values(), key=lambda w: (-w.count, w.key))


@transaction.atomic
def create_wanted_draft(*, title):
    """
    Create a draft article with a wanted title; the save signals point the
    references that name it at it. Refuses a title that is not wanted any
    more or that an article has already (as references match titles: by
    their normalised key).
    """
    title = " ".join((title or "").split())
    if not title:
        raise EditorialError("No title was given.")
    key = normalize_title(title)
    existing = Article.objects.filter(title_key=key).first()
    if existing is not None:
        raise EditorialError(f"An article titled “{existing.title}” exists already.")
    if not CrossReference.objects.filter(target__isnull=True, target_key=key).exists():
        raise EditorialError(f"No passage refers to “{title}” any more.")
    try:
        with transaction.atomic():
            return Article.objects.create(title=title, status=Article.Status.DRAFT, summary="")
    except IntegrityError:
        raise EditorialError(f"An article titled “{title}” exists already.") from None
