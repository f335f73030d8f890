"""
How a cross-reference is written — ``[[Title]]`` or ``[[Title#Section
heading]]`` — and the names it is matched by. No models here, so that the
models, the Markdown renderer and an import's worker processes share this
one definition; ``references`` holds the services that store and resolve them.
"""

import re
import unicodedata

from django.utils.text import slugify

# [[Title]] or [[Title#Heading]]; no brackets or newlines inside.
REFERENCE_PATTERN = re.compile(r"\[\[([^\[\]\n#|]{1,300})(?:#([^\[\]\n|]{1,300}))?\]\]")
SEE_ALSO_PATTERN = re.compile(r"^\s*see also\b", re.IGNORECASE)


def normalize_title(title):
    """The key two titles are compared by: case, spacing and quote style ignored."""
    text = unicodedata.normalize("NFKC", title or "")
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u201c", '"').replace("\u201d", '"')
    text = re.sub(r"\s+", " ", text).strip().casefold()
    return text[:255]


def target_key_and_slug(title):
    """
    What a reference to ``title`` is matched by: an article whose
    ``title_key`` is the key, or else whose ``slug`` is the slug.
    """
    return normalize_title(title), slugify(title)[:255]


def heading_anchor(heading):
    """The #fragment a reference to a section heading links to."""
    return slugify(heading) if heading else ""


def written_title(text):
    """A title or heading as a reference states it: spacing collapsed."""
    return " ".join((text or "").split())


def extract_references(body):
    """Every ``[[...]]`` in a Markdown body: (title, heading, is_see_also), in order."""
    return [reference[:3] for reference in references_in_context(body)]


def reference_label(title, heading=""):
    """A reference's words as a reader sees them in the text."""
    return f"{title} § {heading}" if heading else title


def references_in_context(body):
    """
    Every ``[[...]]`` in a Markdown body, in order, as (title, heading,
    is_see_also, context): the context is the sentence the reference stands
    in, as plain text with each reference reduced to its words (cut to about
    CONTEXT_LENGTH characters around the reference), and empty for a
    "See also" line, whose passage is its context.
    """
    references = []
    for block in _blocks(body or ""):
        plain, found = _plain_block(block)
        for title, heading, see_also, start, end in found:
            context = "" if see_also else _sentence_around(plain, start, end)
            references.append((title, heading, see_also, context))
    return references


# How long a stored context may be: a sentence, or a window of one around the reference.
CONTEXT_LENGTH = 280
_LINE_MARKUP = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d{1,9}[.)]\s+)*")
_INLINE_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")
_INLINE_MARKUP = re.compile(r"<[^>\n]*>|\*\*|__|[*`]|(?<!\w)_|_(?!\w)")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")
# Words whose full stop ends no sentence ("Gen. Smith", "the U.N. Charter").
_ABBREVIATION = re.compile(
    r"(?:\b(?:Dr|Mr|Mrs|Ms|Prof|St|No|vs|etc|Gen|Col|Lt|Sgt|Adm|Capt|Maj|Cdr|Brig|Fig)"
    r"|\b(?:[A-Za-z]\.){1,3}[A-Za-z])\.[\"'”’)\]]*\Z"
)
_BLOCK_START = re.compile(r"^\s{0,3}(?:#{1,6}\s|[-*+]\s|\d{1,9}[.)]\s)")


def _blocks(body):
    """The paragraphs, list items and headings of Markdown, each as its lines."""
    block = []
    for line in body.splitlines():
        if block and _BLOCK_START.match(line):  # a list item or a heading starts its own
            yield block
            block = []
        if line.strip():
            block.append(line)
        elif block:
            yield block
            block = []
    if block:
        yield block


def _inline_text(markdown):
    text = _INLINE_LINK.sub(lambda match: match.group(1), markdown)
    return _INLINE_MARKUP.sub("", text)


def _plain_block(lines):
    """
    A block as plain text, and its references as (title, heading, is_see_also,
    start, end): where the reference's words stand in that text.
    """
    parts, found, length = [], [], 0

    def add(text):
        nonlocal length
        parts.append(text)
        length += len(text)

    for number, line in enumerate(lines):
        if number:
            add(" ")
        see_also = bool(SEE_ALSO_PATTERN.match(line))
        line = _LINE_MARKUP.sub("", line, count=1)
        last = 0
        for match in REFERENCE_PATTERN.finditer(line):
            add(_inline_text(line[last : match.start()]))
            last = match.end()
            title = written_title(match.group(1))
            if not title:
                add(match.group(0))
                continue
            heading = written_title(match.group(2))
            start = length
            add(reference_label(title, heading))
            found.append((title, heading, see_also, start, length))
        add(_inline_text(line[last:]))
    return " ".join("".join(parts).split(" ")), found


def _sentence_around(plain, start, end):
    """The sentence of ``plain`` holding ``plain[start:end]``, cut to CONTEXT_LENGTH."""
    sentence_start = 0
    for boundary in _SENTENCE_END.finditer(plain):
        if _ABBREVIATION.search(plain, 0, boundary.start()):
            continue
        if boundary.end() > start:
            if boundary.start() >= end:
                plain = plain[: boundary.start()]
                break
            continue
        sentence_start = boundary.end()
    sentence = plain[sentence_start:]
    start, end = start - sentence_start, end - sentence_start
    if len(sentence) > CONTEXT_LENGTH:
        room = max(0, (CONTEXT_LENGTH - (end - start)) // 2)
        left, right = max(0, start - room), min(len(sentence), end + room)
        cut = sentence[left:right]
        if left:
            cut = "…" + cut.split(" ", 1)[-1] if " " in cut[: start - left] else "…" + cut
        if right < len(sentence):
            cut = cut.rsplit(" ", 1)[0] + "…" if " " in cut[end - left :] else cut + "…"
        sentence = cut
    return " ".join(sentence.split())
