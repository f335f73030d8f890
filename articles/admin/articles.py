"""
The article admin: the list with status, tag and date filters, the change
form with sections inline, and the publishing actions. Its other pages come
from mixins beside it: wanted articles, source import, preview links and the
history with compare and revert. Every page runs a fixed number of queries,
whatever the number of articles, sections or tags (tests/test_admin.py).
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import quote
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from reversion.admin import VersionAdmin
from taggit.models import Tag

from ..content import publishing
from ..models import Article, Section
from .conflicts import conflict_context
from .forms import TAG_DATALIST_ID, ArticleAdminForm, ScheduleForm, SectionInlineForm
from .history import ArticleHistoryAdminMixin
from .importing import SourceImportAdminMixin
from .link_health import LinkHealthAdminMixin
from .markdown_preview import MarkdownPreviewAdminMixin
from .mentions import UnlinkedMentionsAdminMixin
from .pages import admin_page
from .preview_links import PreviewLinksAdminMixin
from .publishing import PublishingButtonsAdminMixin
from .revisions import recorded_revision
from .wanted import WantedArticlesAdminMixin

# Tags named in a row of the article list; the rest are counted.
TAGS_SHOWN = 3


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("draft", "Draft"), ("public", "Published"), ("scheduled", "Scheduled")]

    def queryset(self, request, queryset):
        if self.value() == "draft":
            return queryset.drafts()
        if self.value() == "public":
            return queryset.published()
        if self.value() == "scheduled":
            return queryset.scheduled()
        return queryset


class TagFilter(admin.SimpleListFilter):
    title = "tag"
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        return (
            Tag.objects.filter(articles_taggedarticle_items__isnull=False)
            .distinct()
            .order_by("name")
            .values_list("slug", "name")
        )

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(tags__slug=self.value()).distinct()
        return queryset


class SectionInline(admin.StackedInline):
    model = Section
    form = SectionInlineForm
    exclude = ["tags"]  # the form's own tags field, filled from the prefetch
    extra = 0
    fields = [("position", "level"), "heading", "anchor", "body", "tags"]
    ordering = ["position", "id"]
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("article").prefetch_related("tags")

    def get_view_on_site_url(self, obj=None):
        """A section of a draft or scheduled article opens in the draft preview."""
        if obj is None or obj.pk is None:
            return None
        if obj.article.is_public:
            return obj.get_absolute_url()
        preview = reverse("preview:article", kwargs={"slug": obj.article.slug})
        return f"{preview}#{obj.anchor}"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        anchor = formset.form.base_fields.get("anchor")
        if anchor is not None:
            anchor.help_text = (
                "The #fragment of this section's address, made from the heading when left "
                "empty and then kept when the heading changes, so links keep working. "
                "Change it only if nothing links to it yet."
            )
        return formset


@admin.register(Article)
class ArticleAdmin(
    WantedArticlesAdminMixin,
    LinkHealthAdminMixin,
    UnlinkedMentionsAdminMixin,
    SourceImportAdminMixin,
    PreviewLinksAdminMixin,
    MarkdownPreviewAdminMixin,
    ArticleHistoryAdminMixin,
    PublishingButtonsAdminMixin,
    VersionAdmin,
):
    form = ArticleAdminForm
    exclude = ["tags"]  # the form's own tags field, filled from the prefetch
    inlines = [SectionInline]
    list_display = [
        "title",
        "status_label",
        "publication_date",
        "changed_on",
        "tag_list",
        "section_count",
        "incoming_count",
    ]
    list_filter = [StatusFilter, TagFilter, "published_at"]
    search_fields = ["title", "summary", "sections__heading", "sections__body"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    list_per_page = 50
    save_on_top = True
    actions = ["publish_articles", "unpublish_articles", "schedule_articles"]
    change_list_template = "admin/articles/article/change_list.html"
    change_form_template = "admin/articles/article/change_form.html"
    object_history_template = "admin/articles/article/object_history.html"
    fieldsets = [
        (None, {"fields": ["title", "slug", "aliases", "summary", "tags", "loaded_version"]}),
        ("Publication", {"fields": ["status", "published_at", "updated_at", "word_count"]}),
        ("Source", {"classes": ["collapse"], "fields": ["source_file"]}),
    ]

    class Media:
        # Sections folded to their headings, an outline, reordering by drag or
        # buttons; a toolbar and a live preview beside every Markdown text;
        # unsaved changes kept in the browser and offered back.
        css = {
            "all": [
                "admin-editor/article-form.css",
                "admin-editor/writing.css",
                "admin-editor/compare.css",  # the edit-conflict screen
            ]
        }
        js = [
            "admin-editor/sections.js",
            "admin-editor/markdown-editor.js",
            "admin-editor/unsaved.js",
        ]

    # -- Queries (every page that reads an article, the change form too, starts here)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                num_sections=Count("sections", distinct=True),
                num_incoming=Count("incoming_references", distinct=True),
            )
            .prefetch_related("tags")
        )

    # -- Columns

    @admin.display(description="status", ordering="status")
    def status_label(self, article):
        if article.is_scheduled:
            return "Scheduled"
        return article.get_status_display()

    @admin.display(description="publication date", ordering="published_at")
    def publication_date(self, article):
        if article.published_at is None:
            return "—"
        return date_format(timezone.localtime(article.published_at), "j M Y")

    @admin.display(description="changed", ordering="updated_at")
    def changed_on(self, article):
        return date_format(timezone.localtime(article.updated_at), "j M Y, H:i")

    @admin.display(description="tags")
    def tag_list(self, article):
        """The first few tags; all of them in the title, as a long list would crowd the row."""
        names = sorted(tag.name for tag in article.tags.all())
        shown = ", ".join(names[:TAGS_SHOWN])
        if len(names) > TAGS_SHOWN:
            shown += f" and {len(names) - TAGS_SHOWN} more"
        return format_html('<span title="{}">{}</span>', ", ".join(names), shown)

    @admin.display(description="sections", ordering="num_sections")
    def section_count(self, article):
        return article.num_sections

    @admin.display(description="cited by", ordering="num_incoming")
    def incoming_count(self, article):
        return article.num_incoming

    # -- Permissions

    def has_publish_permission(self, request, obj=None):
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.publish_{opts.model_name}")

    def get_readonly_fields(self, request, obj=None):
        readonly = ["updated_at", "word_count"]
        if not self.has_publish_permission(request):
            readonly += ["status", "published_at"]
        return readonly

    def get_view_on_site_url(self, obj=None):
        if obj is None or obj.pk is None:
            return None
        if obj.is_public:
            return obj.get_absolute_url()
        return reverse("preview:article", kwargs={"slug": obj.slug})

    # -- The change form

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Sections saved above touched the article; the form now shows the new stamp.
        form.instance.refresh_from_db(fields=["updated_at", "word_count"])

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["tag_datalist_id"] = TAG_DATALIST_ID
        context["tag_names"] = Tag.objects.order_by("name").values_list("name", flat=True)
        form = context["adminform"].form if context.get("adminform") else None
        if form is not None and getattr(form, "conflict", None) and obj is not None:
            formsets = [inline.formset for inline in context.get("inline_admin_formsets", [])]
            context.update(conflict_context(form, formsets, obj))
        if obj is not None and obj.pk is not None:
            context["preview_url"] = self.get_view_on_site_url(obj)
            context["preview_links_url"] = reverse(
                "admin:articles_article_preview_links", args=[quote(obj.pk)]
            )
            context.update(self.article_mentions_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    # -- Publishing actions

    def _change_status(self, request, queryset, *, change, comment):
        """Apply ``change`` to each selected article, as one revision by this user."""
        count = 0
        with recorded_revision(user=request.user, comment=comment):
            for article in queryset:
                change(article=article)
                count += 1
        return count

    @admin.action(description="Publish the selected articles now", permissions=["publish"])
    def publish_articles(self, request, queryset):
        count = self._change_status(
            request, queryset, change=publishing.publish, comment="Published."
        )
        self.message_user(request, f"Published {count} article(s).", messages.SUCCESS)

    @admin.action(description="Unpublish the selected articles", permissions=["publish"])
    def unpublish_articles(self, request, queryset):
        count = self._change_status(
            request, queryset, change=publishing.unpublish, comment="Unpublished."
        )
        self.message_user(request, f"Unpublished {count} article(s); they are drafts now.")

    @admin.action(description="Schedule the selected articles…", permissions=["publish"])
    def schedule_articles(self, request, queryset):
        articles = list(queryset.order_by("title"))
        form = ScheduleForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            when = form.cleaned_data["published_at"]
            with recorded_revision(
                user=request.user, comment=f"Scheduled for {when:%Y-%m-%d %H:%M}."
            ):
                publishing.schedule(articles=articles, when=when)
            local = timezone.localtime(when)
            self.message_user(
                request,
                f"Scheduled {len(articles)} article(s) for {local:%d %B %Y, %H:%M}.",
                messages.SUCCESS,
            )
            return None
        return admin_page(
            self,
            request,
            "admin/articles/article/schedule.html",
            "Schedule articles",
            articles=articles,
            form=form,
            action_checkbox_name=helpers.ACTION_CHECKBOX_NAME,
            action="schedule_articles",
        )
