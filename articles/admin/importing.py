"""
The upload wizard: an editor uploads a source file, reads the outline it
parses to (title, lead, headings, lists, cross-references, suggested tags),
then imports it as a draft. It calls the same parser and import service as
the ``import_sources`` command.
"""

import base64
import os

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path

from ..content.rendering import normalize_title
from ..models import Article
from ..sources.importer import import_source, source_digest
from ..sources.outline import ItemList, SourceError
from ..sources.parser import decode_source, parse_source
from ..sources.tagging import suggest_tags
from .pages import admin_page
from .revisions import recorded_revision

IMPORT_SESSION_KEY = "articles.admin.import"
MAX_SOURCE_BYTES = 1024 * 1024


class SourceUploadForm(forms.Form):
    source = forms.FileField(
        label="Source text file",
        help_text="A UTF-8 text file in the same format as the imported sources: the title "
        "on the first line, the lead paragraphs, then the headings and their text. "
        f"At most {MAX_SOURCE_BYTES:,} bytes (1 MiB).",
    )

    def clean_source(self):
        upload = self.cleaned_data["source"]
        if upload.size > MAX_SOURCE_BYTES:
            # Exact sizes: rounded to kilobytes, a file one byte too large
            # would read as being exactly at the limit.
            raise forms.ValidationError(
                f"The file is {upload.size:,} bytes; the limit is {MAX_SOURCE_BYTES:,} bytes "
                "(1 MiB)."
            )
        return upload

    @property
    def filename(self):
        return source_filename(self.cleaned_data["source"].name)


def source_filename(name):
    """The uploaded file's own name, without any folder a browser sent with it."""
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    return (base or "upload.txt")[:255]


class ConfirmImportForm(forms.Form):
    digest = forms.CharField(widget=forms.HiddenInput, max_length=64)
    replace = forms.BooleanField(
        required=False,
        label="Replace the existing article with this file",
        help_text="Only imported articles nobody has edited since can be replaced.",
    )


def existing_article(outline, filename):
    """The article an import of this file would replace, as the importer finds it."""
    return (
        Article.objects.filter(source_file=filename).first()
        or Article.objects.filter(title_key=normalize_title(outline.title)).first()
    )


class SourceImportAdminMixin:
    """The article admin's "Import a source file" page (articles_article_import)."""

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="articles_article_import"), *super().get_urls()]

    def import_view(self, request):
        """Upload a source file, read the outline it parses to, then import it as a draft."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST" and "confirm" in request.POST:
            return self._confirm_import(request, request.session.get(IMPORT_SESSION_KEY))
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
        return admin_page(
            self, request, "admin/articles/article/import.html", "Import a source file", form=form
        )

    def _import_preview(self, request, outline, filename, digest, confirm_form=None):
        article_tags, section_tags = suggest_tags(outline)
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
        return admin_page(
            self,
            request,
            "admin/articles/article/import_preview.html",
            "Check the outline before importing",
            outline=outline,
            filename=filename,
            sections=sections,
            lead_lists=[b for b in outline.lead if isinstance(b, ItemList)],
            see_also=outline.see_also(),
            article_tags=article_tags,
            existing=existing_article(outline, filename),
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
            with recorded_revision(user=request.user, comment=f"Imported from {filename}."):
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
        return self._imported(request, result, filename)

    def _imported(self, request, result, filename):
        article = result.article
        if result.action == "unchanged":
            self.message_user(
                request,
                f"Nothing imported: “{article.title}” was already imported from this very file.",
                messages.WARNING,
            )
        elif result.action not in {"created", "updated"}:
            self.message_user(
                request, f"Nothing imported: “{article.title}” {result.message}.", messages.WARNING
            )
        else:
            if result.action == "created":
                self.log_addition(request, article, f"Imported from {filename}.")
            else:
                self.log_change(request, article, f"Replaced from {filename}.")
            draft = ", as a draft" if article.status == Article.Status.DRAFT else ""
            self.message_user(
                request,
                f"{result.action.capitalize()} “{article.title}” with {result.sections} "
                f"section(s){draft}.",
                messages.SUCCESS,
            )
        return redirect("admin:articles_article_change", article.pk)
