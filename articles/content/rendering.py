"""
Markdown → sanitized HTML, done once at save time.

A section body is Markdown (CommonMark with tables, parsed by
markdown-it-py, raw HTML let through to the sanitizer). ``[[Title]]`` and
``[[Title#Section heading]]`` are cross-references: an inline rule of the
Markdown parse turns each into a marker, an ``<a>`` carrying the normalised
title in ``data-key``, and the sanitizer sees the final HTML. Whether the
target is public can change without this section being saved, so
``resolve_reference_markers`` turns the markers into real links (or, for a
title that names no public article, its plain text, or an editor's "not yet
published" note) at display time, reading the stored HTML with an HTML
parser.
"""

import html
import re
import secrets
from html.parser import HTMLParser
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

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
# The backslash escapes a title may hold: it is shown without the backslash,
# and an escaped "]" or "#" neither ends it nor starts its heading.
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()>#+\-.!|])")
# An entity in a title is shown as its character, as in the rest of the text.
_ENTITY = re.compile(r"&(?:#[0-9]+|#x[0-9a-f]+|[0-9a-z]+);", re.IGNORECASE)
# Where a title would hold a code span or an autolink, it names markup, not an article.
_AUTOLINK = re.compile(r"<(?:[A-Za-z][A-Za-z0-9.+-]{1,31}:[^<>\s]*|[^<>@\s]+@[^<>@\s]+)>")


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


def _cross_reference(state, silent):
    """
    The inline rule: ``[[Title]]`` or ``[[Title#Heading]]`` in running text →
    a marker. It runs before links, after code spans, autolinks, raw HTML and
    escapes have taken their text where they start first, and never inside a
    link's own text.
    """
    src, start = state.src, state.pos
    # Silent: a link's text is being measured; there "[[" is two brackets,
    # so that the link is found and this rule then declines inside it.
    if silent or state.linkLevel > 0 or not src.startswith("[[", start):
        return False
    # Escaped characters masked, so that "\]" or "\#" is part of the title.
    masked = _ESCAPE.sub("\0\0", src[start : start + 620])
    match = REFERENCE_PATTERN.match(masked)
    # "[[Title]](url)" is a link whose text is "[Title]".
    if match is None or masked[match.end() : match.end() + 1] == "(":
        return False
    title = src[start + match.start(1) : start + match.end(1)]
    heading = src[start + match.start(2) : start + match.end(2)] if match.group(2) else ""
    if not written_title(title) or _names_markup(src, start + 2, start + match.end()):
        return False
    # Key and anchor from the title as written, as the stored
    # CrossReference has them; the label as the reader sees the text.
    key = normalize_title(written_title(title))
    anchor = heading_anchor(written_title(heading))
    shown_title, shown_heading = _shown(title), _shown(heading)
    token = state.push("cross_reference", "a", 0)
    # In the order the stored HTML has always had them.
    token.attrs = {
        "class": _signed("xref"),
        "data-anchor": _signed(anchor),
        "data-key": _signed(key.translate(_KEY_ESCAPES)),
    }
    token.content = f"{shown_title} § {shown_heading}" if shown_heading else shown_title
    state.pos = start + match.end()
    return True


def _names_markup(src, start, end):
    """Whether ``src[start:end]`` holds a code span (a backtick closed later) or an autolink."""
    tick = src.find("`", start, end)
    if tick != -1 and src.find("`", tick + 1) != -1:
        return True
    return bool(_AUTOLINK.search(src, start, end))


def _shown(text):
    """A title as the reader sees it: escapes and entities as their characters, spacing kept."""
    text = _ESCAPE.sub(r"\1", text)
    return _ENTITY.sub(lambda match: html.unescape(match.group(0)), text).strip()


def _render_cross_reference(renderer, tokens, index, options, env):
    token = tokens[index]
    return f"<a{renderer.renderAttrs(token)}>{escapeHtml(token.content)}</a>"


def _see_also_paragraphs(state):
    """
    The core rule after the inline parse: a paragraph that is "See also:" and
    cross-references gets its class and wording.
    """
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "paragraph_open" or token.hidden:
            continue
        children = tokens[index + 1].children or []
        lead = 0
        while lead < len(children) and children[lead].type in {"text", "softbreak"}:
            lead += 1
        text = "".join(child.content if child.type == "text" else "\n" for child in children[:lead])
        if (
            0 < lead < len(children)
            and _SEE_ALSO_LEAD.match(text)
            and children[lead].type == "cross_reference"
            and children[-1].type in {"cross_reference", "link_close"}
        ):
            token.attrSet("class", _signed("see-also"))
            children[0].content = "See also: "
            del children[1:lead]


def _parser(*, cross_references):
    parser = MarkdownIt("commonmark", {"html": True}).enable("table")
    if cross_references:
        parser.inline.ruler.before("link", "cross_reference", _cross_reference)
        parser.add_render_rule("cross_reference", _render_cross_reference)
        parser.core.ruler.push("see_also", _see_also_paragraphs)
    return parser


_PARSER = _parser(cross_references=True)
_PLAIN_PARSER = _parser(cross_references=False)


def markdown_html(body, *, cross_references=True):
    """
    Markdown → HTML as the parse writes it, before the sanitizer (the
    editor's preview shows what the sanitizer drops from it).
    """
    parser = _PARSER if cross_references else _PLAIN_PARSER
    # Without the newlines at its ends, as the stored HTML has always been.
    return parser.render(body or "").strip()


def render_markdown(body):
    """Markdown → sanitized HTML with cross-reference markers. Safe to store and show."""
    return sanitize_html(markdown_html(body))


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
