"""The source parser: a pure function from text to an outline (no database)."""

import codecs
import json
from pathlib import Path

import pytest

from articles.sources.outline import ItemList, Paragraph, SourceError
from articles.sources.parser import decode_source, parse_source

DATA = Path(__file__).parent / "data"
SOURCES = Path(__file__).resolve().parent.parent / "articles" / "sources" / "texts"
EXPECTED = json.loads((DATA / "outline.json").read_text(encoding="utf-8"))


def parse_file(path):
    return parse_source(decode_source(path.read_bytes(), path.name), path.name)


@pytest.mark.parametrize("expected", EXPECTED, ids=[e["file"] for e in EXPECTED])
def test_each_source_parses_to_its_outline_exactly(expected):
    outline = parse_file(SOURCES / expected["file"])

    assert outline.title == expected["title"]
    assert outline.intro_paragraphs == expected["intro_paragraphs"]
    assert [{"level": s.level, "heading": s.heading} for s in outline.sections] == expected[
        "sections"
    ]
    assert [
        {"title": title, "after_section": heading} for title, heading in outline.see_also()
    ] == expected["see_also"]


def test_every_source_of_the_project_has_its_expected_outline():
    assert sorted(path.name for path in SOURCES.glob("*.txt")) == sorted(
        expected["file"] for expected in EXPECTED
    )


def test_an_unseen_article_of_the_same_format_parses_with_its_levels():
    outline = parse_file(DATA / "unseen_article.txt")

    assert outline.title == (
        "Naval Diplomacy and Maritime Security Partnerships in the Indian Ocean"
    )
    assert outline.intro_paragraphs == 2
    assert [(s.level, s.heading) for s in outline.sections] == [
        (2, "Foundations of Naval Diplomacy in the Indian Ocean"),
        (3, "Goodwill port visits"),
        (3, "Coordinated maritime patrols"),
        (2, "Challenges Facing Indian Ocean Naval Cooperation"),
        (2, "Building Information Sharing Among Indian Ocean Navies"),
        (2, "The Outlook for Indian Ocean Maritime Security Partnerships"),
    ]
    assert outline.see_also() == [
        ("Maritime Domain Awareness: A Primer", "Coordinated maritime patrols")
    ]
    challenges = outline.sections[3]
    assert challenges.blocks == [
        ItemList(
            ordered=False,
            items=(
                "Differing threat perceptions among coastal states",
                "Limited fleet sizes and maintenance budgets",
                "Overlapping claims to maritime zones",
            ),
        )
    ]
    assert outline.sections[4].blocks[1] == ItemList(
        ordered=True,
        items=(
            "Shared databases of vessel movements",
            "Liaison officers posted at fusion centres",
            "Regular exercises that test the reporting chain",
        ),
    )
    assert all(
        "Scroll to Top" not in getattr(block, "text", "") for block in outline.sections[-1].blocks
    )


def test_list_items_with_and_without_blank_lines_between_them_are_one_list():
    spaced = "T\n\nIntro.\n\nHeading\n\n  1. One.\n\n  2. Two.\n\n  3. Three.\n"
    tight = "T\n\nIntro.\n\nHeading\n\n  1. One.\n  2. Two.\n  3. Three.\n"
    expected = [ItemList(ordered=True, items=("One.", "Two.", "Three."))]
    assert parse_source(spaced).sections[0].blocks == expected
    assert parse_source(tight).sections[0].blocks == expected


def test_bullets_and_numbers_make_separate_lists():
    text = "T\n\nIntro.\n\nHeading\n\n  • a\n  • b\n  1. c\n  2. d\n"
    assert parse_source(text).sections[0].blocks == [
        ItemList(ordered=False, items=("a", "b")),
        ItemList(ordered=True, items=("c", "d")),
    ]


def test_windows_line_endings_parse_exactly_like_unix_ones():
    for path in SOURCES.glob("*.txt"):
        unix = path.read_bytes()
        windows = unix.replace(b"\n", b"\r\n")
        assert parse_source(decode_source(windows, "w.txt")) == parse_source(
            decode_source(unix, "u.txt")
        )


# A source saved by another editor or system: each Unicode encoding a file
# can announce with a byte-order mark, and UTF-8 without one.
ENCODINGS = {
    "utf-8": b"",
    "utf-8-sig": codecs.BOM_UTF8,
    "utf-16-le": codecs.BOM_UTF16_LE,
    "utf-16-be": codecs.BOM_UTF16_BE,
    "utf-32-le": codecs.BOM_UTF32_LE,
    "utf-32-be": codecs.BOM_UTF32_BE,
}


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_source_in_any_unicode_encoding_parses_as_its_utf8_copy(encoding):
    path = SOURCES / "000_468588a0e0edcab1.txt"
    text = path.read_text(encoding="utf-8")
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    data = ENCODINGS[encoding] + text.replace("\n", "\r\n").encode(codec)
    assert parse_source(decode_source(data, "x.txt"), "x.txt") == parse_file(path)


def test_a_byte_order_mark_is_ignored():
    assert parse_source(decode_source(b"\xef\xbb\xbfTitle\n\nBody text.\n", "f")).title == "Title"


def test_lead_only_article_has_no_sections():
    outline = parse_source("Title\n\nOne paragraph of lead.\n\nAnother one.\n")
    assert outline.sections == []
    assert outline.lead == [Paragraph("One paragraph of lead."), Paragraph("Another one.")]


def test_a_sentence_is_not_a_heading():
    outline = parse_source("Title\n\nIntro.\n\nThis line ends with a full stop.\n\nMore.\n")
    assert outline.sections == []


@pytest.mark.parametrize(
    ("data", "line", "reason"),
    [
        (b"", 0, "the file is empty"),
        (b"   \n\n \r\n", 0, "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 0, "binary file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 0, "(a PNG image)"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", 0, "binary file (a PDF document)"),
        (b"PK\x03\x04\x14\x00\x06\x00", 0, "a Word .docx or an OpenDocument file"),
        (b"{\\rtf1\\ansi Title\\par}", 0, "this is an RTF document, not plain text"),
        (
            "Title\n\nBody.\n".encode("utf-16-le"),
            0,
            "UTF-16 (little-endian) text without a byte-order mark",
        ),
        (
            "Title\n\nBody.\n".encode("utf-16-be"),
            0,
            "UTF-16 (big-endian) text without a byte-order mark",
        ),
        (
            codecs.BOM_UTF16_LE + "Title\n\nCaf".encode("utf-16-le") + b"\x00\xd8!\x00",
            3,
            "not valid UTF-16 (little-endian) (bytes 0x00 0xd8 at column 4)",
        ),
        (
            codecs.BOM_UTF32_BE + b"\x00\x00\x00T\x00\x11\x00\x00",
            1,
            "not valid UTF-32 (big-endian)",
        ),
        (codecs.BOM_UTF16_BE, 0, "the file is empty"),
        (b"Title\n\nCaf\xe9 society.\n", 3, "not valid UTF-8"),
        (b"Just a title\n", 1, "a title but no body"),
        (b"Just a title\r\n\r\n\r\n", 1, "a title but no body"),
        (b"Title\n\nScroll to Top\n", 1, "a title but no body"),
        (b"Title\n\nText with a bell \x07 in it.\n", 3, "control character U+0007"),
        (b"  1. A list item first\n\nBody.\n", 1, "must be the article's title"),
        (("x" * 300 + "\n\nBody.\n").encode(), 1, "at most 255 characters"),
    ],
    ids=[
        "empty",
        "blank",
        "binary",
        "png",
        "pdf",
        "docx",
        "rtf",
        "utf-16-le-without-bom",
        "utf-16-be-without-bom",
        "bad-utf-16",
        "bad-utf-32",
        "utf-16-bom-only",
        "latin-1",
        "title-only",
        "title-only-crlf",
        "title-and-furniture",
        "control-character",
        "no-title",
        "title-too-long",
    ],
)
def test_bad_input_is_a_precise_error(data, line, reason):
    with pytest.raises(SourceError) as caught:
        parse_source(decode_source(data, "bad.txt"), "bad.txt")
    error = caught.value
    assert error.filename == "bad.txt"
    assert error.line == line
    assert reason in error.reason
    assert str(error).startswith("bad.txt")
    assert "\n" not in str(error)
