"""
Topic descriptions in the admin: what a topic covers, in the editors' words,
shown on the topic's page, in its preview card and in its feed. One per topic
(taggit's Tag), written in Markdown like the articles' leads.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from ..models import TopicDescription


@admin.register(TopicDescription)
class TopicDescriptionAdmin(admin.ModelAdmin):
    list_display = ["tag", "excerpt", "updated_at"]
    list_select_related = ["tag"]
    search_fields = ["tag__name", "text"]
    autocomplete_fields = ["tag"]
    fields = ["tag", "text", "topic_page"]
    readonly_fields = ["topic_page"]

    @admin.display(description="Description")
    def excerpt(self, description):
        text = " ".join(description.text.split())
        return text if len(text) <= 90 else text[:89].rstrip() + "…"

    @admin.display(description="Topic page")
    def topic_page(self, description):
        if description.pk is None or not description.tag.slug:
            return "—"
        url = reverse("articles:tag", kwargs={"slug": description.tag.slug})
        return format_html('<a href="{}">{}</a>', url, url)
