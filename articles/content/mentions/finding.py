"""
Where in a passage's Markdown a mention may stand, and the sentence it
stands in: the text scanning, with no query. The matcher is the topic
detector's (sources/stemming.py); the names come from names.py.
"""

import re

from ...sources.stemming import find_phrases, words

# What a mention is never looked for in: the text of links and references
# (linking there would nest links), code, addresses and HTML (``_NOT_INLINE``),
# heading lines and the markers that open list items (``_NOT_LINES``, read
# with a newline put before the body). Two patterns whose every branch starts
# with a known character, so that the engine skips to the next one at once.
_NOT_INLINE = re.compile(
    r"""
    <a\b[^>]*>.*?</a>
    | <[^>\n]*>
    | \[\[[^\]\n]*\]\]
    | \[[^\]\n]*\]\([^)\n]*\)
    | !\[[^\]\n]*\]\([^)\n]*\)
    | `[^`\n]*`
    | h(?<![^\W_]h)ttps?://\S+
    """,
    re.X | re.S | re.I,
)
_NOT_LINES = re.compile(
    r"""
    \n(?:[ ]{0,3}\#{1,6}(?:[ \t][^\n]*)?(?=\n|$)
    | [ \t]*(?:>[ \t]*)*(?:[-*+]|\d{1,9}[.)])(?=[ \t\n]|$))
    """,
    re.X,
)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_MARKUP = re.compile(r"\[\[|\]\]|\*\*|__|[*`]")


def not_text(body):
    """The (start, end) stretches of a body no mention is looked for in, merged, in order."""
    found = [match.span() for match in _NOT_INLINE.finditer(body)]
    # Offsets in "\n" + body: a match starts on the newline before its line.
    found += [(match.start(), match.end() - 1) for match in _NOT_LINES.finditer("\n" + body)]
    merged = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def text_segments(body):
    """(offset, text) of each stretch of a body a mention may stand in."""
    start = 0
    for skipped_from, skipped_to in not_text(body):
        yield from _paragraphs(body, start, skipped_from)
        start = skipped_to
    yield from _paragraphs(body, start, len(body))


def _paragraphs(body, start, end):
    position = start
    for gap in _PARAGRAPH_BREAK.finditer(body, start, end):
        if body[position : gap.start()].strip():
            yield position, body[position : gap.start()]
        position = gap.end()
    if body[position:end].strip():
        yield position, body[position:end]


def find_mentions(body, index, *, skip=frozenset()):
    """(label, start, end) of the first mention of each label in ``body``, ``skip`` left out."""
    skip = set(skip)
    for offset, segment in text_segments(body):
        found = words(segment)
        for labels, start, end in find_phrases(found, index, skip):
            first, last = found.span(start, end)
            for label in sorted(labels):
                # Only the first mention of each: once is enough to offer a link.
                skip.add(label)
                yield label, offset + first, offset + last


def mentions_in(passages, index):
    """
    (section id, label, text, start, end, sentence) of each mention found in
    ``passages``, (section id, body, labels to skip) triples: what a stored
    mention holds.
    """
    for section_id, body, skip in passages:
        for label, start, end in find_mentions(body, index, skip=skip):
            text = body[start:end][:255]
            yield section_id, label, text, start, end, sentence_at(body, start, end)


def sentence_at(body, start, end):
    """The sentence of ``body`` that holds characters ``start`` to ``end``, as plain text."""
    before = body.rfind("\n\n", 0, start)
    paragraph_start = 0 if before < 0 else before + 2
    paragraph_end = body.find("\n\n", end)
    paragraph_end = len(body) if paragraph_end < 0 else paragraph_end
    begin = paragraph_start
    for match in _SENTENCE_END.finditer(body, paragraph_start, paragraph_end):
        if match.end() > start:
            return _plain(body[begin : max(match.start(), end)])
        begin = match.end()
    return _plain(body[begin:paragraph_end])


def _plain(text):
    return " ".join(_MARKUP.sub("", text).split())
