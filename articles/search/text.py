"""
Text as the search engines see it: a reader's query made safe and bounded, the
words looked for and the forms they may take, indexed text kept free of the
highlight delimiters, the vocabulary an entry adds to the index, and an
engine's snippet turned into HTML whose only tags are ``<mark>``.

Compounds are forgiven on both sides. A query's compound ("peace-keeping")
is looked for as a phrase or as one word ("peacekeeping"), and two words typed
apart ("peace keeping") each match themselves or the word they make together.
Indexed text's compounds ("peace-keeping") are also indexed as one word, so
that "peacekeeping" finds them. Two words written apart in a text are not
joined: any two neighbours would then be a word of the index.
"""

import html
import re
import unicodedata
from typing import NamedTuple

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
# Words joined by hyphens (the ASCII one, U+2010 and the non-breaking U+2011).
_HYPHENS = "\\-\u2010\u2011"
_COMPOUND = re.compile(rf"[^\W_]+(?:[{_HYPHENS}][^\W_]+)*")
# Words of the vocabulary: long enough to be worth correcting towards, short
# enough to be words rather than identifiers.
VOCABULARY_LENGTHS = range(3, 41)
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


class Form(NamedTuple):
    """One way a query's word may appear: a word, or a phrase of words in a row."""

    words: tuple
    # Whether it ends on the query's last word (which may be a word still being typed).
    ends_query: bool


def requirements(cleaned):
    """
    What a text must hold to match ``cleaned``: one tuple of Forms per word
    or compound, any of which will do. "peace-keeping" is the phrase "peace
    keeping" or "peacekeeping"; in "peace keeping" each word is itself or
    "peacekeeping". At most MAX_TERMS words; empty when there are none.
    """
    groups = []
    budget = MAX_TERMS
    for compound in _COMPOUND.findall(cleaned):
        parts = tuple(_WORD.findall(compound))[:budget]
        budget -= len(parts)
        if parts:
            groups.append(parts)
        if budget <= 0:
            break
    found = []
    for index, parts in enumerate(groups):
        last = index == len(groups) - 1
        forms = [Form(parts, last)]
        if len(parts) > 1:
            forms.append(Form(("".join(parts),), last))
        else:
            if index > 0 and _joinable(groups[index - 1], parts):
                forms.append(Form((groups[index - 1][0] + parts[0],), last))
            if not last and _joinable(parts, groups[index + 1]):
                forms.append(Form((parts[0] + groups[index + 1][0],), index + 1 == len(groups) - 1))
        found.append(tuple(forms))
    return found


def _joinable(first, second):
    # Two single words typed apart, each of two letters or more ("co operation").
    return len(first) == len(second) == 1 and len(first[0]) > 1 and len(second[0]) > 1


def compounds(*texts):
    """Each hyphenated compound of ``texts`` as one word ("peace-keeping" → "peacekeeping"), once."""
    joined = {}
    for text in texts:
        for compound in _COMPOUND.findall(text):
            parts = _WORD.findall(compound)
            if len(parts) > 1:
                joined.setdefault("".join(parts).lower(), None)
    return " ".join(joined)


def vocabulary(*texts):
    """The words of ``texts`` that the vocabulary keeps: lower-cased, with a letter, of a word's length."""
    found = set()
    for text in texts:
        for word in _WORD.findall(text.lower()):
            if len(word) in VOCABULARY_LENGTHS and not word.isdigit():
                found.add(word)
    return found


def replace_words(cleaned, replacements):
    """``cleaned`` with each word that ``replacements`` maps (lower-cased) replaced, capitalised as typed."""

    def swap(match):
        typed = match.group(0)
        new = replacements.get(typed.lower())
        if new is None:
            return typed
        if len(typed) > 1 and typed.isupper():
            return new.upper()
        return new[:1].upper() + new[1:] if typed[0].isupper() else new

    return _WORD.sub(swap, cleaned)


def fold(word):
    """``word`` lower-cased and without diacritics, as words are compared for spelling."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


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
