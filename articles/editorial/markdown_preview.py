"""
The live preview of a lead or section text while an editor writes it: the
site's own rendering (``render_markdown``, then ``resolve_reference_markers``
as a reader would see it), with notes on what the editor cannot see there —
each cross-reference's state (resolved, an unpublished article, or wanted),
the markup the sanitizer dropped, and Markdown headings written inside a
text, where the sections are the headings.
"""

from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.urls import reverse

from ..content.references import attach_targets, build_references
from ..content.rendering import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    ALLOWED_URL_SCHEMES,
    PARSE_ONLY_ATTRIBUTES,
    markdown_html,
    plain_text,
    render_markdown,
    resolve_reference_markers,
)

# More than any article's section: a preview of a pasted book is refused.
MAX_PREVIEW_CHARACTERS = 200_000
HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


@dataclass(frozen=True)
class ReferenceNote:
    title: str
    heading: str
    state: str  # "resolved", "unpublished" or "wanted"
    url: str = ""


@dataclass(frozen=True)
class Preview:
    html: str
    words: int
    references: list = field(default_factory=list)
    dropped: list = field(default_factory=list)
    headings: list = field(default_factory=list)

    def as_dict(self):
        return asdict(self)


class _Elements(HTMLParser):
    """Start tags with their attributes, and the text of each heading."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []
        self.headings = []
        self._heading = None

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))
        if tag in HEADING_TAGS:
            self._heading = []

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag in HEADING_TAGS and self._heading is not None:
            self.headings.append(" ".join("".join(self._heading).split()))
            self._heading = None

    def handle_data(self, data):
        if self._heading is not None:
            self._heading.append(data)


def _parsed(html):
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser


def _unsanitized(text):
    """The Markdown as HTML before the sanitizer sees it (no cross-references)."""
    return markdown_html(text, cross_references=False)


def _scheme(url):
    cleaned = "".join(ch for ch in (url or "") if ch > " ").lower()
    scheme = urlsplit(cleaned).scheme
    return scheme if scheme and scheme not in ALLOWED_URL_SCHEMES else ""


def dropped_markup(raw):
    """
    What the sanitizer leaves out of ``raw`` (the unsanitized parse), named
    for an editor: elements, attributes and link addresses. Headings are
    reported apart.
    """
    dropped = []
    for tag, attrs in _parsed(raw).elements:
        if tag in HEADING_TAGS:
            continue
        if tag not in ALLOWED_TAGS:
            dropped.append(f"<{tag}>")
            continue
        allowed = ALLOWED_ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            if name not in allowed or (tag, name) in PARSE_ONLY_ATTRIBUTES:
                dropped.append(f"the {name} attribute of <{tag}>")
            elif name == "href" and _scheme(value):
                dropped.append(f"a {_scheme(value)}: link address")
    return list(dict.fromkeys(dropped))


def reference_notes(text):
    """Each ``[[…]]`` in ``text`` with its state, and the links a reader would follow."""
    references = attach_targets(build_references(article=None, section=None, text=text))
    notes, targets = [], {}
    for reference in references:
        target = reference.target
        if target is None:
            notes.append(ReferenceNote(reference.target_title, reference.target_heading, "wanted"))
        elif target.is_public:
            url = target.get_absolute_url()
            targets[reference.target_key] = url
            notes.append(
                ReferenceNote(reference.target_title, reference.target_heading, "resolved", url)
            )
        else:
            # A draft shows as a link to its preview, for the editor only.
            url = reverse("preview:article", kwargs={"slug": target.slug})
            targets[reference.target_key] = url
            notes.append(
                ReferenceNote(reference.target_title, reference.target_heading, "unpublished", url)
            )
    return notes, targets


def markdown_preview(text):
    """The Preview of a lead or section text as an editor is writing it."""
    text = text or ""
    notes, targets = reference_notes(text)
    html = resolve_reference_markers(render_markdown(text), targets)
    raw = _unsanitized(text)
    return Preview(
        html=html,
        words=len(plain_text(html).split()),
        references=[asdict(note) for note in notes],
        dropped=dropped_markup(raw),
        headings=[heading or "(empty)" for heading in _parsed(raw).headings],
    )
