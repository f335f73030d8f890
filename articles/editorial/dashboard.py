"""
The editor's dashboard, the admin's first page: the drafts this editor
worked on, what is scheduled and when, what changed lately and who changed
it, the titles most wanted, the counts of each state and the link health
counts (``editorial.link_health``). A fixed number of queries, whatever the
size of the site: every list is cut at ``PANEL_ROWS`` and counted in the
database.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, Min, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.utils import timezone
from reversion.models import Version

from ..models import Article, CrossReference
from .link_health import link_health_counts

PANEL_ROWS = 8


@dataclass(frozen=True)
class WantedTitle:
    title: str
    wanted_by: int  # articles whose passages name it


@dataclass(frozen=True)
class Dashboard:
    counts: dict
    my_drafts: list
    scheduled: list
    recent: list
    wanted: list
    wanted_total: int
    health: dict


def _article_versions():
    return Version.objects.filter(content_type=ContentType.objects.get_for_model(Article))


def _pk_as_text(field="pk"):
    # Version.object_id is text; comparing the article's id as text works on
    # every database without casting another model's ids.
    return Cast(field, output_field=CharField())


def state_counts():
    """Drafts, scheduled and published articles: one query."""
    now = timezone.now()
    published = Q(status=Article.Status.PUBLISHED)
    return Article.objects.aggregate(
        drafts=Count("pk", filter=Q(status=Article.Status.DRAFT)),
        scheduled=Count("pk", filter=published & Q(published_at__gt=now)),
        published=Count("pk", filter=published & Q(published_at__lte=now)),
    )


def my_drafts(user, rows=PANEL_ROWS):
    """Drafts with a version saved by ``user``, the latest changed first: one query."""
    mine = _article_versions().filter(revision__user=user).values("object_id")
    return list(
        Article.objects.drafts()
        .alias(pk_text=_pk_as_text())
        .filter(pk_text__in=mine)
        .order_by("-updated_at")
        .only("pk", "title", "updated_at")[:rows]
    )


def scheduled(rows=PANEL_ROWS):
    """Articles waiting to appear, the soonest first: one query."""
    return list(
        Article.objects.scheduled()
        .order_by("published_at")
        .only("pk", "title", "published_at")[:rows]
    )


def recently_changed(rows=PANEL_ROWS):
    """
    The articles changed last, each with ``changed_by`` (the user of its
    latest version, or None): two queries.
    """
    latest_user = (
        _article_versions()
        .filter(object_id=_pk_as_text(OuterRef("pk")))
        .order_by("-pk")
        .values("revision__user")[:1]
    )
    articles = list(
        Article.objects.annotate(changed_by_id=Subquery(latest_user))
        .order_by("-updated_at")
        .only("pk", "title", "status", "published_at", "updated_at")[:rows]
    )
    user_ids = {article.changed_by_id for article in articles if article.changed_by_id}
    users = get_user_model().objects.in_bulk(user_ids) if user_ids else {}
    for article in articles:
        article.changed_by = users.get(article.changed_by_id)
    return articles


def most_wanted(rows=PANEL_ROWS):
    """The titles most wanted, with how many articles want each: one query."""
    top = (
        CrossReference.objects.filter(target__isnull=True)
        .values("target_key")
        .annotate(title=Min("target_title"), wanted_by=Count("source_article", distinct=True))
        .order_by("-wanted_by", "target_key")[:rows]
    )
    return [WantedTitle(row["title"], row["wanted_by"]) for row in top]


def dashboard_for(user):
    """Everything the dashboard shows to ``user``."""
    health = link_health_counts()
    return Dashboard(
        counts=state_counts(),
        my_drafts=my_drafts(user),
        scheduled=scheduled(),
        recent=recently_changed(),
        wanted=most_wanted(),
        wanted_total=health["wanted"],
        health=health,
    )
