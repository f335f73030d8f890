"""
The "Link health" page: wanted, orphaned and dead-end articles, passages
without a topic and topics on a single article (editorial/link_health.py).
"""

from django.core.exceptions import PermissionDenied
from django.urls import path

from ..editorial.link_health import link_health
from .pages import admin_page


class LinkHealthAdminMixin:
    """The article admin's link health page (articles_article_link_health)."""

    def get_urls(self):
        view = self.admin_site.admin_view(self.link_health_view)
        return [
            path("link-health/", view, name="articles_article_link_health"),
            *super().get_urls(),
        ]

    def link_health_view(self, request):
        """Where the web of published articles is thin, for editors to mend."""
        if not request.user.has_perm("articles.view_article"):
            raise PermissionDenied
        return admin_page(
            self,
            request,
            "admin/articles/link_health.html",
            "Link health",
            health=link_health(),
        )
