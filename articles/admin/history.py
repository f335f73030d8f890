"""
The article's history (django-reversion): the list of saved versions, two
of them compared side by side with a way to restore either as a new
version, and revert and recovery followed by the repair they need. Reading
a version asks for the view permission, restoring and reverting for the
change permission, before anything is looked up or reverted.
"""

from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from reversion.models import Version

from ..content.history import compare, revision_content, revision_state
from ..editorial.versions import repair_after_revert, restore_version
from ..models import Article
from .pages import admin_page
from .revisions import recorded_revision


def _saved_on(version):
    return f"{timezone.localtime(version.revision.date_created):%d %b %Y, %H:%M}"


class ArticleHistoryAdminMixin:
    """History, compare (articles_article_compare), revert and recovery for ArticleAdmin."""

    def get_urls(self):
        compare_view = self.admin_site.admin_view(self.compare_view)
        restore_view = self.admin_site.admin_view(self.restore_view)
        return [
            path(
                "<path:object_id>/history/compare/",
                compare_view,
                name="articles_article_compare",
            ),
            path(
                "<path:object_id>/history/<int:version_id>/restore/",
                restore_view,
                name="articles_article_restore",
            ),
            *super().get_urls(),
        ]

    def _versions(self, object_id):
        return Version.objects.get_for_object_reference(Article, object_id).select_related(
            "revision__user"
        )

    def history_view(self, request, object_id, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        context = {
            "versions": list(self._versions(unquote(object_id)).order_by("-pk")),
            "compare_url": reverse("admin:articles_article_compare", args=[object_id]),
            **(extra_context or {}),
        }
        return super().history_view(request, object_id, context)

    def compare_view(self, request, object_id):
        """Two versions of an article, side by side, the words that changed marked."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        object_id = unquote(object_id)
        old_id, new_id = request.GET.get("from", ""), request.GET.get("to", "")
        if not (old_id.isdigit() and new_id.isdigit()):
            self.message_user(request, "Choose two versions to compare.", messages.WARNING)
            return redirect("admin:articles_article_history", quote(object_id))
        versions = self._versions(object_id)
        found = {v.pk: v for v in versions.filter(pk__in=[old_id, new_id])}
        if int(old_id) not in found or int(new_id) not in found:
            raise Http404("No such version of this article.")
        old, new = sorted([found[int(old_id)], found[int(new_id)]], key=lambda v: v.pk)
        comparison = compare(
            revision_content(old),
            revision_content(new),
            old_state=revision_state(old),
            new_state=revision_state(new),
        )
        latest_id = versions.order_by("-pk").values_list("pk", flat=True).first()
        return admin_page(
            self,
            request,
            "admin/articles/article/compare.html",
            f"Compare versions of “{new.object_repr}”",
            old=old,
            new=new,
            versions_shown=[old, new],
            old_label=f"the older version ({_saved_on(old)})",
            new_label=f"the newer version ({_saved_on(new)})",
            comparison=comparison,
            object_id=object_id,
            latest_id=latest_id,
            can_restore=self.has_change_permission(request),
        )

    def restore_view(self, request, object_id, version_id):
        """
        Make a version the article's content again, as a new version: the
        versions saved since stay in the history. The article keeps its
        status and publication date (restoring text never publishes or
        unpublishes it).
        """
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        object_id = unquote(object_id)
        version = get_object_or_404(self._versions(object_id), pk=version_id)
        saved = timezone.localtime(version.revision.date_created)
        comment = f"Restored the version saved on {saved:%d %B %Y at %H:%M}."
        try:
            with transaction.atomic(), recorded_revision(user=request.user, comment=comment):
                article = restore_version(version=version)
        except IntegrityError:
            self.message_user(
                request,
                "This version cannot be restored as it was: another article or section now "
                "uses its title, address or a section anchor. Nothing was changed.",
                messages.ERROR,
            )
            return redirect("admin:articles_article_history", quote(object_id))
        self.log_change(request, article, comment)
        self.message_user(
            request,
            f"{comment} It is the newest version now; the versions in between stay in the history.",
            messages.SUCCESS,
        )
        return redirect("admin:articles_article_change", quote(object_id))

    def _check_revert_permission(self, request):
        # Before reversion reverts (and rolls back) anything: showing an old
        # version is reading the article, saving it is changing it.
        allowed = (
            self.has_change_permission(request)
            if request.method == "POST"
            else self.has_view_or_change_permission(request)
        )
        if not allowed:
            raise PermissionDenied

    def revision_view(self, request, object_id, version_id, extra_context=None):
        self._check_revert_permission(request)
        show = super().revision_view
        return self._revert(
            request, unquote(object_id), lambda: show(request, object_id, version_id, extra_context)
        )

    def recover_view(self, request, version_id, extra_context=None):
        self._check_revert_permission(request)
        if not self.has_add_permission(request):
            raise PermissionDenied
        version = get_object_or_404(Version, pk=version_id)
        show = super().recover_view
        return self._revert(
            request, version.object_id, lambda: show(request, version_id, extra_context)
        )

    def _revert(self, request, object_id, run):
        """Run a revert or a recovery, then repair what it wrote without the save signals."""
        try:
            with transaction.atomic():
                response = run()
                if request.method == "POST" and response.status_code == 302:
                    article = Article.objects.filter(pk=object_id).first()
                    if article is not None:
                        repair_after_revert(article=article)
        except IntegrityError:
            self.message_user(
                request,
                "This version cannot be restored as it was: another article or section now "
                "uses its title, address or a section anchor. Nothing was changed.",
                messages.ERROR,
            )
            return redirect("admin:articles_article_changelist")
        return response
