"""
Preview links in the admin: the article's "Share a preview link" page, where
links are made and revoked, and the list of every link (editorial/preview_links.py).
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from ..editorial.preview_links import (
    create_preview_link,
    preview_max_age,
    preview_token,
    revoke_preview_link,
)
from ..models import PreviewLink
from .pages import admin_page


def _link_url(request, link=None, token=None):
    token = token or preview_token(link)
    return request.build_absolute_uri(reverse("preview:shared", kwargs={"token": token}))


class PreviewLinksAdminMixin:
    """The article admin's preview-links page (articles_article_preview_links)."""

    def get_urls(self):
        view = self.admin_site.admin_view(self.preview_links_view)
        return [
            path("<path:object_id>/preview-links/", view, name="articles_article_preview_links"),
            *super().get_urls(),
        ]

    def preview_links_view(self, request, object_id):
        # Asked before looking the article up, so the answer says nothing of what exists.
        if not self.has_change_permission(request):
            raise PermissionDenied
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404("No such article.")
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        if request.method == "POST":
            if "create" in request.POST:
                self._create_link(request, article)
            elif "revoke" in request.POST:
                self._revoke_link(request, article, request.POST.get("revoke", ""))
            return redirect("admin:articles_article_preview_links", quote(article.pk))
        links = [
            (link, _link_url(request, link))
            for link in article.preview_links.select_related("created_by")
        ]
        return admin_page(
            self,
            request,
            "admin/articles/article/preview_links.html",
            f"Preview links for “{article}”",
            original=article,
            links=links,
            max_age_days=preview_max_age().days,
        )

    def _create_link(self, request, article):
        link, token = create_preview_link(article=article, user=request.user)
        url = _link_url(request, token=token)
        self.message_user(
            request,
            format_html(
                'Preview link created, valid until {}: <a href="{}">{}</a>',
                f"{timezone.localtime(link.expires_at):%d %B %Y, %H:%M}",
                url,
                url,
            ),
            messages.SUCCESS,
        )

    def _revoke_link(self, request, article, link_id):
        link = (
            PreviewLink.objects.filter(article=article, pk=int(link_id)).first()
            if link_id.isdigit()
            else None
        )
        if link is None:
            self.message_user(request, "No such preview link.", messages.ERROR)
        else:
            revoke_preview_link(link=link)
            self.message_user(request, "The preview link no longer works.")


@admin.register(PreviewLink)
class PreviewLinkAdmin(admin.ModelAdmin):
    list_display = ["article", "created_by", "created_at", "expires_at", "state"]
    list_select_related = ["article", "created_by"]
    list_filter = ["created_at"]
    search_fields = ["article__title"]
    readonly_fields = ["article", "created_by", "created_at", "expires_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # made from the article's page, where the signed address is shown

    @admin.display(description="state")
    def state(self, link):
        if link.revoked_at:
            return "Revoked"
        return "Active" if link.is_active else "Expired"

    @admin.action(description="Revoke the selected preview links", permissions=["change"])
    def revoke(self, request, queryset):
        for link in queryset:
            revoke_preview_link(link=link)
        self.message_user(request, "The selected preview links no longer work.")
