"""
Draft previews. Staff see any article at /preview/articles/<slug>/; a reviewer
without an account sees one article through a signed, expiring, revocable
link at /preview/<token>/. Neither is ever indexed or cached by the way.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.cache import add_never_cache_headers

from ..models import Article
from . import services as editorial

FALLBACK_TEMPLATE = "admin/articles/preview/article.html"
GONE_TEMPLATE = "admin/articles/preview/gone.html"


def _article_queryset():
    return Article.objects.prefetch_related("tags", "sections__tags")


def _private(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    # A token in the address must not travel on to the sites the article links to.
    response["Referrer-Policy"] = "no-referrer"
    add_never_cache_headers(response)
    return response


def _render(request, article, banner):
    try:
        from ..reading.views import render_article
    except ImportError:
        render_article = None
    if render_article is not None:
        response = render_article(request, article, preview_banner=banner, noindex=True)
    else:
        # Until the public page's renderer exists: a plain page of our own.
        response = render(
            request,
            FALLBACK_TEMPLATE,
            {"article": article, "sections": article.sections.all(), "preview_banner": banner},
        )
    return _private(response)


def _banner(article):
    if article.is_scheduled:
        return (
            f"Draft preview — scheduled for {article.published_at:%d %B %Y, %H:%M}; not public yet."
        )
    if article.is_public:
        return "Draft preview — this article is published; readers see the public page."
    return "Draft preview — not published; readers cannot see this page."


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


def staff_preview(request, slug):
    """Any article, in any state, for an editor who may read articles. 404 for everyone else."""
    if not may_preview(request.user):
        raise Http404("No such page.")
    article = get_object_or_404(_article_queryset(), slug=slug)
    return _render(request, article, _banner(article))


def shared_preview(request, token):
    """The one article a preview link was made for, while the link is active."""
    try:
        link = editorial.preview_link_for_token(token)
    except editorial.PreviewLinkInvalid:
        raise Http404("No such preview.") from None
    except editorial.PreviewLinkGone as gone:
        response = render(request, GONE_TEMPLATE, {"reason": str(gone)}, status=410)
        return _private(response)
    article = _article_queryset().get(pk=link.article_id)
    return _render(request, article, _banner(article))
