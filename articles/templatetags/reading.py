"""Template helpers for the reading side: plain-text excerpts, absolute URLs, JSON-LD."""

import json
import re

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from ..content.rendering import plain_text, reference_markers_as_text

register = template.Library()

# What must never appear raw inside a <script> data block (as Django's json_script does).
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def plain(rendered_html, length=None):
    """Visible text of stored HTML (entities decoded), optionally cut to ``length`` characters."""
    text = plain_text(rendered_html)
    return Truncator(text).chars(int(length)) if length else text


@register.filter
def without_reference_links(rendered_html):
    """
    Stored HTML with its cross-reference markers reduced to their text, for
    excerpts shown in lists (the article page resolves them into links).
    """
    return mark_safe(reference_markers_as_text(rendered_html))


# A top-level paragraph of stored HTML: the sanitizer writes them as <p> or <p class="…">.
_PARAGRAPH = re.compile(r"<p(?: class=\"([^\"]*)\")?>(.*?)</p>", re.DOTALL)


@register.filter
def excerpt(rendered_html, length=200):
    """
    The first lines of a passage for a list or a card: its first paragraph
    that is neither a See also line nor holds a cross-reference (whose target
    may not be public, and which means little out of its page), as plain
    text cut to ``length`` characters; empty when every paragraph does.
    """
    for found in _PARAGRAPH.finditer(rendered_html or ""):
        if found.group(1) == "see-also" or "data-key=" in found.group(2):
            continue
        text = plain_text(found.group(2))
        if len(text) > int(length):  # cut at a word, with no space before the ellipsis
            text = text[: int(length)].rsplit(" ", 1)[0].rstrip(" ,;:–—") + "…"
        if text:
            return text
    return ""


@register.simple_tag(takes_context=True)
def absolute_url(context, path):
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


def json_ld_script(data):
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))


@register.simple_tag(takes_context=True)
def article_json_ld(context, article, tags=None):
    """
    schema.org Article data for search engines, in a non-executable data block.
    ``tags``: the article's tags when the page already has them (else they are read).
    """
    if tags is None:
        tags = article.tags.all()
    request = context["request"]
    url = request.build_absolute_uri(article.get_absolute_url())
    publisher = {"@type": "Organization", "name": settings.SITE_NAME}
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": article.title,
        "description": Truncator(plain_text(article.summary_html)).chars(300),
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "wordCount": article.word_count,
        "keywords": [tag.name for tag in tags],
        "author": publisher,
        "publisher": publisher,
        "inLanguage": "en-GB",
    }
    if article.published_at:
        data["datePublished"] = article.published_at
    if article.updated_at:
        data["dateModified"] = article.updated_at
    return json_ld_script(data)


@register.filter
def machine_datetime(value):
    """A datetime as HTML's <time datetime> accepts it: ISO 8601 to the second, with offset."""
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.isoformat(timespec="seconds")
