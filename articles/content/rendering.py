"""
Markdown → sanitized HTML, done once at save time.

A section body is Markdown. ``[[Title]]`` and ``[[Title#Section heading]]``
are cross-references: an inline rule of the Markdown parse turns each into a
marker, an ``<a>`` carrying the normalised title in ``data-key``, and the
sanitizer sees the final HTML. Whether the target is public can change
without this section being saved, so ``resolve_reference_markers`` turns the
markers into real links (or, for a title that names no public article, its
plain text, or an editor's "not yet published" note) at display time,
reading the stored HTML with an HTML parser.
"""

import html
import re
import secrets
import threading
import xml.etree.ElementTree as etree
from html.parser import HTMLParser
from typing import NamedTuple
from urllib.parse import unquote

import markdown
import nh3
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor, UnescapeTreeprocessor
from markdown.util import HTML_PLACEHOLDER_RE, INLINE_PLACEHOLDER_RE, AtomicString

from .reference_syntax import REFERENCE_PATTERN, heading_anchor, normalize_title, written_title

ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "b", "i", "u", "s", "sub", "sup", "small",
    "ul", "ol", "li", "blockquote", "code", "pre", "a", "abbr", "cite", "q",
    "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "dl", "dt", "dd",
}  # fmt: skip
# Attributes only the parse writes: the cross-reference markers and the
# "See also" paragraph's class.
PARSE_ONLY_ATTRIBUTES = {("a", "class"), ("a", "data-key"), ("a", "data-anchor"), ("p", "class")}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class", "data-key", "data-anchor"},
    "abbr": {"title"},
    "ol": {"start"},
    "p": {"class"},
    "th": {"scope"},
    "td": set(),
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

# The parse signs the values of PARSE_ONLY_ATTRIBUTES with this secret, and the
# sanitizer keeps such an attribute only when signed (taking the signature
# off), so raw HTML written in a body can never pass for a marker. It never
# leaves the process: nothing stored or shown carries it.
_SIGNATURE = f"{secrets.token_hex(8)}:"
# A URL keeps its angle brackets percent-encoded, as a browser would send
# them; any other attribute value holding one is dropped. So no attribute
# value in the stored HTML can read as markup.
_URL_BRACKETS = str.maketrans({"<": "%3C", ">": "%3E"})
# A marker's key is a title: its brackets are percent-encoded the same way
# (and "%" itself, so that reading it back is exact).
_KEY_ESCAPES = str.maketrans({"%": "%25", "<": "%3C", ">": "%3E"})
_SEE_ALSO_LEAD = re.compile(r"see also:?\s*\Z", re.IGNORECASE)
# A backslash escape, as the Markdown parse holds it until its last step.
_ESCAPED_CHARACTER = UnescapeTreeprocessor.RE


def _signed(value):
    return _SIGNATURE + value


def _filter_attribute(element, attribute, value):
    if (element, attribute) in PARSE_ONLY_ATTRIBUTES:
        return value.removeprefix(_SIGNATURE) if value.startswith(_SIGNATURE) else None
    if attribute == "href":
        return value.translate(_URL_BRACKETS)
    return None if "<" in value or ">" in value else value


# Built once: nh3.clean() builds its allow-lists again on every call.
_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    attribute_filter=_filter_attribute,
    url_schemes=ALLOWED_URL_SCHEMES,
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)


def sanitize_html(raw_html):
    return _CLEANER.clean(raw_html)


class _CrossReferences(InlineProcessor):
    """``[[Title]]`` and ``[[Title#Heading]]`` in running text → a marker."""

    # Registered below code spans, links, images, autolinks and raw HTML, so
    # that those have taken their text (URLs and titles included) before this
    # rule looks; and never inside a link's own text.
    PRIORITY = 85
    ANCESTOR_EXCLUDES = ("a",)

    def handleMatch(self, m, data):
        title, heading = self._source(m.group(1)), self._source(m.group(2) or "")
        if title is None or heading is None or not written_title(title.written):
            return None, None, None
        # Key and anchor from the title as written, as the stored
        # CrossReference has them; the label as the reader sees the text.
        key = normalize_title(written_title(title.written))
        anchor = heading_anchor(written_title(heading.written))
        shown_title, shown_heading = title.shown.strip(), heading.shown.strip()
        marker = etree.Element("a")
        marker.set("class", _signed("xref"))
        marker.set("data-key", _signed(key.translate(_KEY_ESCAPES)))
        marker.set("data-anchor", _signed(anchor))
        marker.text = AtomicString(
            f"{shown_title} § {shown_heading}" if shown_heading else shown_title
        )
        return marker, m.start(0), m.end(0)

    def _source(self, text):
        """
        A title the parse has begun on, as written and as shown: raw HTML as
        it was typed, a backslash escape with or without its backslash. None
        where another rule made an element of part of it (a code span, a
        link): a reference names a title, not markup.
        """
        # The rules before this one left placeholders: for an element, or for
        # the text of an escape or of raw HTML.
        stashed = self.md.treeprocessors["inline"].stashed_nodes
        placeholders = INLINE_PLACEHOLDER_RE.findall(text)
        if not all(isinstance(stashed.get(found), str) for found in placeholders):
            return None
        text = INLINE_PLACEHOLDER_RE.sub(lambda match: stashed[match.group(1)], text)
        raw_html = self.md.htmlStash.rawHtmlBlocks
        text = HTML_PLACEHOLDER_RE.sub(lambda match: str(raw_html[int(match.group(1))]), text)
        written = _ESCAPED_CHARACTER.sub(lambda match: "\\" + chr(int(match.group(1))), text)
        shown = _ESCAPED_CHARACTER.sub(lambda match: chr(int(match.group(1))), text)
        return _Title(written, shown)


class _Title(NamedTuple):
    written: str
    shown: str


class _SeeAlsoParagraphs(Treeprocessor):
    """A paragraph that is "See also:" and cross-references gets its class and wording."""

    # After the inline rules (20), which make the markers.
    PRIORITY = 15

    def run(self, root):
        # "See also: [[Title]]" as the import writes it, or a list of them.
        for paragraph in root.iter("p"):
            if (
                len(paragraph)
                and _SEE_ALSO_LEAD.match(paragraph.text or "")
                and _is_marker(paragraph[0])
                and paragraph[-1].tag == "a"
                and not paragraph[-1].tail
            ):
                paragraph.set("class", _signed("see-also"))
                paragraph.text = "See also: "


def _is_marker(element):
    return element.tag == "a" and element.get("data-key", "").startswith(_SIGNATURE)


class _CrossReferenceExtension(markdown.Extension):
    def extendMarkdown(self, md):
        md.inlinePatterns.register(
            _CrossReferences(REFERENCE_PATTERN.pattern, md),
            "cross_reference",
            _CrossReferences.PRIORITY,
        )
        md.treeprocessors.register(_SeeAlsoParagraphs(md), "see_also", _SeeAlsoParagraphs.PRIORITY)


_local = threading.local()


def _markdown_converter():
    # Building a converter costs more than using one: keep one per thread.
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = markdown.Markdown(
            extensions=["sane_lists", "tables", "fenced_code", _CrossReferenceExtension()],
            output_format="html",
        )
    return converter.reset()


def render_markdown(body):
    """Markdown → sanitized HTML with cross-reference markers. Safe to store and show."""
    return sanitize_html(_markdown_converter().convert(body or ""))


class _MarkerRewriter(HTMLParser):
    """
    Stored HTML read token by token: each cross-reference marker is replaced
    by ``replace(key, anchor, label_html)``, and everything else is written
    out as the sanitizer wrote it.
    """

    def __init__(self, replace):
        super().__init__(convert_charrefs=False)
        self.replace = replace
        self.out = []
        self.marker = None  # (key, anchor) while inside a marker
        self.label = []

    def rewrite(self, rendered):
        self.feed(rendered)
        self.close()
        return "".join(self.out)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and self.marker is None and "data-key" in attributes:
            key = unquote(attributes["data-key"] or "")
            self.marker = (key, attributes.get("data-anchor") or "")
            self.label = []
        else:
            self._write(self.get_starttag_text())

    def handle_startendtag(self, tag, attrs):
        self._write(self.get_starttag_text())

    def handle_endtag(self, tag):
        if tag == "a" and self.marker is not None:
            self.out.append(self.replace(*self.marker, "".join(self.label)))
            self.marker = None
        else:
            self._write(f"</{tag}>")

    def handle_data(self, data):
        self._text(data, data)

    def handle_entityref(self, name):
        self._text(f"&{name};", html.unescape(f"&{name};"))

    def handle_charref(self, name):
        self._text(f"&#{name};", html.unescape(f"&#{name};"))

    def _text(self, as_stored, text):
        # A label is written as the markers have always been shown: escaped
        # with quotes, whatever the sanitizer's own spelling.
        if self.marker is None:
            self.out.append(as_stored)
        else:
            self.label.append(html.escape(text))

    def _write(self, markup):
        (self.out if self.marker is None else self.label).append(markup)


def _rewrite_markers(rendered, replace):
    rendered = rendered or ""
    if "data-key=" not in rendered:
        return rendered
    return _MarkerRewriter(replace).rewrite(rendered)


def resolve_reference_markers(rendered, targets, *, mark_missing=True):
    """
    Replace cross-reference markers with links to published targets.

    ``targets`` maps a normalised title to the public URL of the article it
    names; a title missing from it is never a dead link: it is shown marked
    as not yet published (what an editor's preview shows), or, without
    ``mark_missing``, as the plain text of the sentence (what readers see).
    """

    def replace(key, anchor, label):
        url = targets.get(key)
        if url:
            href = f"{url}#{anchor}" if anchor else url
            return f'<a class="xref" href="{html.escape(href)}">{label}</a>'
        if not mark_missing:
            return label
        return (
            f'<span class="xref xref-unpublished">{label}'
            ' <span class="xref-note">(not yet published)</span></span>'
        )

    return _rewrite_markers(rendered, replace)


def reference_markers_as_text(rendered):
    """Stored HTML with each cross-reference marker reduced to its label."""
    return _rewrite_markers(rendered, lambda key, anchor, label: label)


def plain_text(rendered):
    """Visible text of rendered HTML, for search indexing and word counts."""
    text = re.sub(r"<[^>]+>", " ", rendered or "")
    return re.sub(r"\s+", " ", html.unescape(text)).strip()
