"""
The source-text parser: a pure function from text to an Outline, or a
SourceError naming the file, the line and the reason. No database, no I/O.

The format (the project's own sources, in ``texts/``, are examples):
- the title on the first line, then the lead paragraphs;
- headings: short lines standing alone, without final punctuation;
- numbered items ``  1. …`` and bullets ``  • …``, with or without blank
  lines between them;
- ``See also  <title>`` lines, cross-references to other articles;
- a trailing ``Scroll to Top`` line, page furniture to drop.

Headings carry no level mark, so levels are recovered from how the text is
written: a section introduces its subsections before they come (its lead-in
names them), a subsection is narrower than the article's subject (few of the
title's words), subsections come at least two at a time, and a subsection's
heading is not longer than its section's. See ``infer_levels``.
"""

import codecs
import re
import unicodedata
from functools import lru_cache

from .outline import ItemList, Outline, OutlineSection, Paragraph, SeeAlso, SourceError

MAX_TITLE_LENGTH = 255
MAX_HEADING_LENGTH = 150
MAX_HEADING_WORDS = 16
FINAL_PUNCTUATION = ".,:;!?…"
FURNITURE = {"scroll to top", "back to top"}

ORDERED_ITEM = re.compile(r"^\s+(\d{1,3})[.)]\s+(\S.*)$")
BULLET_ITEM = re.compile(r"^\s*[•●◦▪‣·∙*\-–]\s+(\S.*)$")
SEE_ALSO = re.compile(r"^see also[\s:–—-]*\s(\S.*)$", re.IGNORECASE)
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# Byte-order marks, longest first: UTF-32 LE's begins with UTF-16 LE's.
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32 (little-endian)"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32 (big-endian)"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 (little-endian)"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 (big-endian)"),
)
# How the files most often mistaken for text begin: the error names the
# format, so that the writer knows what to save the text as instead.
BINARY_SIGNATURES = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive, such as a Word .docx or an OpenDocument file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Word or Excel document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
)
RICH_TEXT_SIGNATURES = ((b"{\\rtf", "an RTF document"),)
# Bytes looked at to tell a binary file from text.
SNIFF_BYTES = 8192


def decode_source(data, filename):
    """
    Bytes of a source file → text, or a SourceError saying why they are not
    text. UTF-8 is read with or without a byte-order mark; UTF-16 and UTF-32
    (either byte order) need one, since without it their bytes cannot be told
    from a binary file's.
    """
    for mark, codec, name in BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return _decode(data, len(mark), codec, name, filename)
    if not data.strip():
        raise SourceError(filename, 0, "the file is empty")
    for signature, kind in RICH_TEXT_SIGNATURES:
        if data.startswith(signature):
            raise SourceError(
                filename, 0, f"this is {kind}, not plain text; save it as plain text (UTF-8)"
            )
    for signature, kind in BINARY_SIGNATURES:
        if data.startswith(signature):
            raise SourceError(filename, 0, f"this is a binary file ({kind}), not a text file")
    if b"\x00" in data[:SNIFF_BYTES]:
        unmarked = _unmarked_utf16(data[:SNIFF_BYTES])
        if unmarked:
            raise SourceError(
                filename,
                0,
                f"this looks like {unmarked} text without a byte-order mark; "
                "save it as UTF-8 (or as UTF-16 with a byte-order mark)",
            )
        raise SourceError(filename, 0, "this is a binary file, not a text file")
    return _decode(data, 0, "utf-8", "UTF-8", filename)


def _decode(data, start, codec, name, filename):
    try:
        return data[start:].decode(codec)
    except UnicodeDecodeError as exc:
        # Where the bad bytes are, in lines and characters of the text before them.
        before = data[start : start + exc.start].decode(codec, errors="replace")
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        bad = data[start + exc.start : start + max(exc.end, exc.start + 1)][:4]
        raise SourceError(
            filename,
            line,
            f"not valid {name} (byte{'s' if len(bad) > 1 else ''} "
            f"{' '.join(f'0x{byte:02x}' for byte in bad)} at column {column}); "
            "save the file as UTF-8",
        ) from None


def _unmarked_utf16(sample):
    """The name of the UTF-16 that ``sample`` looks like (mostly ASCII: every other byte 0), or None."""
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even = sum(1 for byte in sample[0 : pairs * 2 : 2] if byte == 0)
    odd = sum(1 for byte in sample[1 : pairs * 2 : 2] if byte == 0)
    if odd >= pairs * 0.4 and even <= pairs * 0.05:
        return "UTF-16 (little-endian)"
    if even >= pairs * 0.4 and odd <= pairs * 0.05:
        return "UTF-16 (big-endian)"
    return None


def parse_source(text, filename="<text>"):
    """Source text → Outline. Raises SourceError for text that is not an article."""
    lines = _normalise_lines(text)
    _check_characters(lines, filename)
    numbered = [(number, line) for number, line in enumerate(lines, start=1)]
    while numbered and not numbered[-1][1].strip():
        numbered.pop()
    if numbered and numbered[-1][1].strip().casefold() in FURNITURE:
        numbered.pop()
    while numbered and not numbered[0][1].strip():
        numbered.pop(0)
    if not numbered:
        raise SourceError(filename, 0, "the file is empty")

    title_line, title = numbered[0]
    title = " ".join(title.split())
    if len(title) > MAX_TITLE_LENGTH:
        raise SourceError(
            filename,
            title_line,
            f"the first line must be the title, at most {MAX_TITLE_LENGTH} characters "
            f"(it has {len(title)})",
        )
    if _is_list_item(numbered[0][1]) or SEE_ALSO.match(title):
        raise SourceError(filename, title_line, "the first line must be the article's title")

    body = numbered[1:]
    if not any(line.strip() for _, line in body):
        raise SourceError(filename, title_line, "the file has a title but no body")

    lead, sections = _read_blocks(body, filename)
    if not lead and not sections:
        raise SourceError(filename, title_line, "the file has a title but no body")
    infer_levels(title, lead, sections)
    return Outline(title=title, lead=lead, sections=sections)


def _normalise_lines(text):
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    text = unicodedata.normalize("NFC", text)
    return [line.replace("\u00a0", " ").rstrip() for line in text.split("\n")]


def _check_characters(lines, filename):
    for number, line in enumerate(lines, start=1):
        match = CONTROL_CHARACTER.search(line)
        if match:
            raise SourceError(
                filename,
                number,
                f"control character U+{ord(match.group()):04X} at column {match.start() + 1}; "
                "is this a text file?",
            )


def _is_list_item(line):
    return bool(ORDERED_ITEM.match(line) or BULLET_ITEM.match(line))


def _is_heading(lines, index):
    """A short line standing alone (blank lines around it), without final punctuation."""
    number, line = lines[index]
    text = line.strip()
    if not text or line[:1].isspace() or _is_list_item(line) or SEE_ALSO.match(text):
        return False
    if text[-1] in FINAL_PUNCTUATION or len(text) > MAX_HEADING_LENGTH:
        return False
    if len(text.split()) > MAX_HEADING_WORDS or not (text[0].isalnum() or text[0] in "\"'“‘"):
        return False
    before_blank = index == 0 or not lines[index - 1][1].strip()
    after_blank = index + 1 == len(lines) or not lines[index + 1][1].strip()
    return before_blank and after_blank


def _read_blocks(lines, filename):
    lead, sections = [], []
    current = lead
    paragraph = []
    items, ordered = [], None

    def flush_paragraph():
        if paragraph:
            current.append(Paragraph(" ".join(paragraph)))
            paragraph.clear()

    def flush_items():
        nonlocal ordered
        if items:
            current.append(ItemList(ordered=bool(ordered), items=tuple(items)))
            items.clear()
        ordered = None

    for index, (number, line) in enumerate(lines):
        text = line.strip()
        if not text:
            flush_paragraph()
            continue
        ordered_match = ORDERED_ITEM.match(line)
        bullet_match = None if ordered_match else BULLET_ITEM.match(line)
        if ordered_match or bullet_match:
            flush_paragraph()
            is_ordered = ordered_match is not None
            if ordered is not None and ordered != is_ordered:
                flush_items()
            ordered = is_ordered
            items.append((ordered_match or bullet_match).groups()[-1].strip())
            continue
        if items and line[:1].isspace() and lines[index - 1][1].strip():
            # An indented line straight after an item continues that item.
            items[-1] = f"{items[-1]} {text}"
            continue
        flush_items()
        see_also = SEE_ALSO.match(text)
        if see_also:
            flush_paragraph()
            current.append(SeeAlso(title=" ".join(see_also.group(1).split()), line=number))
            continue
        if _is_heading(lines, index):
            flush_paragraph()
            section = OutlineSection(heading=" ".join(text.split()), level=2, line=number)
            sections.append(section)
            current = section.blocks
            continue
        paragraph.append(text)
    flush_paragraph()
    flush_items()
    return lead, sections


# --- Heading levels -----------------------------------------------------------------

STOPWORDS = frozenset(
    """a an and are as at be by for from in into is its of on or the their this that
    through to via with within among key role""".split()
)
SUFFIXES = ("ations", "ation", "ments", "ment", "ings", "ing", "ies", "es", "s", "ed", "al", "ive")
# How much better a heading must be announced by its section's lead-in than it is
# made of the article title's words, to be read as a subsection.
ANNOUNCED_MARGIN = 0.3
# A heading at least this much made of the title's words is about the whole subject.
TOPICAL_LIMIT = 0.5


@lru_cache(maxsize=65536)
def _stem(word):
    word = word.casefold().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    for suffix in SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


TERM_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
# Each word seen → its term, or "" for a stopword: a text is mostly words seen before.
_TERMS = {}
_MAX_TERMS = 200_000


def terms(text):
    """The content words of a text, lightly stemmed."""
    found = []
    for word in TERM_WORD.findall(text):
        term = _TERMS.get(word)
        if term is None:
            if len(_TERMS) >= _MAX_TERMS:
                _TERMS.clear()
            term = _TERMS[word] = "" if word.casefold() in STOPWORDS else _stem(word)
        if term:
            found.append(term)
    return found


def _sentences(blocks):
    for block in blocks:
        if isinstance(block, Paragraph):
            yield from re.split(r"(?<=[.!?;:])\s+", block.text)
        elif isinstance(block, ItemList):
            yield from block.items


class _LeadIn:
    """The terms of each sentence of a section's lead-in, read when first needed."""

    def __init__(self, section):
        self.section = section
        self._sentences = None

    def sentences(self):
        if self._sentences is None:
            self._sentences = [set(terms(sentence)) for sentence in _sentences(self.section.blocks)]
        return self._sentences


def _is_subsection(section, parent, title_terms, lead_in):
    heading_terms = terms(section.heading)
    if not heading_terms:
        return False
    topical = sum(term in title_terms for term in heading_terms) / len(heading_terms)
    if topical >= TOPICAL_LIMIT:
        return False
    if len(heading_terms) > len(terms(parent.heading)) + 1:
        return False
    specific = [term for term in heading_terms if term not in title_terms]
    lead_in = lead_in.sentences()
    if not lead_in:
        # A section with no lead-in of its own is only a frame for subsections.
        return True
    announced = max(
        sum(term in sentence_terms for term in specific) / len(specific)
        for sentence_terms in lead_in
    )
    return announced - topical >= ANNOUNCED_MARGIN


def infer_levels(title, lead, sections):
    """Set each section's level: 2 for a section, 3 for a subsection. In place."""
    title_terms = set(terms(title))
    parent = lead_in = None
    for index, section in enumerate(sections):
        section.level = 2
        if parent is not None and _is_subsection(section, parent, title_terms, lead_in):
            following = sections[index + 1] if index + 1 < len(sections) else None
            starts_run = sections[index - 1] is parent
            if not starts_run or (
                following is not None and _is_subsection(following, parent, title_terms, lead_in)
            ):
                section.level = 3
        if section.level == 2:
            parent, lead_in = section, _LeadIn(section)
    return sections
