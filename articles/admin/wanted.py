"""
The "Wanted articles" page: titles passages refer to that no article has yet,
with a button that starts a draft for one (editorial/wanted.py).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path

from ..editorial.wanted import EditorialError, create_wanted_draft, wanted_articles
from .pages import admin_page
from .revisions import recorded_revision


class WantedArticlesAdminMixin:
    """The article admin's wanted-articles page (articles_article_wanted)."""

    def get_urls(self):
        view = self.admin_site.admin_view(self.wanted_view)
        return [path("wanted/", view, name="articles_article_wanted"), *super().get_urls()]

    def wanted_view(self, request):
        """Titles other passages refer to that no article has yet, with a way to start one."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        can_add = self.has_add_permission(request)
        if request.method == "POST":
            if not can_add:
                raise PermissionDenied
            return self._create_wanted(request, request.POST.get("title", ""))
        return admin_page(
            self,
            request,
            "admin/articles/article/wanted.html",
            "Wanted articles",
            wanted=wanted_articles(),
            can_add=can_add,
        )

    def _create_wanted(self, request, title):
        comment = "Created as a draft from the wanted articles."
        try:
            with recorded_revision(user=request.user, comment=comment):
                article = create_wanted_draft(title=title)
        except EditorialError as error:
            self.message_user(request, str(error), messages.ERROR)
            return redirect("admin:articles_article_wanted")
        self.log_addition(request, article, "Created from the wanted articles.")
        self.message_user(
            request,
            f"Created the draft “{article.title}”; the passages that name it now point to it.",
            messages.SUCCESS,
        )
        return redirect("admin:articles_article_change", article.pk)
