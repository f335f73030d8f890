"""
Draft previews. Editors who may read articles see any article at
/preview/articles/<slug>/; a reviewer without an account sees one article
through a signed, expiring, revocable link at /preview/<token>/. Both show
the public article page with a banner, never indexed or cached on the way.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.cache import add_never_cache_headers

from ..models import Article
from ..reading.views import render_article
from .preview_links import PreviewLinkGone, PreviewLinkInvalid, preview_link_for_token

GONE_TEMPLATE = "admin/articles/preview/gone.html"


def may_preview(user):
    """
    Whether ``user`` may read drafts: a member of staff who may view or change
    articles. Being staff alone only opens the admin's door, not its content.
    """
    return (
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and (user.has_perm("articles.view_article") or user.has_perm("articles.change_article"))
    )


def _article_queryset():
    return Article.objects.prefetch_related("tags", "sections__tags")


def _private(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    # A token in the address must not travel on to the sites the article links to.
    response["Referrer-Policy"] = "no-referrer"
    add_never_cache_headers(response)
    return response


def _banner(article):
    if article.is_scheduled:
        return (
            f"Draft preview — scheduled for {article.published_at:%d %B %Y, %H:%M}; not public yet."
        )
    if article.is_public:
        return "Draft preview — this article is published; readers see the public page."
    return "Draft preview — not published; readers cannot see this page."


def _render(request, article):
    return _private(render_article(request, article, preview_banner=_banner(article), noindex=True))


def staff_preview(request, slug):
    """Any article, in any state, for an editor who may read articles. 404 for everyone else."""
    if not may_preview(request.user):
        raise Http404("No such page.")
    return _render(request, get_object_or_404(_article_queryset(), slug=slug))


def shared_preview(request, token):
    """The one article a preview link was made for, while the link is active."""
    try:
        link = preview_link_for_token(token)
    except PreviewLinkInvalid:
        raise Http404("No such preview.") from None
    except PreviewLinkGone as gone:
        return _private(render(request, GONE_TEMPLATE, {"reason": str(gone)}, status=410))
    return _render(request, _article_queryset().get(pk=link.article_id))
