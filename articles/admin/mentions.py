"""
The "Unlinked mentions" page: passages that name another article or a topic
without linking or tagging it, each with a button that makes the change as
a revision (content/mentions.py); the names still waiting to be looked for,
with a button that looks for them now. The change form shows the same list
for its article's passages, its buttons posting here.
"""

from django.contrib import messages
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse

from ..content.mentions import (
    MentionError,
    drain_pending,
    link_mention,
    pending_names,
    tag_mention,
)
from ..models import UnlinkedMention
from .pages import admin_page

MENTIONS_PER_PAGE = 100
ACTIONS = {"link": link_mention, "tag": tag_mention}


class UnlinkedMentionsAdminMixin:
    """The article admin's unlinked mentions page (articles_article_mentions)."""

    def get_urls(self):
        view = self.admin_site.admin_view(self.mentions_view)
        return [path("mentions/", view, name="articles_article_mentions"), *super().get_urls()]

    def mentions_view(self, request):
        """Every unlinked mention, passage by passage, with a Link or Tag button."""
        if not request.user.has_perm("articles.view_article"):
            raise PermissionDenied
        can_change = request.user.has_perm("articles.change_article")
        if request.method == "POST":
            if not can_change:
                raise PermissionDenied
            if request.POST.get("action") == "look":
                return self._look_now(request)
            return self._act_on_mention(request)
        mentions = UnlinkedMention.objects.select_related(
            "section__article", "article", "tag"
        ).order_by("section__article__title", "section__position", "section_id", "start")
        page = Paginator(mentions, MENTIONS_PER_PAGE).get_page(request.GET.get("page"))
        return admin_page(
            self,
            request,
            "admin/articles/mentions.html",
            "Unlinked mentions",
            page=page,
            can_change=can_change,
            pending=pending_names(),
        )

    def article_mentions_context(self, request, article):
        """The change form's panel: the mentions in ``article``'s passages (one query)."""
        mentions = UnlinkedMention.objects.filter(section__article=article).select_related(
            "section", "article", "tag"
        )
        return {
            "show_mentions_panel": True,
            "article_mentions": list(mentions.order_by("section__position", "section_id", "start")),
            "mentions_url": reverse("admin:articles_article_mentions"),
            "can_change_mentions": request.user.has_perm("articles.change_article"),
        }

    def _look_now(self, request):
        left = drain_pending()
        self.message_user(
            request,
            "Looked for every waiting name." if not left else f"{left} name(s) still wait.",
            messages.SUCCESS,
        )
        return redirect(reverse("admin:articles_article_mentions"))

    def _act_on_mention(self, request):
        mention_id = request.POST.get("mention", "")
        if not mention_id.isdigit():
            self.message_user(request, "Choose a mention.", messages.ERROR)
            return redirect(reverse("admin:articles_article_mentions"))
        mention = get_object_or_404(
            UnlinkedMention.objects.select_related("section"), pk=int(mention_id)
        )
        action = ACTIONS.get(request.POST.get("action"))
        if request.POST.get("back") == "article":
            # From the change form: back to it, its panel without this mention.
            back = reverse(
                "admin:articles_article_change", args=[quote(mention.section.article_id)]
            )
        else:
            back = reverse("admin:articles_article_mentions")
            if request.POST.get("page", "").isdigit():
                back += f"?page={request.POST['page']}"
        if action is None:
            self.message_user(request, "Choose Link or Tag.", messages.ERROR)
            return redirect(back)
        named = mention.article or mention.tag
        try:
            section = action(mention=mention, user=request.user)
        except MentionError as error:
            self.message_user(request, str(error), messages.ERROR)
            return redirect(back)
        self.log_change(request, section.article, f"{named} from the unlinked mentions.")
        done = "Linked" if action is link_mention else "Tagged"
        self.message_user(request, f"{done} “{section.heading}”: {named}.", messages.SUCCESS)
        return redirect(back)
