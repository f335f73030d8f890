"""
What the editors say a topic (a taggit Tag) is about.
"""

from django.db import models
from taggit.models import Tag

from ..content.rendering import render_markdown


class TopicDescription(models.Model):
    """What a topic is about, in the editors' words: shown on its page, in its card and feed."""

    tag = models.OneToOneField(
        Tag, on_delete=models.CASCADE, related_name="topic_description", verbose_name="topic"
    )
    text = models.TextField(
        "description",
        help_text="A paragraph or two (Markdown) saying what the topic covers and why it matters.",
    )
    text_html = models.TextField(editable=False, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tag__name"]
        verbose_name = "topic description"
        verbose_name_plural = "topic descriptions"

    def __str__(self):
        return f"Description of {self.tag}"

    def save(self, *args, **kwargs):
        self.text_html = render_markdown(self.text)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | {"text_html"}
        super().save(*args, **kwargs)
        _topic_pages_changed()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        _topic_pages_changed()
        return result


def _topic_pages_changed():
    # The topic pages are stored under what lists show (see caching.versions).
    from ..caching import bump_after_commit
    from ..caching.versions import LISTS

    bump_after_commit({LISTS})
