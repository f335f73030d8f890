"""
An article's fields that follow from its sections: the word count and the
time of the last change. Kept by the section save and delete handlers.
"""

from django.db.models import Sum
from django.utils import timezone

from ..models import Article, Section


def touch(article):
    """Mark an article as changed now (a change to one of its sections changes it)."""
    now = timezone.now()
    Article.objects.filter(pk=article.pk).update(updated_at=now)
    article.updated_at = now


def update_word_count(article):
    total = Section.objects.filter(article=article).aggregate(n=Sum("word_count"))["n"] or 0
    Article.objects.filter(pk=article.pk).update(word_count=total)
    article.word_count = total
