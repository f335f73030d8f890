"""
The editors' admin: articles with their sections inline, history with compare
and revert (django-reversion), publishing actions, preview links, wanted
articles, source upload, and tags with usage counts and merging.

Every page runs a fixed number of queries, whatever the number of articles,
sections or tags (tests/test_admin.py pins them).
"""

import base64
import difflib

import reversion
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from reversion.admin import VersionAdmin
from reversion.models import Version
from taggit.models import Tag

from ..content import publishing
from ..content.rendering import normalize_title
from ..editorial import services as editorial
from ..models import Article, PreviewLink, Section, TaggedArticle, TaggedSection
from ..sources.importer import import_source, source_digest
from ..sources.outline import ItemList, SourceError
from ..sources.parser import decode_source, parse_source
from ..sources.tagging import suggest_tags
from .forms import (
    TAG_DATALIST_ID,
    ArticleAdminForm,
    ConfirmImportForm,
    MergeTagsForm,
    ScheduleForm,
    SectionInlineForm,
    SourceUploadForm,
    TagAdminForm,
    show_conflict,
)

IMPORT_SESSION_KEY = "articles.admin.import"

# What a revision of an article holds: the article, its sections and the
# taggings of both. Tags themselves are shared by the whole site and are not
# reverted with one article (a revert must not rename or delete a tag).
if not reversion.is_registered(Article):
    reversion.register(TaggedArticle)
    reversion.register(TaggedSection)
    reversion.register(Section, follow=["taggedsection_set"])
    reversion.register(Article, follow=["sections", "taggedarticle_set"])


# --- Articles --------------------------------------------------------------------------


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
        return super().get_queryset(request).prefetch_related("tags")

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
class ArticleAdmin(VersionAdmin):
    form = ArticleAdminForm
    exclude = ["tags"]  # the form's own tags field, filled from the prefetch
    inlines = [SectionInline]
    list_display = [
        "title",
        "status_label",
        "published_at",
        "updated_at",
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
        (None, {"fields": ["title", "slug", "summary", "tags", "loaded_version"]}),
        ("Publication", {"fields": ["status", "published_at", "updated_at", "word_count"]}),
        ("Source", {"classes": ["collapse"], "fields": ["source_file"]}),
    ]

    # -- Queries

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

    def get_object(self, request, object_id, from_field=None):
        # The change form needs neither the counts nor a second tags query.
        queryset = Article.objects.prefetch_related("tags")
        field = Article._meta.pk if from_field is None else Article._meta.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (Article.DoesNotExist, ValidationError, ValueError):
            return None

    # -- Columns

    @admin.display(description="status", ordering="status")
    def status_label(self, article):
        if article.is_scheduled:
            return "Scheduled"
        return article.get_status_display()

    @admin.display(description="tags")
    def tag_list(self, article):
        return ", ".join(sorted(tag.name for tag in article.tags.all()))

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

    # -- Saving

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Sections saved above touched the article; the form now shows the new stamp.
        form.instance.refresh_from_db(fields=["updated_at", "word_count"])

    # -- Change form

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["tag_datalist_id"] = TAG_DATALIST_ID
        context["tag_names"] = Tag.objects.order_by("name").values_list("name", flat=True)
        form = context.get("adminform").form if context.get("adminform") else None
        if form is not None and getattr(form, "conflict", None) and obj is not None:
            formsets = [f.formset for f in context.get("inline_admin_formsets", [])]
            context["conflict_both"] = show_conflict(form, formsets)
            context["conflict_diff"] = conflict_diff(form, formsets, obj)
        if obj is not None and obj.pk is not None:
            context["preview_url"] = self.get_view_on_site_url(obj)
            context["preview_links_url"] = reverse(
                "admin:articles_article_preview_links", args=[quote(obj.pk)]
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    # -- Actions

    def _change_status(self, request, queryset, *, change, comment):
        """Apply ``change`` to each selected article, as one revision by this user."""
        count = 0
        with reversion.create_revision():
            reversion.set_user(request.user)
            reversion.set_comment(comment)
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
        if "apply" in request.POST:
            form = ScheduleForm(request.POST)
            if form.is_valid():
                when = form.cleaned_data["published_at"]
                with reversion.create_revision():
                    reversion.set_user(request.user)
                    reversion.set_comment(f"Scheduled for {when:%Y-%m-%d %H:%M}.")
                    publishing.schedule(articles=articles, when=when)
                local = timezone.localtime(when)
                self.message_user(
                    request,
                    f"Scheduled {len(articles)} article(s) for {local:%d %B %Y, %H:%M}.",
                    messages.SUCCESS,
                )
                return None
        else:
            form = ScheduleForm()
        context = {
            **self.admin_site.each_context(request),
            "title": "Schedule articles",
            "opts": self.opts,
            "articles": articles,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action": "schedule_articles",
        }
        return TemplateResponse(request, "admin/articles/article/schedule.html", context)

    # -- Extra pages

    def get_urls(self):
        view = self.admin_site.admin_view
        extra = [
            path("wanted/", view(self.wanted_view), name="articles_article_wanted"),
            path("import/", view(self.import_view), name="articles_article_import"),
            path(
                "<path:object_id>/preview-links/",
                view(self.preview_links_view),
                name="articles_article_preview_links",
            ),
            path(
                "<path:object_id>/history/compare/",
                view(self.compare_view),
                name="articles_article_compare",
            ),
        ]
        return extra + super().get_urls()

    def _page(self, request, template, title, **context):
        return TemplateResponse(
            request,
            template,
            {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **context},
        )

    def wanted_view(self, request):
        """Titles other passages refer to that no article has yet, with a way to start one."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        can_add = self.has_add_permission(request)
        if request.method == "POST":
            if not can_add:
                raise PermissionDenied
            title = request.POST.get("title", "")
            try:
                with reversion.create_revision():
                    reversion.set_user(request.user)
                    reversion.set_comment("Created as a draft from the wanted articles.")
                    article = editorial.create_wanted_draft(title=title)
            except editorial.EditorialError as error:
                self.message_user(request, str(error), messages.ERROR)
                return redirect("admin:articles_article_wanted")
            self.log_addition(request, article, "Created from the wanted articles.")
            self.message_user(
                request,
                f"Created the draft “{article.title}”; the passages that name it now point to it.",
                messages.SUCCESS,
            )
            return redirect("admin:articles_article_change", article.pk)
        return self._page(
            request,
            "admin/articles/article/wanted.html",
            "Wanted articles",
            wanted=editorial.wanted_articles(),
            can_add=can_add,
        )

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
                link, token = editorial.create_preview_link(article=article, user=request.user)
                url = request.build_absolute_uri(reverse("preview:shared", kwargs={"token": token}))
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
            elif "revoke" in request.POST:
                link_id = request.POST.get("revoke", "")
                link = (
                    PreviewLink.objects.filter(article=article, pk=int(link_id)).first()
                    if link_id.isdigit()
                    else None
                )
                if link is None:
                    self.message_user(request, "No such preview link.", messages.ERROR)
                else:
                    editorial.revoke_preview_link(link=link)
                    self.message_user(request, "The preview link no longer works.")
            return redirect("admin:articles_article_preview_links", quote(article.pk))
        links = [
            (
                link,
                request.build_absolute_uri(
                    reverse("preview:shared", kwargs={"token": editorial.preview_token(link)})
                ),
            )
            for link in article.preview_links.select_related("created_by")
        ]
        return self._page(
            request,
            "admin/articles/article/preview_links.html",
            f"Preview links for “{article}”",
            original=article,
            links=links,
            max_age_days=editorial.preview_max_age().days,
        )

    # -- History

    def history_view(self, request, object_id, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        versions = list(
            Version.objects.get_for_object_reference(Article, unquote(object_id))
            .select_related("revision__user")
            .order_by("-pk")
        )
        context = {
            "versions": versions,
            "compare_url": reverse("admin:articles_article_compare", args=[object_id]),
            **(extra_context or {}),
        }
        return super().history_view(request, object_id, context)

    def compare_view(self, request, object_id):
        """Two versions of an article side by side, as a unified diff of their text."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        object_id = unquote(object_id)
        versions = Version.objects.get_for_object_reference(Article, object_id).select_related(
            "revision__user"
        )
        old_id, new_id = request.GET.get("from", ""), request.GET.get("to", "")
        if not (old_id.isdigit() and new_id.isdigit()):
            self.message_user(request, "Choose two versions to compare.", messages.WARNING)
            return redirect("admin:articles_article_history", quote(object_id))
        found = {v.pk: v for v in versions.filter(pk__in=[int(old_id), int(new_id)])}
        if int(old_id) not in found or int(new_id) not in found:
            raise Http404("No such version of this article.")
        old, new = sorted([found[int(old_id)], found[int(new_id)]], key=lambda v: v.pk)
        old_text, new_text = version_text(old), version_text(new)
        diff = list(
            difflib.unified_diff(
                old_text.splitlines(),
                new_text.splitlines(),
                fromfile=f"{old.revision.date_created:%Y-%m-%d %H:%M:%S}",
                tofile=f"{new.revision.date_created:%Y-%m-%d %H:%M:%S}",
                lineterm="",
                n=2,
            )
        )
        return self._page(
            request,
            "admin/articles/article/compare.html",
            f"Compare versions of “{new.object_repr}”",
            old=old,
            new=new,
            diff=diff_lines(diff),
            object_id=object_id,
        )

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
        return self._revert(
            request,
            unquote(object_id),
            lambda: super(ArticleAdmin, self).revision_view(
                request, object_id, version_id, extra_context
            ),
        )

    def recover_view(self, request, version_id, extra_context=None):
        self._check_revert_permission(request)
        if not self.has_add_permission(request):
            raise PermissionDenied
        version = get_object_or_404(Version, pk=version_id)
        return self._revert(
            request,
            version.object_id,
            lambda: super(ArticleAdmin, self).recover_view(request, version_id, extra_context),
        )

    def _revert(self, request, object_id, run):
        """
        Run a revert or a recovery, then tidy what a revert writes without the
        save signals: taggings of tags deleted since, and the derived data.
        """
        try:
            with transaction.atomic():
                response = run()
                if request.method == "POST" and response.status_code == 302:
                    article = Article.objects.filter(pk=object_id).first()
                    if article is not None:
                        tags = Tag.objects.values("pk")
                        TaggedArticle.objects.filter(content_object=article).exclude(
                            tag_id__in=tags
                        ).delete()
                        TaggedSection.objects.filter(content_object__article=article).exclude(
                            tag_id__in=tags
                        ).delete()
                        editorial.rebuild_article(article=article)
        except IntegrityError:
            self.message_user(
                request,
                "This version cannot be restored as it was: another article or section now "
                "uses its title, address or a section anchor. Nothing was changed.",
                messages.ERROR,
            )
            return redirect("admin:articles_article_changelist")
        return response

    # -- Import

    def import_view(self, request):
        """Upload a source file, read the outline it parses to, then import it as a draft."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        stored = request.session.get(IMPORT_SESSION_KEY)
        if request.method == "POST" and "confirm" in request.POST:
            return self._confirm_import(request, stored)
        if request.method == "POST":
            form = SourceUploadForm(request.POST, request.FILES)
            if form.is_valid():
                data = form.cleaned_data["source"].read()
                filename = form.filename
                try:
                    outline = parse_source(decode_source(data, filename), filename)
                except SourceError as error:
                    form.add_error("source", str(error))
                else:
                    digest = source_digest(data)
                    request.session[IMPORT_SESSION_KEY] = {
                        "filename": filename,
                        "digest": digest,
                        "data": base64.b64encode(data).decode("ascii"),
                    }
                    return self._import_preview(request, outline, filename, digest)
        else:
            form = SourceUploadForm()
        return self._page(
            request, "admin/articles/article/import.html", "Import a source file", form=form
        )

    def _import_preview(self, request, outline, filename, digest, confirm_form=None):
        article_tags, section_tags = suggest_tags(outline)
        existing = existing_article(outline, filename)
        sections = [
            {
                "heading": section.heading,
                "level": section.level,
                "paragraphs": sum(1 for b in section.blocks if not isinstance(b, ItemList))
                - len(section.see_also),
                "lists": [b for b in section.blocks if isinstance(b, ItemList)],
                "see_also": section.see_also,
                "tags": tags,
            }
            for section, tags in zip(outline.sections, section_tags, strict=True)
        ]
        return self._page(
            request,
            "admin/articles/article/import_preview.html",
            "Check the outline before importing",
            outline=outline,
            filename=filename,
            sections=sections,
            lead_lists=[b for b in outline.lead if isinstance(b, ItemList)],
            see_also=outline.see_also(),
            article_tags=article_tags,
            existing=existing,
            confirm_form=confirm_form or ConfirmImportForm(initial={"digest": digest}),
        )

    def _confirm_import(self, request, stored):
        form = ConfirmImportForm(request.POST)
        if not stored or not form.is_valid() or form.cleaned_data["digest"] != stored["digest"]:
            self.message_user(
                request,
                "The uploaded file is no longer at hand (the upload expired or another upload "
                "replaced it). Upload it again.",
                messages.ERROR,
            )
            return redirect("admin:articles_article_import")
        data = base64.b64decode(stored["data"])
        filename = stored["filename"]
        try:
            with reversion.create_revision():
                reversion.set_user(request.user)
                reversion.set_comment(f"Imported from {filename}.")
                outline = parse_source(decode_source(data, filename), filename)
                if not form.cleaned_data["replace"] and existing_article(outline, filename):
                    result = None
                else:
                    result = import_source(data=data, filename=filename, publish=False)
        except SourceError as error:
            request.session.pop(IMPORT_SESSION_KEY, None)
            self.message_user(request, str(error), messages.ERROR)
            return redirect("admin:articles_article_import")
        if result is None:
            self.message_user(
                request,
                "An article with this title or file exists already; nothing was imported. "
                "Tick “Replace the existing article” to replace it.",
                messages.WARNING,
            )
            return self._import_preview(request, outline, filename, stored["digest"], form)
        request.session.pop(IMPORT_SESSION_KEY, None)
        article = result.article
        if result.action in {"created", "updated"}:
            if result.action == "created":
                self.log_addition(request, article, f"Imported from {filename}.")
            else:
                self.log_change(request, article, f"Replaced from {filename}.")
            self.message_user(
                request,
                f"{result.action.capitalize()} “{article.title}” with {result.sections} "
                "section(s), as a draft."
                if article.status == Article.Status.DRAFT
                else f"{result.action.capitalize()} “{article.title}” with {result.sections} section(s).",
                messages.SUCCESS,
            )
            return redirect("admin:articles_article_change", article.pk)
        if result.action == "unchanged":
            message = (
                f"Nothing imported: “{article.title}” was already imported from this very file."
            )
        else:
            message = f"Nothing imported: “{article.title}” {result.message}."
        self.message_user(request, message, messages.WARNING)
        return redirect("admin:articles_article_change", article.pk)


def existing_article(outline, filename):
    """The article an import of this file would replace, as the importer finds it."""
    return (
        Article.objects.filter(source_file=filename).first()
        or Article.objects.filter(title_key=normalize_title(outline.title)).first()
    )


# --- Text views of article versions for diffs -------------------------------------------


def _article_text(title, summary, article_tags, sections):
    lines = [f"Title: {title}", f"Tags: {', '.join(sorted(article_tags))}", "", summary or "", ""]
    for section in sorted(sections, key=lambda s: (s["position"], s.get("id") or 0)):
        mark = "###" if str(section["level"]) == "3" else "##"
        lines.append(f"{mark} {section['heading']}  {{#{section.get('anchor') or ''}}}")
        if section["tags"]:
            lines.append(f"Tags: {', '.join(sorted(section['tags']))}")
        lines.append("")
        lines.extend((section["body"] or "").replace("\r\n", "\n").split("\n"))
        lines.append("")
    return "\n".join(lines).replace("\r\n", "\n")


def version_text(version):
    """The text of an article as one revision saved it: title, lead, tags, sections."""
    versions = list(version.revision.version_set.all())
    data = version.field_dict
    sections, section_tag_ids, article_tag_ids = {}, {}, []
    for other in versions:
        model = other._model
        if model is Section:
            fields = other.field_dict
            if str(fields.get("article_id", fields.get("article"))) == str(version.object_id):
                sections[str(other.object_id)] = {**fields, "id": int(other.object_id)}
        elif model is TaggedArticle:
            fields = other.field_dict
            article_tag_ids.append(fields.get("tag_id", fields.get("tag")))
        elif model is TaggedSection:
            fields = other.field_dict
            section_id = str(fields.get("content_object_id", fields.get("content_object")))
            section_tag_ids.setdefault(section_id, []).append(
                fields.get("tag_id", fields.get("tag"))
            )
    wanted_ids = set(article_tag_ids) | {i for ids in section_tag_ids.values() for i in ids}
    names = dict(Tag.objects.filter(pk__in=wanted_ids).values_list("pk", "name"))
    for section_id, section in sections.items():
        section["tags"] = [
            names.get(i, f"(deleted tag {i})") for i in section_tag_ids.get(section_id, [])
        ]
    return _article_text(
        data.get("title", ""),
        data.get("summary", ""),
        [names.get(i, f"(deleted tag {i})") for i in article_tag_ids],
        sections.values(),
    )


def _saved_sections(article):
    return [
        {
            "position": s.position,
            "id": s.pk,
            "level": s.level,
            "heading": s.heading,
            "anchor": s.anchor,
            "body": s.body,
            "tags": [t.name for t in s.tags.all()],
        }
        for s in article.sections.prefetch_related("tags")
    ]


def _saved_text(article, sections):
    return _article_text(article.title, article.summary, article.tags.names(), sections)


def _submitted_text(form, formsets, saved_sections):
    """The article as saving these forms would leave it: sections not in them stay as saved."""
    from taggit.utils import parse_tags

    sections = {section["id"]: section for section in saved_sections}
    for formset in formsets:
        for index, section_form in enumerate(formset.forms):
            pk = section_form.instance.pk
            if pk is None and not section_form.has_changed():
                continue
            if formset.can_delete and section_form["DELETE"].value():
                sections.pop(pk, None)
                continue

            def value(name, section_form=section_form):
                return section_form[name].value() if name in section_form.fields else ""

            position = value("position")
            sections[pk or f"new {index}"] = {
                "position": int(position) if str(position).isdigit() else index,
                "id": pk,
                "level": value("level"),
                "heading": value("heading") or "",
                "anchor": value("anchor") or "",
                "body": value("body") or "",
                "tags": parse_tags(value("tags") if isinstance(value("tags"), str) else ""),
            }
    tags = form["tags"].value()
    return _article_text(
        form["title"].value() or "",
        form["summary"].value() or "",
        parse_tags(tags) if isinstance(tags, str) else [t.name for t in tags or []],
        sections.values(),
    )


def conflict_diff(form, formsets, article):
    """What saving these forms again would change in the version saved now, as diff lines."""
    saved = Article.objects.prefetch_related("tags").get(pk=article.pk)
    saved_sections = _saved_sections(saved)
    diff = difflib.unified_diff(
        _saved_text(saved, saved_sections).splitlines(),
        _submitted_text(form, formsets, saved_sections).splitlines(),
        fromfile="saved now",
        tofile="your version",
        lineterm="",
        n=2,
    )
    return diff_lines(list(diff))


def diff_lines(lines):
    kinds = {"+": "added", "-": "removed", "@": "hunk"}
    return [
        (kinds.get(line[:1], "same") if not line.startswith(("+++", "---")) else "file", line)
        for line in lines
    ]


# --- Preview links ------------------------------------------------------------------------


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
            editorial.revoke_preview_link(link=link)
        self.message_user(request, "The selected preview links no longer work.")


# --- Tags ---------------------------------------------------------------------------------

if admin.site.is_registered(Tag):
    admin.site.unregister(Tag)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "article_count", "section_count"]
    search_fields = ["name", "slug"]
    ordering = ["name"]
    form = TagAdminForm
    actions = ["merge_tags"]

    def get_queryset(self, request):
        return editorial.tags_with_usage()

    @admin.display(description="articles", ordering="article_count")
    def article_count(self, tag):
        return tag.article_count

    @admin.display(description="sections", ordering="section_count")
    def section_count(self, tag):
        return tag.section_count

    def save_model(self, request, obj, form, change):
        # The form has run the same check as rename_tag, so this cannot refuse.
        editorial.rename_tag(
            tag=obj, name=form.cleaned_data["name"], slug=form.cleaned_data["slug"]
        )

    @admin.action(description="Merge the selected tags into…", permissions=["change", "delete"])
    def merge_tags(self, request, queryset):
        tags = list(queryset.order_by("name"))
        if "apply" in request.POST:
            form = MergeTagsForm(request.POST)
            if form.is_valid():
                target = form.cleaned_data["target"]
                merged = editorial.merge_tags(tags=tags, into=target)
                self.message_user(
                    request,
                    f"Merged {merged} tag(s) into “{target.name}”.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(request.get_full_path())
        else:
            form = MergeTagsForm(initial={"target": tags[0].pk if tags else None})
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge tags",
            "opts": self.opts,
            "tags": tags,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action": "merge_tags",
        }
        return TemplateResponse(request, "admin/taggit/tag/merge.html", context)
