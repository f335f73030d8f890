"""
Markdown → sanitized HTML, done once at save time.

A section body is Markdown. ``[[Title]]`` and ``[[Title#Section heading]]``
are cross-references: they are rendered as placeholder links carrying the
normalised title, and turned into real links (or an honest "not yet
published" marker) at display time by ``resolve_reference_markers``, because
whether the target is public can change without this section being saved.
"""

import html
import re
import threading
import unicodedata

import markdown
import nh3
from django.utils.text import slugify

# [[Title]] or [[Title#Heading]]; no brackets or newlines inside.
REFERENCE_PATTERN = re.compile(r"\[\[([^\[\]\n#|]{1,300})(?:#([^\[\]\n|]{1,300}))?\]\]")
SEE_ALSO_PATTERN = re.compile(r"^\s*see also\b", re.IGNORECASE)

ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "b", "i", "u", "s", "sub", "sup", "small",
    "ul", "ol", "li", "blockquote", "code", "pre", "a", "abbr", "cite", "q",
    "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "dl", "dt", "dd",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "ol": {"start"},
    "th": {"scope"},
    "td": set(),
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

_MARKDOWN_EXTENSIONS = ["sane_lists", "tables", "fenced_code"]
_local = threading.local()


def _markdown_converter():
    # Building a converter costs more than using one: keep one per thread.
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = markdown.Markdown(
            extensions=_MARKDOWN_EXTENSIONS, output_format="html"
        )
    return converter.reset()

MARKER_PATTERN = re.compile(
    r'<a class="xref" data-key="([^"]*)" data-anchor="([^"]*)">(.*?)</a>', re.DOTALL
)


def normalize_title(title):
    """The key two titles are compared by: case, spacing and quote style ignored."""
    text = unicodedata.normalize("NFKC", title or "")
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u201c", '"').replace("\u201d", '"')
    text = re.sub(r"\s+", " ", text).strip().casefold()
    return text[:255]


def extract_references(body):
    """Every ``[[...]]`` in a Markdown body: (title, heading, is_see_also), in order."""
    references = []
    for line in (body or "").splitlines():
        see_also = bool(SEE_ALSO_PATTERN.match(line))
        for match in REFERENCE_PATTERN.finditer(line):
            title = re.sub(r"\s+", " ", match.group(1)).strip()
            heading = re.sub(r"\s+", " ", match.group(2) or "").strip()
            if title:
                references.append((title, heading, see_also))
    return references


# Built once: nh3.clean() builds its allow-lists again on every call.
_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=ALLOWED_URL_SCHEMES,
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)


def sanitize_html(raw_html):
    return _CLEANER.clean(raw_html)


def _reference_marker(match):
    title = html.unescape(match.group(1)).strip()
    heading = html.unescape(match.group(2) or "").strip()
    key = normalize_title(title)
    anchor = slugify(heading) if heading else ""
    label = f"{title} § {heading}" if heading else title
    return (
        f'<a class="xref" data-key="{html.escape(key)}" data-anchor="{html.escape(anchor)}">'
        f"{html.escape(label)}</a>"
    )


def _mark_see_also(rendered):
    return re.sub(
        r'<p>See also:?\s*(<a class="xref".*?</a>)</p>',
        r'<p class="see-also">See also: \1</p>',
        rendered,
        flags=re.IGNORECASE | re.DOTALL,
    )


def render_markdown(body):
    """Markdown → sanitized HTML with cross-reference markers. Safe to store and show."""
    return finish_html(_markdown_converter().convert(body or ""))


def finish_html(raw):
    """Raw HTML → what is stored: sanitized, with cross-reference markers."""
    clean = sanitize_html(raw)
    # Markers are added after sanitizing, from text the sanitizer already escaped.
    with_markers = REFERENCE_PATTERN.sub(_reference_marker, clean)
    return _mark_see_also(with_markers)


def resolve_reference_markers(rendered, targets):
    """
    Replace cross-reference markers with links to published targets.

    ``targets`` maps a normalised title to the public URL of the article it
    names; a title missing from it is shown as plain text, marked as not yet
    published (never a dead link).
    """
    if 'class="xref"' not in rendered:
        return rendered

    def replace(match):
        key, anchor, label = match.groups()
        url = targets.get(html.unescape(key))
        if url:
            href = f"{url}#{anchor}" if anchor else url
            return f'<a class="xref" href="{html.escape(href)}">{label}</a>'
        return (
            f'<span class="xref xref-unpublished">{label}'
            ' <span class="xref-note">(not yet published)</span></span>'
        )

    return MARKER_PATTERN.sub(replace, rendered)


def plain_text(rendered):
    """Visible text of rendered HTML, for search indexing and word counts."""
    text = re.sub(r"<[^>]+>", " ", rendered or "")
    return re.sub(r"\s+", " ", html.unescape(text)).strip()
