"""
Tags in the admin: the list with usage counts, the tag's own form (the same
name rule as renaming), and the action that merges tags into one.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from taggit.models import Tag

from ..editorial import tags as editorial_tags
from .pages import admin_page


class TagAdminForm(forms.ModelForm):
    """A tag's own form: the same rule for its name and address as renaming applies."""

    class Meta:
        model = Tag
        fields = ["name", "slug"]
        help_texts = {
            "slug": "The tag's address: /tags/<slug>/. Changing it breaks links to the old address."
        }

    def clean(self):
        cleaned = super().clean()
        if "name" in cleaned and "slug" in cleaned:
            try:
                cleaned["name"], cleaned["slug"] = editorial_tags.check_tag_name(
                    tag=self.instance, name=cleaned["name"], slug=cleaned["slug"]
                )
            except ValidationError as error:
                # A clash names its field; a refused name is the name's.
                self.add_error(None if hasattr(error, "error_dict") else "name", error)
        return cleaned


class MergeTagsForm(forms.Form):
    target = forms.ModelChoiceField(
        queryset=Tag.objects.order_by("name"),
        label="Merge into",
        help_text="Everything tagged with the selected tags gets this tag; the selected "
        "tags are then deleted.",
    )

    def clean_target(self):
        return editorial_tags.check_merge_target(tag=self.cleaned_data["target"])


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
        return editorial_tags.tags_with_usage()

    @admin.display(description="articles", ordering="article_count")
    def article_count(self, tag):
        return tag.article_count

    @admin.display(description="sections", ordering="section_count")
    def section_count(self, tag):
        return tag.section_count

    def save_model(self, request, obj, form, change):
        # The form has run the same check as rename_tag, so this cannot refuse.
        editorial_tags.rename_tag(
            tag=obj, name=form.cleaned_data["name"], slug=form.cleaned_data["slug"]
        )

    @admin.action(description="Merge the selected tags into…", permissions=["change", "delete"])
    def merge_tags(self, request, queryset):
        tags = list(queryset.order_by("name"))
        if "apply" in request.POST:
            form = MergeTagsForm(request.POST)
            if form.is_valid():
                target = form.cleaned_data["target"]
                merged = editorial_tags.merge_tags(tags=tags, into=target)
                self.message_user(
                    request, f"Merged {merged} tag(s) into “{target.name}”.", messages.SUCCESS
                )
                return HttpResponseRedirect(request.get_full_path())
        else:
            form = MergeTagsForm(initial={"target": tags[0].pk if tags else None})
        return admin_page(
            self,
            request,
            "admin/taggit/tag/merge.html",
            "Merge tags",
            tags=tags,
            form=form,
            action_checkbox_name=helpers.ACTION_CHECKBOX_NAME,
            action="merge_tags",
        )
