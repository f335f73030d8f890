"""
The live-preview endpoint of the article form: POST a lead or section text,
get back the site's rendering of it and the notes that go with it, as JSON
(``editorial.markdown_preview``). Through the admin's own door: staff only,
logged in, CSRF-checked, and only for editors who may add or change articles.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, JsonResponse
from django.urls import path
from django.utils.cache import add_never_cache_headers

from ..editorial.markdown_preview import MAX_PREVIEW_CHARACTERS, markdown_preview


class MarkdownPreviewAdminMixin:
    """articles_article_markdown_preview, for ArticleAdmin."""

    def get_urls(self):
        view = self.admin_site.admin_view(self.markdown_preview_view)
        return [
            path("preview-markdown/", view, name="articles_article_markdown_preview"),
            *super().get_urls(),
        ]

    def markdown_preview_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        text = request.POST.get("text", "")
        if len(text) > MAX_PREVIEW_CHARACTERS:
            response = JsonResponse(
                {"error": "This text is too long to preview while you type; save to see it."},
                status=413,
            )
        else:
            response = JsonResponse(markdown_preview(text).as_dict())
        add_never_cache_headers(response)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response
