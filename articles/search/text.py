"""
Text as the search engines see it: a reader's query made safe and bounded, the
words looked for, indexed text kept free of the highlight delimiters, and an
engine's snippet turned into HTML whose only tags are ``<mark>``.
"""

import html
import re

from django.utils.safestring import mark_safe

from ..content.rendering import plain_text

MAX_QUERY_LENGTH = 200
# Words of a query looked for at most: each one is a lookup in the index.
MAX_TERMS = 32

# Private-use characters: never in indexed text (removed on the way in), so in
# a snippet they can only be the engine's highlight delimiters.
MARK_START = "\ue000"
MARK_END = "\ue001"
_MARKED = re.compile(f"{MARK_START}([^{MARK_START}{MARK_END}]*){MARK_END}")

# Letters and digits: what both engines treat as word characters.
_WORD = re.compile(r"[^\W_]+")
# Control characters, the highlight delimiters and lone surrogates.
_UNWANTED = re.compile(r"[\x00-\x1f\x7f-\x9f\ue000\ue001\ud800-\udfff]")


def clean_query(raw):
    """The query as it will be searched: printable, one-spaced, at most MAX_QUERY_LENGTH characters."""
    return _printable(raw)[:MAX_QUERY_LENGTH].strip()


def is_shortened(raw):
    """Whether ``clean_query`` had to cut ``raw`` to MAX_QUERY_LENGTH characters."""
    return len(_printable(raw)) > MAX_QUERY_LENGTH


def _printable(raw):
    return " ".join(_UNWANTED.sub(" ", str(raw or "")).split())


def words(cleaned):
    """The words of a cleaned query that the engines look for, at most MAX_TERMS."""
    return _WORD.findall(cleaned)[:MAX_TERMS]


def indexable(text):
    """Plain text as the index holds it: free of the characters reserved for highlighting."""
    return text.replace(MARK_START, "").replace(MARK_END, "")


def indexed_text(rendered_html):
    """The indexed text of rendered HTML: what a reader sees of it."""
    return indexable(plain_text(rendered_html))


def highlight(marked_text):
    """Engine output with sentinel delimiters → escaped HTML whose only tags are <mark>."""
    escaped = html.escape(marked_text, quote=True)
    marked = _MARKED.sub(r"<mark>\1</mark>", escaped)
    return mark_safe(marked.replace(MARK_START, "").replace(MARK_END, ""))
